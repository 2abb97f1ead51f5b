"""The authsessions contract suite: prove a store can be swapped in.

Subclass :class:`SessionsContract` in a test module, provide a
``sessions_factory`` fixture, and run pytest.
"""

from ._clock import FakeClock
from ._cluster import LocalCluster
from ._contract import SessionsContract
from ._driver import StoreDriver
from ._model import Model
from ._runner import ContractReport, RuleResult, run_contract
from ._settings import PROFILE_ENV, PROFILES, contract_settings
from ._strategies import json_values, labels, metas, user_ids

__all__ = [
    "PROFILES",
    "PROFILE_ENV",
    "ContractReport",
    "FakeClock",
    "LocalCluster",
    "Model",
    "RuleResult",
    "SessionsContract",
    "StoreDriver",
    "contract_settings",
    "json_values",
    "labels",
    "metas",
    "run_contract",
    "user_ids",
]
