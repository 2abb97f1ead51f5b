"""The wrappers: each public store method, timed and traced.

A store is instrumented by putting wrappers on the instance (its class is
untouched, so other stores pay nothing); ``instrument_all`` wraps the kit
base's ``__init__`` so that every store built afterwards instruments
itself."""

from __future__ import annotations

import functools
import inspect
import random
import time
from collections.abc import AsyncIterator, Callable, Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar

from authsessions import (
    RevokeReason,
    Session,
    SessionBackendError,
    SessionCreated,
    SessionEvent,
    SessionRevoked,
    TheftSuspected,
)
from authsessions.kit import AsyncStoreBase, StoreBase, is_session_key

from ._calls import CALLS, Calls, Series, calls_for

S = TypeVar("S")

OPERATIONS = (
    "create_session",
    "get_user_id_from_session",
    "get_session_meta",
    "get_session",
    "get_session_by_key",
    "set_session_meta",
    "rotate_session",
    "reauthenticate",
    "destroy_session",
    "destroy_sessions_for_user",
    "get_sessions_for_user",
    "list_sessions",
    "iter_sessions",
    "prune",
    "stats",
)

METRICS = {
    "authsessions.operation.duration": "histogram, s: each store call (or the share "
    "instrument's duration_sample says, and every failed call), by operation, backend "
    "and outcome",
    CALLS: "counter: store calls, by operation, backend and outcome (exact whatever "
    "share of durations is recorded)",
    "authsessions.backend.errors": "counter: calls that failed in the backend, by operation "
    "and the backend's exception type",
    "authsessions.sessions.created": "counter: sessions created",
    "authsessions.sessions.revoked": "counter: sessions ended, by reason: logout (by "
    "SessionId), revoked (a listed Session, from elsewhere), logout_everywhere, evicted "
    "(at the per-user cap), theft (a rotated-away secret presented again)",
    "authsessions.sessions.evicted": "counter: live sessions evicted at the per-user cap",
    "authsessions.sessions.theft_suspected": "counter: rotated-away secrets presented "
    "again (TheftSuspected events)",
    "authsessions.sessions.pruned": "counter: expired records removed by prune",
}
"""Every metric this module records, and what it counts."""

