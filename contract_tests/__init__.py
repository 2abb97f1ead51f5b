"""The authsessions contract suite: prove a store can be swapped in.

Subclass ``SessionsContract`` in a test module, provide a
``sessions_factory`` fixture, and run pytest; or call ``run_contract``
from a notebook or script. This package is the specification only: real
servers for tests come from ``authsessions.testing`` (and the pytest
plugin's fixtures); ``FakeClock``, the clock every rule hands the
factory, is re-exported from there. Needs ``pip install 'authsessions[contract]'``
(pytest and Hypothesis).
"""

try:
    import hypothesis as _hypothesis
    import pytest as _pytest  # noqa: PT013 - only probing that it is installed
except ImportError as _err:  # pragma: no cover - exercised in a fresh virtualenv
    raise ImportError(
        f"the contract suite needs pytest and hypothesis ({_err.name} is missing): "
        "pip install 'authsessions[contract]'"
    ) from _err

from authsessions.testing import FakeClock

from ._base import ContractBase
from ._contract import SessionsContract
from ._driver import StoreDriver
from ._harness import HiddenSessionId
from ._model import Model
from ._namespaces import NAMESPACE_ROOT, new_namespace
from ._runner import ContractReport, RuleResult, run_contract
from ._settings import PROFILE_ENV, PROFILES, contract_settings
from ._spec import SPECIFIES, StoreInterfaceError
from ._strategies import BIG_INTS, LOOKALIKES, json_values, labels, metas, user_ids
from ._types import Address, DeviceMeta, ProfileMeta

del _hypothesis, _pytest

__all__ = [
    "Address",
    "BIG_INTS",
    "ContractBase",
    "ContractReport",
    "DeviceMeta",
    "FakeClock",
    "HiddenSessionId",
    "LOOKALIKES",
    "Model",
    "NAMESPACE_ROOT",
    "PROFILES",
    "PROFILE_ENV",
    "ProfileMeta",
    "RuleResult",
    "SPECIFIES",
    "SessionsContract",
    "StoreDriver",
    "StoreInterfaceError",
    "contract_settings",
    "json_values",
    "labels",
    "metas",
    "new_namespace",
    "run_contract",
    "user_ids",
]
