"""SessionsContract: every rule a store must pass to be swapped in, composed
from one module per group of rules (``_rules/``)."""

from __future__ import annotations

from ._rules.admin import AdminRules
from ._rules.concurrency import ConcurrencyRules
from ._rules.destroy import DestroyRules
from ._rules.events import EventRules
from ._rules.expiry import ExpiryRules
from ._rules.ids import IdRules
from ._rules.limits import LimitRules
from ._rules.listing import ListingRules
from ._rules.paging import PagingRules
from ._rules.rotation import RotationRules
from ._rules.signin import SignInRules
from ._rules.state_machine import StateMachineRules
from ._rules.stored_data import StoredDataRules
from ._rules.types import TypeRules


# pytest runs inherited tests base-most first, so the last base listed runs
# first: the quick example rules, one clear failure each, come before the
# concurrency race and the state machine (tests/contract_tests pins it)
class SessionsContract(
    StateMachineRules,
    ConcurrencyRules,
    PagingRules,
    StoredDataRules,
    AdminRules,
    EventRules,
    SignInRules,
    RotationRules,
    DestroyRules,
    LimitRules,
    ListingRules,
    ExpiryRules,
    TypeRules,
    IdRules,
):
    """Subclass this (as ``TestMyStore``) and provide a ``sessions_factory``
    fixture returning ``factory(namespace, clock, **options) -> store``.

    ``options`` are store keyword arguments the contract varies:
    ``policy``, ``user_id_type`` and ``meta_type``; pass them on to the
    store. The store may be sync or asyncio (an awaitable factory result is
    awaited). Give every namespace its own data: stores from two calls with
    the same namespace may share data (a Redis store does), with different
    namespaces they must not. ``clock`` is a ``FakeClock``: decide
    every expiry with it, never with the wall clock.

    The class attributes an implementer may set are those of
    ``contract_tests.ContractBase`` (types, an extra policy,
    strategies, converter, profile).
    """


__all__ = ["SessionsContract"]
