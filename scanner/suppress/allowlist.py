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
        lower = finding.secret.lower()
        for word in self.stopwords:
            if word in lower:
                return f"allowlist: stopword '{word}' (config)"
        for pattern in self.patterns:
            if compile_pattern(pattern).search(finding.secret):
                return f"allowlist: pattern '{pattern}' (config)"
        return ""
