"""What the contract specifies of a store's interface, release by release.

A store written for an earlier release keeps its place in the contract:
when it lacks a method or returns the wrong kind of value, the driver says
which method, since which release it is specified, and where the upgrade
is described, instead of failing somewhere inside a rule.
"""

from __future__ import annotations

import inspect

import attrs

SPECIFIES = "0.2"
"""The authsessions release whose store interface this contract specifies."""

UPGRADING = "docs/writing-a-store.md, 'Upgrading your store'"


@attrs.frozen
class Method:
    """One method of the store interface.

    Attributes:
        name: the method's name.
        since: the release that added it to the contract.
        returns: what it returns, as the guide words it.
        iterator: True for the one method that returns an iterator (an
            async iterator on an asyncio store) instead of a value.
    """

    name: str
    since: str
    returns: str
    iterator: bool = False


METHODS: tuple[Method, ...] = (
    Method("create_session", "0.1", "a SessionId"),
    Method("get_user_id_from_session", "0.1", "the user id or None"),
    Method("get_session_meta", "0.1", "the meta or None"),
    Method("get_session", "0.1", "a Session or None"),
    Method("get_session_by_key", "0.2", "a Session or None"),
    Method("set_session_meta", "0.1", "a bool"),
    Method("rotate_session", "0.1", "a SessionId or None"),
    Method("reauthenticate", "0.2", "a SessionId or None"),
    Method("destroy_session", "0.1", "a bool"),
    Method("destroy_sessions_for_user", "0.1", "an int"),
    Method("get_sessions_for_user", "0.1", "a SessionList (0.2: not a plain list)"),
    Method("list_sessions", "0.1", "a SessionList (0.2: not a plain list)"),
    Method("iter_sessions", "0.2", "an iterator of Sessions", iterator=True),
    Method("prune", "0.1", "an int"),
    Method("stats", "0.2", "a SessionStats"),
    Method("add_hook", "0.2", "the hook"),
    Method("remove_hook", "0.2", "None"),
)
BY_NAME = {method.name: method for method in METHODS}


class StoreInterfaceError(TypeError):
    """A store does not have the interface this contract specifies: a
    method is missing, or returned the wrong kind of value. The message
    names the method, the release that specified it and where the upgrade
    is described.

    Attributes:
        method: the method's name.
        since: the release that added it to the contract.
    """

    def __init__(self, method: str, problem: str, *, since: str | None = None) -> None:
        spec = BY_NAME.get(method)
        self.method = method
        self.since = since or (spec.since if spec else SPECIFIES)
        super().__init__(
            f"{problem} (`{method}` is specified since authsessions {self.since}; this "
            f"contract specifies {SPECIFIES}. A store on authsessions.kit.StoreBase or "
            f"AsyncStoreBase inherits it; see {UPGRADING})"
        )


# keyword arguments added to a method after its release: (method, name, since, what)
PARAMETERS: tuple[tuple[str, str, str, str], ...] = (
    ("create_session", "absolute_ttl", "0.2", "a session's own, shorter lifetime"),
    ("create_session", "client", "0.2", "the client a session signed in from"),
    ("create_session", "remember", "0.2", "a browser-session login"),
    ("get_user_id_from_session", "ip", "0.2", "the address a use came from"),
    ("get_session_meta", "ip", "0.2", "the address a use came from"),
    ("get_session", "ip", "0.2", "the address a use came from"),
    ("stats", "breakdown", "0.2", "counts by label and a histogram of sessions per user"),
)


def missing_parameters(store: object) -> list[tuple[str, str, str, str]]:
    """The specified keyword arguments ``store``'s methods do not take (a
    method taking ``**kwargs`` takes them all; one whose signature cannot
    be read is given the benefit of the doubt)."""
    missing = []
    for method, name, since, what in PARAMETERS:
        try:
            parameters = inspect.signature(getattr(store, method)).parameters
        except (TypeError, ValueError):
            continue
        if name not in parameters and not any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
        ):
            missing.append((method, name, since, what))
    return missing


def missing_methods(store: object) -> list[Method]:
    """The specified methods ``store`` does not have (or has as non-callables)."""
    return [m for m in METHODS if not callable(getattr(store, m.name, None))]
