"""The configuration's global allowlist: patterns and stopwords that hold for every rule.

Per-rule allowlists run inside the engine (they belong to the rule); these belong to the project.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.findings import Finding
from scanner.fragment import Fragment
from scanner.ruleset.rules import compile_pattern


@dataclass(frozen=True)
class GlobalAllowlist:
    patterns: tuple[str, ...] = ()
    stopwords: tuple[str, ...] = ()
    """Lower-cased."""

    def __call__(self, finding: Finding, fragment: Fragment) -> str:
        why = secret_allowed(finding.secret, self.stopwords, self.patterns, "pattern")
        return f"allowlist: {why} (config)" if why else ""


def secret_allowed(secret: str, stopwords: tuple[str, ...], patterns: tuple[str, ...], kind: str) -> str:
    """`stopword 'w'` or `<kind> 'p'` for the first lower-cased stopword in the secret or regex found in
    it; empty if none."""
    lower = secret.lower()
    for word in stopwords:
        if word in lower:
            return f"stopword '{word}'"
    for pattern in patterns:
        if compile_pattern(pattern).search(secret):
            return f"{kind} '{pattern}'"
    return ""
