"""RuleTimeout: a rule stopped at its time limit.

Its own module, imported when a rule actually times out: every frozen dataclass defined at import costs
the pre-commit hook ~0.5 ms, and a staged scan almost never needs this one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleTimeout:
    """A rule that ran past its time limit on one fragment: that pair was not fully scanned."""

    rule_id: str
    path: str
