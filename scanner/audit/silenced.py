"""Why a full re-audit no longer reports a secret, in words the store may keep.

The configuration's allowlists say why they silence a secret by quoting the condition that held (a regex,
a stopword, a path) and the entry's description; an allowlist regex may well spell part of a secret, so
the store keeps only the kind of condition and where the entry is written, never its values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scanner.suppress.rule_allowlist import RuleAllowlists

if TYPE_CHECKING:
    from scanner.findings import Finding
    from scanner.fragment import Fragment
    from scanner.scan import Suppressor


@dataclass(frozen=True)
class SilenceLog:
    """A configuration suppressor that also notes, per secret, why it silenced it."""

    suppressor: Suppressor
    reasons: dict[str, str]
    """Fingerprint → the reason as the store may keep it; filled as the scan goes."""

    def __call__(self, finding: Finding, fragment: Fragment) -> str:
        reason = self.suppressor(finding, fragment)
        if reason and finding.fingerprint not in self.reasons:
            self.reasons[finding.fingerprint] = kept_reason(self.suppressor, reason)
        return reason


def kept_reason(suppressor: Suppressor, reason: str) -> str:
    """`allowlist FILE:LINE #N: regex` for a per-rule allowlist entry, `the configuration's allowlist:
    stopword` for the global one: the mechanism, the kind of condition and where it is written."""
    mechanism, _, said = reason.partition(": ")
    kind = said.split(" '", 1)[0]  # stopword, pattern, regex, path, line matching
    if isinstance(suppressor, RuleAllowlists):
        for entry in suppressor.entries:
            if f"({entry.where}" in said:
                return f"{mechanism} {entry.where}: {kind}"
    return f"the configuration's {mechanism}: {kind}" if kind else f"the configuration's {mechanism}"
