"""The configuration's per-rule allowlists (`allowlists:`): paths, regexes, lines and stopwords that hold
for the findings of named rules only.

gitleaks users keep an allowlist per rule (a test fixture folder for the generic rule, a known sandbox
key prefix for one provider); the global `allow:` would silence those secrets for every rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.config import RuleAllowlist
from scanner.engine.match import LineIndex
from scanner.findings import Finding
from scanner.fragment import Fragment
from scanner.ruleset.globs import path_matches
from scanner.ruleset.rules import compile_pattern
from scanner.suppress.allowlist import secret_allowed


@dataclass(frozen=True)
class RuleAllowlists:
    entries: tuple[RuleAllowlist, ...]

    def __call__(self, finding: Finding, fragment: Fragment) -> str:
        for entry in self.entries:
            if finding.rule_id in entry.rules:
                why = allowed_by(entry, finding, fragment)
                if why:
                    return f"allowlist: {why} for {finding.rule_id} ({entry.where}" + (
                        f": {entry.description})" if entry.description else ")")
        return ""


def allowed_by(entry: RuleAllowlist, finding: Finding, fragment: Fragment) -> str:
    """The first condition of `entry` that holds for this occurrence, said as a reason; empty if none."""
    why = secret_allowed(finding.secret, entry.stopwords, entry.regexes, "regex")
    if why:
        return why
    # A path-limited allowlist covers a finding only where every place it is seen is in those paths.
    if entry.paths and all(path_matches(loc.path, entry.paths) for loc in finding.locations):
        return f"path '{finding.first.path}'"
    if entry.lines and fragment.text:
        number = finding.first.line - fragment.first_line + 1
        lines = LineIndex(fragment.text)
        if 1 <= number <= len(lines.starts):
            text = lines.line_text(number)
            for pattern in entry.lines:
                if compile_pattern(pattern).search(text):
                    return f"line matching '{pattern}'"
    return ""
