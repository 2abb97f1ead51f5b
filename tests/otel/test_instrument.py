"""OpenTelemetry on real stores (memory, Redis, SQLite; sync and asyncio),
read back through the SDK's in-memory exporters."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import Depends, FastAPI, Request
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import StatusCode
from starlette.testclient import TestClient

from authsessions import (
    AsyncInMemorySessions,
    InMemorySessions,
    SessionBackendError,
    SessionId,
    SessionPolicy,
)
from authsessions.otel import (
    DURATION_BUCKETS,
    METRICS,
    instrument,
    instrument_all,
    is_instrumented,
    uninstrument,
    uninstrument_all,
)
from authsessions.starlette import SessionAuth

NONSENSE = SessionId("nonsense")
SESSION_ID = re.compile(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{43}")
POLICY = SessionPolicy(
    max_sessions_per_user=2,
    absolute_ttl=timedelta(hours=1),
    reuse_grace=timedelta(0),
    revoke_on_reuse=False,
)


class Telemetry:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def providers(self) -> dict[str, Any]:
        return {"tracer_provider": self.tracer_provider, "meter_provider": self.meter_provider}

    def names(self) -> list[str]:
        return [span.name for span in self.spans.get_finished_spans()]

    def points(self) -> dict[str, list[Any]]:
        data = self.reader.get_metrics_data()
        found: dict[str, list[Any]] = {}
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    found.setdefault(metric.name, []).extend(metric.data.data_points)
        return found

    def total(self, name: str, **attributes: str) -> int:
        return sum(
            int(p.value)
            for p in self.points().get(name, [])
            if all(p.attributes.get(k) == v for k, v in attributes.items())
        )

    def everything_recorded(self) -> str:
        parts = []
        for span in self.spans.get_finished_spans():
            parts += [span.name, repr(dict(span.attributes or {})), repr(span.status.description)]
        for points in self.points().values():
            parts += [repr(dict(p.attributes)) for p in points]
        return "\n".join(parts)


@pytest.fixture
def telemetry() -> Telemetry:
    return Telemetry()


def _journey(store: Any, run: Callable[[Any], Any]) -> list[str]:
    """Every operation once (and an eviction); the SessionIds it made."""
    ids = [run(store.create_session(user_id="ann", label="a", meta={})) for _ in range(3)]
    run(store.get_session(ids[2]))
    run(store.get_session(NONSENSE))
    run(store.get_user_id_from_session(ids[2]))
    run(store.get_session_meta(ids[2]))
    run(store.set_session_meta(ids[2], {"x": 1}))
    rotated = run(store.rotate_session(ids[2]))
    run(store.get_session(ids[2]))  # a rotated-away secret: a theft (reported, not revoked)
    run(store.get_session_by_key(rotated.partition(".")[0]))
    (listed, other) = run(store.get_sessions_for_user("ann"))
    run(store.destroy_session(listed if listed.key != rotated[:32] else other))  # revoked
    run(store.create_session(user_id="bob", label="b", meta={}))
    run(store.destroy_session(rotated))  # logout
    run(store.list_sessions())
    run(_drain(store.iter_sessions()))
    run(store.destroy_sessions_for_user("bob"))
    run(store.prune())
    run(store.stats())
    return [*ids, rotated]


async def _collect(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


def _drain(iterator: Any) -> Any:
    if hasattr(iterator, "__anext__"):
        return _collect(iterator)
    return list(iterator)


def _sync(value: Any) -> Any:
    return value


def _stores(kind: str, redis_url: str | None, tmp_path: Any) -> tuple[Any, Callable[[Any], Any]]:
    if kind == "memory":
        return InMemorySessions(policy=POLICY), _sync
    if kind == "memory-asyncio":
        return AsyncInMemorySessions(policy=POLICY), _runner()
    if kind in ("redis", "redis-asyncio"):
        from authsessions.redis import AsyncRedisSessions, RedisSessions

        assert redis_url is not None
        prefix = f"otel{id(tmp_path)}:"
        if kind == "redis":
            return RedisSessions.from_url(redis_url, prefix=prefix, policy=POLICY), _sync
        run = _runner()
        return run(_async_redis(AsyncRedisSessions, redis_url, prefix)), run
    from authsessions.sql import AsyncSqlSessions, SqlSessions, async_sqlite_engine, sqlite_engine

    if kind == "sqlite":
        store: Any = SqlSessions(sqlite_engine(tmp_path / "s.db"), policy=POLICY)
        store.create_schema()
        return store, _sync
    run = _runner()
    store = AsyncSqlSessions(async_sqlite_engine(tmp_path / "a.db"), policy=POLICY)
    run(store.create_schema())
    return store, run


async def _async_redis(cls: Any, url: str, prefix: str) -> Any:
    return cls.from_url(url, prefix=prefix, policy=POLICY)


def _runner() -> Callable[[Any], Any]:
    loop = asyncio.new_event_loop()

    def run(value: Any) -> Any:
        return loop.run_until_complete(value) if asyncio.iscoroutine(value) else value

    return run


KINDS = ["memory", "memory-asyncio", "redis", "redis-asyncio", "sqlite", "sqlite-asyncio"]


@pytest.mark.parametrize(
    "kind",
    [pytest.param(k, marks=[pytest.mark.redis] if "redis" in k else []) for k in KINDS],
)
def test_every_call_is_a_span_and_the_metrics_count_what_happened(
    kind: str, telemetry: Telemetry, tmp_path: Any, request: pytest.FixtureRequest
) -> None:
    redis_url = request.getfixturevalue("redis_server").url if "redis" in kind else None
    store, run = _stores(kind, redis_url, tmp_path)
    assert instrument(store, **telemetry.providers()) is store and is_instrumented(store)
    ids = _journey(store, run)
    names = telemetry.names()
    every = ("create_session", "get_session", "rotate_session", "iter_sessions",
             "destroy_sessions_for_user", "prune", "stats", "get_session_by_key")  # fmt: skip
    for operation in every:
        assert f"authsessions.{operation}" in names, (operation, names)
    assert names.count("authsessions.create_session") == 4
    assert telemetry.total("authsessions.sessions.created") == 4
    calls = "authsessions.operation.calls"
    assert telemetry.total(calls, **{"authsessions.operation": "create_session"}) == 4
    assert telemetry.total(calls, **{"authsessions.operation": "get_session"}) == 3
    assert telemetry.total(calls, **{"authsessions.operation": "get_session",
                                     "authsessions.outcome": "not_found"}) == 2  # fmt: skip
    assert telemetry.total("authsessions.sessions.evicted") == 1, "the third create evicted one"
    revoked = "authsessions.sessions.revoked"
    assert telemetry.total(revoked, **{"authsessions.revoke.reason": "revoked"}) == 1
    assert telemetry.total(revoked, **{"authsessions.revoke.reason": "logout"}) == 1
    assert telemetry.total(revoked, **{"authsessions.revoke.reason": "logout_everywhere"}) == 1
    assert telemetry.total(revoked, **{"authsessions.revoke.reason": "evicted"}) == 1
    assert telemetry.total("authsessions.sessions.theft_suspected") == 1
    durations = telemetry.points()["authsessions.operation.duration"]
    # sub-millisecond calls land in buckets of their own, not all in [0, 5 s]
    assert all(tuple(p.explicit_bounds) == DURATION_BUCKETS for p in durations)
    assert any(sum(p.bucket_counts[:7]) for p in durations), "no call under 1 ms?"
    outcomes = {(p.attributes["authsessions.operation"], p.attributes["authsessions.outcome"])
                for p in durations}  # fmt: skip
    assert ("get_session", "not_found") in outcomes and ("get_session", "ok") in outcomes
    keyed = [s for s in telemetry.spans.get_finished_spans() if s.name.endswith("get_session")]
    assert (keyed[0].attributes or {})["authsessions.session.key"] == ids[2][:32]
    recorded = telemetry.everything_recorded()
    assert not SESSION_ID.search(recorded), "a SessionId in telemetry"
    for sid in ids:
        assert sid.partition(".")[2] not in recorded, "a secret in telemetry"
    assert "ann" not in recorded, "a user id in telemetry"
    uninstrument(store)
    assert not is_instrumented(store)
    before = len(names)
    run(store.stats())
    assert len(telemetry.names()) == before, "uninstrumented calls still traced"


def test_a_backend_failure_is_an_error_span_and_counted_by_its_cause(
    telemetry: Telemetry,
) -> None:
    from authsessions.sql import SqlSessions, sqlite_engine

    store = instrument(SqlSessions(sqlite_engine(), table="missing"), **telemetry.providers())
    with pytest.raises(SessionBackendError):
        store.stats()  # no such table
    (span,) = telemetry.spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "SessionBackendError"
    assert (
        telemetry.total("authsessions.backend.errors", **{"error.type": "OperationalError"}) == 1
    )
    errors = {"authsessions.outcome": "error"}
    assert telemetry.total("authsessions.operation.calls", **errors) == 1


def test_a_fastapi_requests_store_calls_are_spans_under_the_request_span(
    telemetry: Telemetry,
) -> None:
    store = instrument(AsyncInMemorySessions(), **telemetry.providers())
    auth = SessionAuth(store)
    tracer = telemetry.tracer_provider.get_tracer("app")
    app = FastAPI(middleware=[auth.middleware])

    @app.middleware("http")
    async def request_span(request: Request, call_next: Any) -> Any:
        with tracer.start_as_current_span("GET /me"):
            return await call_next(request)

    @app.post("/login")
    async def login(request: Request) -> dict[str, str]:
        await auth.login(request, user_id="ann", meta={})
        return {}

    @app.get("/me")
    async def me(session: Any = Depends(auth.required)) -> dict[str, str]:  # noqa: B008
        return {"user": session.user_id}

    with TestClient(app, base_url="https://testserver") as client:
        client.post("/login", headers={"origin": "https://testserver"})
        telemetry.spans.clear()
        assert client.get("/me").json() == {"user": "ann"}
    spans = telemetry.spans.get_finished_spans()
    (parent,) = [s for s in spans if s.name == "GET /me"]
    children = [s for s in spans if s.name.startswith("authsessions.")]
    assert [s.name for s in children] == ["authsessions.get_session"]
    assert all(s.parent is not None and s.parent.span_id == parent.context.span_id
               for s in children)  # fmt: skip


def test_instrument_all_covers_stores_built_afterwards(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    import random

    monkeypatch.setattr(random, "random", lambda: 0.5)  # outside a 10% sample
    before = InMemorySessions()
    instrument_all(duration_sample=0.1, **telemetry.providers())
    try:
        after = InMemorySessions()
        assert is_instrumented(after) and not is_instrumented(before)
        after.get_session(NONSENSE)
        assert telemetry.total("authsessions.operation.calls") == 1
        assert _histogram_count(telemetry) == 0, "instrument_all passes duration_sample on"
    finally:
        uninstrument_all()
    assert not is_instrumented(InMemorySessions())
    assert set(METRICS) == {
        "authsessions.operation.duration", "authsessions.operation.calls",
        "authsessions.backend.errors",
        "authsessions.sessions.created", "authsessions.sessions.revoked",
        "authsessions.sessions.evicted", "authsessions.sessions.pruned",
        "authsessions.sessions.theft_suspected",
    }  # fmt: skip


def test_not_a_store_is_refused() -> None:
    with pytest.raises(TypeError, match="not a session store"):
        instrument(object())


def _python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_nothing_imports_opentelemetry_until_it_is_enabled() -> None:
    # (redis-py 8 imports OpenTelemetry itself when it is installed: not ours)
    code = (
        "import sys, authsessions, authsessions.otel, authsessions.web\n"
        "import authsessions.sql, authsessions.starlette, authsessions.flask\n"
        "authsessions.InMemorySessions().stats()\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    assert _python(code) == "[]"


def test_without_opentelemetry_enabling_names_the_install_line() -> None:
    code = (
        "import sys\n"
        "sys.modules['opentelemetry'] = None\n"
        "from authsessions import InMemorySessions\n"
        "from authsessions.otel import instrument\n"
        "try:\n"
        "    instrument(InMemorySessions())\n"
        "except ImportError as err:\n"
        "    print(err)\n"
    )
    assert "pip install 'authsessions[otel]'" in _python(code)


def test_traces_or_metrics_alone(telemetry: Telemetry) -> None:
    quiet = instrument(InMemorySessions(), traces=False, **telemetry.providers())
    quiet.stats()
    assert telemetry.names() == [] and telemetry.total("authsessions.sessions.created") == 0
    quiet.create_session(user_id="u", label="", meta={})
    assert telemetry.names() == [] and telemetry.total("authsessions.sessions.created") == 1
    other = Telemetry()
    unmeasured = instrument(InMemorySessions(), metrics=False, **other.providers())
    unmeasured.create_session(user_id="u", label="", meta={})
    assert other.names() == ["authsessions.create_session"] and other.points() == {}


class _DropsOurSpans:
    """A sampler that drops the store's spans and keeps every other root:
    a child that did not see its sampled-out parent would be kept."""

    def should_sample(self, parent_context: Any, trace_id: int, name: str,
                      *args: Any, **kwargs: Any) -> Any:  # fmt: skip
        from opentelemetry.sdk.trace.sampling import Decision, SamplingResult

        drop = name.startswith("authsessions.")
        return SamplingResult(Decision.DROP if drop else Decision.RECORD_AND_SAMPLE)

    def get_description(self) -> str:
        return "drops authsessions spans"


def _whose_hook_starts_a_span(provider: TracerProvider, asyncio_store: bool) -> Any:
    """A store instrumented on ``provider`` whose hook starts a span of the
    app's, as a hook that calls out (an e-mail, an HTTP audit log) would."""
    tracer = provider.get_tracer("app")
    store: Any = AsyncInMemorySessions() if asyncio_store else InMemorySessions()
    store.add_hook(lambda event: tracer.start_span("hook").end())
    return instrument(store, tracer_provider=provider, meter_provider=MeterProvider())