DURATION_BUCKETS = (
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
"""The duration histogram's bucket boundaries (seconds), from 10 µs (an
in-memory read) to 10 s (a timed-out backend): given to the SDK as advice
(opentelemetry-api 1.23 or later; a View of yours overrides it). The SDK's
default boundaries (0, 5, 10, ... in the unit) would put every call in one
bucket."""

_INSTRUMENTED = "_authsessions_otel"
_HOOK = "_authsessions_otel_hook"
# the revoke reasons as the metric's attribute values
_REASONS = {reason: reason.value for reason in RevokeReason} | {
    RevokeReason.EVERYWHERE: "logout_everywhere"
}
_ORIGINAL_INITS: dict[type, Callable[..., None]] = {}


def _version() -> str:
    try:
        return version("authsessions")
    except PackageNotFoundError:  # pragma: no cover - a source tree
        return "unknown"


class _Telemetry:
    """A tracer and the instruments, from the given or global providers."""

    def __init__(
        self,
        tracer_provider: Any,
        meter_provider: Any,
        traces: bool = True,
        metrics_on: bool = True,
        duration_sample: float = 1.0,
    ) -> None:
        import contextlib

        from opentelemetry import context, metrics, trace
        from opentelemetry.trace import INVALID_SPAN, SpanKind, Status, StatusCode

        self.traces, self.metrics = traces, metrics_on
        self.sample, self.every_duration = duration_sample, duration_sample >= 1.0
        self.tracer_provider = tracer_provider
        self._parent_decides: bool | None = None
        self.current_span, self.proxy = trace.get_current_span, trace.ProxyTracerProvider
        self.get_tracer_provider = trace.get_tracer_provider
        # with traces off, every call gets the same no-op span
        self.no_span = contextlib.nullcontext(INVALID_SPAN)
        self.invalid_span = INVALID_SPAN
        self.attach, self.detach = context.attach, context.detach
        self.in_context = trace.set_span_in_context

        self.kind, self.status, self.error_code = SpanKind.INTERNAL, Status, StatusCode.ERROR
        self.tracer = trace.get_tracer("authsessions", _version(), tracer_provider)
        meter = metrics.get_meter("authsessions", _version(), meter_provider)
        advice: dict[str, Any] = {}
        if (
            "explicit_bucket_boundaries_advisory"
            in inspect.signature(meter.create_histogram).parameters
        ):
            advice["explicit_bucket_boundaries_advisory"] = DURATION_BUCKETS
        self.duration = meter.create_histogram(
            "authsessions.operation.duration", unit="s", description=METRICS[
                "authsessions.operation.duration"], **advice
        )  # fmt: skip
        self.counters = {
            name: meter.create_counter(name, unit=unit, description=METRICS[name])
            for name, unit in (
                ("authsessions.backend.errors", "{error}"),
                ("authsessions.sessions.created", "{session}"),
                ("authsessions.sessions.revoked", "{session}"),
                ("authsessions.sessions.evicted", "{session}"),
                ("authsessions.sessions.theft_suspected", "{session}"),
                ("authsessions.sessions.pruned", "{session}"),
            )
        }
        self.calls: Calls | None = None
        if metrics_on:
            self.calls = calls_for(meter_provider, meter, METRICS[CALLS])

    def add(self, name: str, amount: int, attributes: dict[str, str]) -> None:
        if amount and self.metrics:
            self.counters[name].add(amount, attributes)

    def measure(self, series: Series, seconds: float, failed: bool = False) -> None:
        """Count the call; record its duration if it failed or falls in
        the sample (a random share: every call at 1.0)."""
        calls = self.calls
        if calls is None:
            return
        with calls.lock:  # an increment is three bytecodes, not atomic
            series.count += 1
        if failed or self.every_duration or random.random() < self.sample:
            self.duration.record(seconds, series.attributes)

    def parent_decides(self) -> bool:
        """Whether the sampler follows a parent's decision (the SDK's
        ``ParentBased``, its default): then a call under a parent that was
        not sampled need not ask, and starts no span. Asked again while
        the global provider is still the API's proxy (it may be set later)."""
        decides = self._parent_decides
        if decides is None:
            provider = self.tracer_provider or self.get_tracer_provider()
            decides = _is_parent_based(getattr(provider, "sampler", None))
            if not isinstance(provider, self.proxy):
                self._parent_decides = decides
        return decides

    def under_unsampled_parent(self) -> bool:
        context = self.current_span().get_span_context()
        return context.is_valid and not context.trace_flags.sampled and self.parent_decides()


def _is_parent_based(sampler: Any) -> bool:
    if sampler is None:
        return False
    try:
        from opentelemetry.sdk.trace.sampling import ParentBased
    except ImportError:  # the API alone: no SDK sampler to follow
        return False
    return isinstance(sampler, ParentBased)


def _key(operation: str, args: tuple[Any, ...]) -> str | None:
    """The public key of the session a call names, if it names one: the
    part of a SessionId before its dot (never the secret after it)."""
    if not args:
        return None
    first = args[0]
    if isinstance(first, Session):
        return first.key
    if isinstance(first, str):
        key = first[:32]
        if is_session_key(key) and (operation == "get_session_by_key") == (len(first) == 32):
            return key
    return None


class _Operation:
    """What every call of one operation shares: its span name and its
    attribute sets, built once (the SDK hashes attributes per record, but
    building them per call is our cost to avoid)."""

    def __init__(self, telemetry: _Telemetry, store: Any, operation: str) -> None:
        self.telemetry, self.operation = telemetry, operation
        self.name = f"authsessions.{operation}"
        # metrics carry the operation and backend (every attribute costs a
        # hash per record); spans also name the store's class
        self.attributes = _attributes(store, operation)
        self.span_attributes = {**self.attributes, "authsessions.store": type(store).__name__}
        # the store sends events: the counting hook counts what they say
        self.hooked = callable(getattr(store, "add_hook", None))
        self.counts_results = operation == "prune" or (operation in _COUNTED and not self.hooked)
        self._measured: dict[tuple[str, str | None], Series] = {}
        self.ok, self.not_found = self.measured("ok"), self.measured("not_found")

    def measured(self, outcome: str, error: str | None = None) -> Series:
        """The running total (and the duration's attributes) of this
        operation's calls with that outcome."""
        found = self._measured.get((outcome, error))
        if found is None:
            attributes = {**self.attributes, "authsessions.outcome": outcome}
            if error is not None:
                attributes["error.type"] = error
            calls = self.telemetry.calls
            found = calls.series(attributes) if calls is not None else Series(attributes)
            self._measured[(outcome, error)] = found
        return found

    def span(self, args: tuple[Any, ...]) -> Any:
        """The call's span as a context manager (for the streams, whose
        span stays current across their yields)."""
        t = self.telemetry
        if not t.traces or t.under_unsampled_parent():
            return t.no_span
        return t.tracer.start_as_current_span(
            self.name,
            kind=t.kind,
            attributes=self._span_attributes(args),
            record_exception=False,
            set_status_on_exception=False,
        )

    def _span_attributes(self, args: tuple[Any, ...]) -> dict[str, str]:
        key = _key(self.operation, args)
        if key is None:
            return self.span_attributes
        return {**self.span_attributes, "authsessions.session.key": key}

    def start(self, args: tuple[Any, ...]) -> tuple[Any, Any]:
        """The call's span, made current; and what ``close`` needs to undo
        that. Leaner than ``start_as_current_span`` (no context-manager
        layers): a call sampled out costs the sampler's decision and a
        context switch, not the SDK's span."""
        t = self.telemetry
        if not t.traces or t.under_unsampled_parent():
            # the SDK would drop the span; what the call starts sees the
            # parent's decision as it would have seen the dropped span's
            return t.invalid_span, None
        span = t.tracer.start_span(
            self.name,
            kind=t.kind,
            attributes=self.span_attributes,
            record_exception=False,
            set_status_on_exception=False,
        )
        if span.is_recording():
            key = _key(self.operation, args)
            if key is not None:
                span.set_attribute("authsessions.session.key", key)
        # a sampled-out span is made current too: what the call starts
        # (a hook's span, redis-py's instrumentation) must see the decision
        return span, t.attach(t.in_context(span))

    def close(self, span: Any, token: Any) -> None:
        if token is not None:
            self.telemetry.detach(token)
            span.end()

    def done(self, span: Any, started: float, args: tuple[Any, ...], result: Any) -> None:
        missing = result is None or result is False
        if span.is_recording():
            span.set_attribute("authsessions.outcome", "not_found" if missing else "ok")
        self.telemetry.measure(
            self.not_found if missing else self.ok, time.perf_counter() - started
        )
        if self.counts_results:
            self._count(args, result)

    def failed(self, span: Any, started: float, error: BaseException) -> None:
        t, kind = self.telemetry, type(error).__name__
        span.set_status(t.status(t.error_code, kind))
        if span.is_recording():
            span.set_attribute("authsessions.outcome", "error")
            span.set_attribute("error.type", kind)
        t.measure(self.measured("error", kind), time.perf_counter() - started, failed=True)
        if isinstance(error, SessionBackendError):
            cause = type(error.__cause__).__name__ if error.__cause__ else "unknown"
            t.add("authsessions.backend.errors", 1, {**self.attributes, "error.type": cause})

    def _count(self, args: tuple[Any, ...], result: Any) -> None:
        t, attributes, operation = self.telemetry, self.attributes, self.operation
        if operation == "create_session":
            t.add("authsessions.sessions.created", 1, attributes)
        elif operation == "destroy_session" and result is True:
            reason = "revoked" if args and isinstance(args[0], Session) else "logout"
            t.add("authsessions.sessions.revoked", 1,
                  {**attributes, "authsessions.revoke.reason": reason})  # fmt: skip
        elif operation == "destroy_sessions_for_user" and isinstance(result, int):
            t.add("authsessions.sessions.revoked", result,
                  {**attributes, "authsessions.revoke.reason": "logout_everywhere"})  # fmt: skip
        elif operation == "prune" and isinstance(result, int):
            t.add("authsessions.sessions.pruned", result, attributes)


_COUNTED = frozenset({"create_session", "destroy_session", "destroy_sessions_for_user", "prune"})


def _wrap(store: Any, telemetry: _Telemetry, operation: str, method: Any) -> Any:
    op = _Operation(telemetry, store, operation)
    clock = time.perf_counter

    if inspect.isasyncgenfunction(method) or (
        operation == "iter_sessions" and isinstance(store, AsyncStoreBase)
    ):

        @functools.wraps(method)
        async def stream_async(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            started = clock()
            with op.span(args) as span:
                count = 0
                try:
                    async for item in method(*args, **kwargs):
                        count += 1
                        yield item
                except BaseException as err:
                    op.failed(span, started, err)
                    raise
                span.set_attribute("authsessions.sessions", count)
                op.done(span, started, args, True)

        return stream_async
    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def call_async(*args: Any, **kwargs: Any) -> Any:
            started = clock()
            span, token = op.start(args)
            try:
                result = await method(*args, **kwargs)
            except BaseException as err:
                op.failed(span, started, err)
                raise
            else:
                op.done(span, started, args, result)
                return result
            finally:
                op.close(span, token)

        return call_async
    if operation == "iter_sessions":

        @functools.wraps(method)
        def stream(*args: Any, **kwargs: Any) -> Iterator[Any]:
            started = clock()
            with op.span(args) as span:
                count = 0
                try:
                    for item in method(*args, **kwargs):
                        count += 1
                        yield item
                except BaseException as err:
                    op.failed(span, started, err)
                    raise
                span.set_attribute("authsessions.sessions", count)
                op.done(span, started, args, True)

        return stream

    start, done, failed, close = op.start, op.done, op.failed, op.close

    @functools.wraps(method)
    def call_sync(*args: Any, **kwargs: Any) -> Any:
        started = clock()
        span, token = start(args)
        try:
            result = method(*args, **kwargs)
        except BaseException as err:
            failed(span, started, err)
            raise
        else:
            done(span, started, args, result)
            return result
        finally:
            close(span, token)

    return call_sync


def instrument(
    store: S,
    *,
    tracer_provider: Any = None,
    meter_provider: Any = None,
    traces: bool = True,
    metrics: bool = True,
    duration_sample: float = 1.0,
) -> S:
    """Trace and measure every call of ``store`` (sync or asyncio, ours or
    any object with the store interface); returns the store. Calling it
    again on the same store does nothing.

    Args:
        store: the store.
        tracer_provider, meter_provider: OpenTelemetry providers; None for
            the global ones (``opentelemetry.trace`` / ``metrics``).
        traces: a span per call (a recorded span costs the SDK about
            50 µs of CPU; one the sampler drops about 7 µs). Under a
            parent span that was not sampled, with a parent-based sampler
            (the SDK's default), a call starts no span at all.
        metrics: the duration histogram and the counters. Calls are
            counted exactly (``authsessions.operation.calls``, an
            increment in the process); each duration recorded costs the
            SDK 7-20 µs.
        duration_sample: the share of calls whose duration the histogram
            records, at random (failed calls: always), in (0, 1]. 0.1
            takes the histogram's cost off nine calls in ten; its
            percentiles stay unbiased, and the calls counter, not the
            histogram's count, says how many calls there were.

    Raises:
        ImportError: OpenTelemetry is not installed
            (``pip install 'authsessions[otel]'``).
        TypeError: ``store`` lacks a method of the store interface.
        ValueError: ``duration_sample`` is not a number in (0, 1].
    """
    if is_instrumented(store):
        return store
    _check_sample(duration_sample)
    missing = [name for name in OPERATIONS if not callable(getattr(store, name, None))]
    if missing:
        raise TypeError(f"{type(store).__name__} is not a session store: no {missing[0]}")
    try:
        telemetry = _Telemetry(tracer_provider, meter_provider, traces, metrics, duration_sample)
    except ImportError as err:
        raise ImportError(
            "authsessions.otel needs OpenTelemetry: pip install 'authsessions[otel]'"
        ) from err
    for operation in OPERATIONS:
        setattr(store, operation, _wrap(store, telemetry, operation, getattr(store, operation)))
    add_hook = getattr(store, "add_hook", None)
    if callable(add_hook):
        # a store that sends events counts from them (evictions and thefts
        # happen inside other calls); else from the calls' results
        setattr(store, _HOOK, add_hook(_counting_hook(store, telemetry)))
    setattr(store, _INSTRUMENTED, True)
    return store


def _attributes(store: Any, operation: str) -> dict[str, str]:
    """What every metric of ``store``'s ``operation`` carries."""
    return {
        "authsessions.backend": str(getattr(store, "backend", type(store).__name__)),
        "authsessions.operation": operation,
    }


def _check_sample(duration_sample: object) -> None:
    if (
        isinstance(duration_sample, bool)
        or not isinstance(duration_sample, int | float)
        or not 0 < duration_sample <= 1
    ):
        raise ValueError(
            f"duration_sample must be a number in (0, 1], the share of calls whose "
            f"duration is recorded: got {duration_sample!r}"
        )


def _counting_hook(store: Any, telemetry: _Telemetry) -> Callable[[SessionEvent[Any]], None]:
    created = _attributes(store, "create_session")
    read = _attributes(store, "get_session")
    revoked = {
        reason: {**created, "authsessions.revoke.reason": value}
        for reason, value in _REASONS.items()
    }

    def count(event: SessionEvent[Any]) -> None:
        if isinstance(event, SessionCreated):
            telemetry.add("authsessions.sessions.created", 1, created)
        elif isinstance(event, SessionRevoked):
            telemetry.add("authsessions.sessions.revoked", 1, revoked[event.reason])
            if event.reason is RevokeReason.EVICTED:
                telemetry.add("authsessions.sessions.evicted", 1, created)
        elif isinstance(event, TheftSuspected):
            telemetry.add("authsessions.sessions.theft_suspected", 1, read)

    return count


def is_instrumented(store: object) -> bool:
    """Whether ``instrument`` has wrapped ``store``."""
    return bool(getattr(store, "__dict__", {}).get(_INSTRUMENTED))


def uninstrument(store: S) -> S:
    """Remove what ``instrument`` put on ``store``; returns the store."""
    if is_instrumented(store):
        hook = store.__dict__.pop(_HOOK, None)
        if hook is not None:
            store.remove_hook(hook)  # type: ignore[attr-defined]
        for name in (*OPERATIONS, _INSTRUMENTED):
            store.__dict__.pop(name, None)
    return store


def instrument_all(
    *,
    tracer_provider: Any = None,
    meter_provider: Any = None,
    traces: bool = True,
    metrics: bool = True,
    duration_sample: float = 1.0,
) -> None:
    """Instrument every store on the kit's base (``StoreBase``,
    ``AsyncStoreBase``: ours and yours) created from now on, with the
    arguments of ``instrument``; stores that exist already, or are not
    on the base, take ``instrument(store)``.

    Raises:
        ImportError: OpenTelemetry is not installed.
        ValueError: ``duration_sample`` is not a number in (0, 1].
    """
    _check_sample(duration_sample)
    _Telemetry(tracer_provider, meter_provider)  # fail now, not in a constructor
    for base in (StoreBase, AsyncStoreBase):
        if base in _ORIGINAL_INITS:
            continue
        original = base.__init__
        _ORIGINAL_INITS[base] = original

        def init(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> None:
            __original(self, *args, **kwargs)
            instrument(self, tracer_provider=tracer_provider, meter_provider=meter_provider,
                       traces=traces, metrics=metrics,
                       duration_sample=duration_sample)  # fmt: skip

        base.__init__ = init  # type: ignore[method-assign]


def uninstrument_all() -> None:
    """Stop instrumenting new stores (stores already instrumented stay so)."""
    for base, original in list(_ORIGINAL_INITS.items()):
        base.__init__ = original  # type: ignore[misc]
        del _ORIGINAL_INITS[base]
