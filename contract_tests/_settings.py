"""Hypothesis settings for contract runs, chosen explicitly, never loaded
globally behind the implementer's back.

Profiles (the README gives their running times on this project's machines):

- ``dev`` (default): quick; stops at the first failure and reports it as
  found, without shrinking: shrinking replays the rule many times, each
  opening a store, so a store that takes 50 ms to open would wait minutes
  for a smaller example. The other profiles shrink.
- ``ci``: four times the examples, derandomized (the same examples every
  run), still stopping at the first failure.
- ``exhaustive``: many more examples, and every distinct failure found and
  shrunk (Hypothesis' ``report_multiple_bugs``): slow when a store has
  several bugs, thorough when you want them all at once.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

PROFILE_ENV = "AUTHSESSIONS_CONTRACT_PROFILE"

_SUPPRESSED = [
    # the store under test comes from a function-scoped pytest fixture on
    # purpose: it is a factory, and every example builds its own store in a
    # fresh namespace, so nothing leaks between examples
    HealthCheck.function_scoped_fixture,
    # a network store makes each step a round trip; that is the store being
    # slow, not the data generation
    HealthCheck.too_slow,
]

PROFILES: dict[str, settings] = {
    "dev": settings(
        max_examples=25,
        stateful_step_count=30,
        deadline=None,
        report_multiple_bugs=False,
        suppress_health_check=_SUPPRESSED,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
    ),
    "ci": settings(
        max_examples=100,
        stateful_step_count=50,
        deadline=None,
        derandomize=True,
        report_multiple_bugs=False,
        suppress_health_check=_SUPPRESSED,
        print_blob=True,
    ),
    "exhaustive": settings(
        max_examples=500,
        stateful_step_count=60,
        deadline=None,
        report_multiple_bugs=True,
        suppress_health_check=_SUPPRESSED,
        print_blob=True,
    ),
}


def contract_settings(profile: str | settings | None = None) -> settings:
    """The settings of a contract profile: ``profile``, else pytest's
    ``--authsessions-contract-profile``, else the ``AUTHSESSIONS_CONTRACT_PROFILE``
    variable, else ``dev``.

    A ``settings`` object is returned as it is, for implementers who need
    their own (for example without shrinking, when a failure is expected).

    Raises:
        ValueError: for an unknown profile name.
    """
    if isinstance(profile, settings):
        return profile
    name = profile or os.environ.get(PROFILE_ENV) or "dev"
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(
            f"unknown contract profile {name!r}; choose one of {sorted(PROFILES)}"
        ) from None