def _exported(provider: TracerProvider) -> InMemorySpanExporter:
    spans = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    return spans


@pytest.mark.parametrize("asyncio_store", [False, True])
def test_spans_started_inside_a_store_call_are_its_children(
    telemetry: Telemetry, asyncio_store: bool
) -> None:
    store = _whose_hook_starts_a_span(telemetry.tracer_provider, asyncio_store)
    run = _runner()
    run(store.create_session(user_id="ann", label="", meta={}))
    spans = {span.name: span for span in telemetry.spans.get_finished_spans()}
    assert set(spans) == {"hook", "authsessions.create_session"}
    parent = spans["hook"].parent
    assert parent is not None
    assert parent.span_id == spans["authsessions.create_session"].context.span_id


@pytest.mark.parametrize("asyncio_store", [False, True])
def test_a_sampled_out_call_leaves_its_children_unsampled(asyncio_store: bool) -> None:
    from opentelemetry.sdk.trace.sampling import ParentBased

    provider = TracerProvider(sampler=ParentBased(_DropsOurSpans()))  # type: ignore[arg-type]
    spans = _exported(provider)
    store = _whose_hook_starts_a_span(provider, asyncio_store)
    run = _runner()
    run(store.create_session(user_id="ann", label="", meta={}))
    provider.get_tracer("app").start_span("elsewhere").end()  # the sampler keeps other roots
    assert [span.name for span in spans.get_finished_spans()] == ["elsewhere"]


def _histogram_count(telemetry: Telemetry, **attributes: str) -> int:
    return sum(
        p.count
        for p in telemetry.points().get("authsessions.operation.duration", [])
        if all(p.attributes.get(k) == v for k, v in attributes.items())
    )


def test_a_duration_sample_records_that_share_and_counts_every_call(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    import random

    from authsessions.sql import SqlSessions, sqlite_engine

    draws = iter([k / 100 for k in range(100)] * 2)  # an even spread, no luck involved
    monkeypatch.setattr(random, "random", lambda: next(draws))
    store = instrument(InMemorySessions(), duration_sample=0.1, **telemetry.providers())
    for _ in range(100):
        store.get_session(NONSENSE)
    read = {"authsessions.operation": "get_session"}
    assert _histogram_count(telemetry, **read) == 10
    assert telemetry.total("authsessions.operation.calls", **read) == 100
    failing = instrument(SqlSessions(sqlite_engine(), table="missing"), duration_sample=0.1,
                         **telemetry.providers())  # fmt: skip
    for _ in range(3):
        with pytest.raises(SessionBackendError):
            failing.stats()
    assert _histogram_count(telemetry, **{"authsessions.outcome": "error"}) == 3, (
        "every failed call's duration is recorded"
    )


@pytest.mark.parametrize("bad", [0, 0.0, -0.5, 1.5, float("nan"), True, "0.1", None])
def test_a_duration_sample_outside_zero_to_one_is_refused_and_changes_nothing(
    telemetry: Telemetry, bad: Any
) -> None:
    store = InMemorySessions()
    with pytest.raises(ValueError, match=r"duration_sample must be a number in \(0, 1\]"):
        instrument(store, duration_sample=bad, **telemetry.providers())
    assert not is_instrumented(store)
    with pytest.raises(ValueError, match="duration_sample"):
        instrument_all(duration_sample=bad, **telemetry.providers())
    assert not is_instrumented(InMemorySessions())


def test_stores_on_one_provider_add_their_calls_and_providers_keep_their_own() -> None:
    first, second = Telemetry(), Telemetry()
    a = instrument(InMemorySessions(), **first.providers())
    b = instrument(InMemorySessions(), **first.providers())
    c = instrument(InMemorySessions(), **second.providers())
    for store, calls in ((a, 2), (b, 3), (c, 5)):
        for _ in range(calls):
            store.get_session(NONSENSE)
    read = {"authsessions.operation": "get_session"}
    assert first.total("authsessions.operation.calls", **read) == 5
    assert second.total("authsessions.operation.calls", **read) == 5
    a.get_session(NONSENSE)
    assert first.total("authsessions.operation.calls", **read) == 6, "a cumulative counter"


class _CountingIds(RandomIdGenerator):
    """The SDK's id generator, counting the spans started (sampled or not)."""

    spans = 0

    def generate_span_id(self) -> int:
        self.spans += 1
        return super().generate_span_id()


def _unsampled_parent() -> Any:
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

    return NonRecordingSpan(SpanContext(0x1234, 0x5678, is_remote=True,
                                        trace_flags=TraceFlags(TraceFlags.DEFAULT)))  # fmt: skip


@pytest.mark.parametrize("asyncio_store", [False, True])
def test_under_an_unsampled_parent_a_call_starts_no_span_and_its_children_follow(
    asyncio_store: bool,
) -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased

    ids = _CountingIds()
    provider = TracerProvider(sampler=ParentBased(ALWAYS_ON), id_generator=ids)
    spans = _exported(provider)
    store = _whose_hook_starts_a_span(provider, asyncio_store)
    run = _runner()
    with trace.use_span(_unsampled_parent()):
        run(store.create_session(user_id="ann", label="", meta={}))
        run(_drain(store.iter_sessions()))
    assert ids.spans == 1, "only the hook's span is started (and dropped)"
    assert spans.get_finished_spans() == ()
    run(store.stats())  # no parent: the sampler decides, and keeps it
    assert [span.name for span in spans.get_finished_spans()] == ["authsessions.stats"]


def test_under_an_unsampled_parent_a_sampler_that_ignores_parents_still_decides() -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.trace.sampling import ALWAYS_ON

    provider = TracerProvider(sampler=ALWAYS_ON)
    spans = _exported(provider)
    store = instrument(InMemorySessions(), tracer_provider=provider,
                       meter_provider=MeterProvider())  # fmt: skip
    with trace.use_span(_unsampled_parent()):
        store.stats()
    assert [span.name for span in spans.get_finished_spans()] == ["authsessions.stats"]
