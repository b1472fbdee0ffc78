"""Inline allow comments: `leakstop:allow` on a secret's line, `leakstop:allow-next-line` on the line before.

The markers of gitleaks and detect-secrets are honoured too, so a team can switch scanners without
touching code. Any comment syntax works because the marker is searched for anywhere on the line: a
string literal containing the marker is as deliberate as a comment.
"""

from __future__ import annotations

import re

from scanner.engine.match import LineIndex
from scanner.findings import Finding
from scanner.fragment import Fragment
from scanner.ruleset.lazy_pattern import LazyPattern

_SAME_LINE = LazyPattern(
    r"leakstop:allow(?!-next-line)|gitleaks:allow|pragma:\s*allowlist[ \t]+secret", re.IGNORECASE
)
_ANY_ALLOW = LazyPattern(r"allow", re.IGNORECASE)
_NEXT_LINE = LazyPattern(r"leakstop:allow-next-line|pragma:\s*allowlist[ \t]+nextline[ \t]+secret", re.IGNORECASE)


def same_line_marker(line: str) -> str:
    found = _SAME_LINE.search(line)
    return found.group(0) if found else ""


def next_line_marker(line: str) -> str:
    found = _NEXT_LINE.search(line)
    return found.group(0) if found else ""


class InlineAllow:
    """A suppressor: the finding's first or last line carries an allow marker, or the line before it
    carries a next-line marker. Line numbers come from the finding, relative to the fragment."""

    def __init__(self) -> None:
        self._fragment: Fragment | None = None
        self._lines: LineIndex | None = None

    def lines(self, fragment: Fragment) -> LineIndex | None:
        """The fragment's line index, or None when no marker can be in it. Findings of one fragment arrive
        together, so this is computed once per fragment, not once per finding."""
        if self._fragment is not fragment:
            # markers are case-insensitive: `leakstop:ALLow` counts too, so the quick test must be as well
            has_marker = _ANY_ALLOW.search(fragment.text) is not None
            self._fragment, self._lines = fragment, LineIndex(fragment.text) if has_marker else None
        return self._lines

    def __call__(self, finding: Finding, fragment: Fragment) -> str:
        lines = self.lines(fragment)
        if lines is None:
            return ""
        location = finding.first
        first = location.line - fragment.first_line + 1
        last = location.end_line - fragment.first_line + 1
        count = len(lines.starts)
        for number in dict.fromkeys((first, last)):
            if 1 <= number <= count:
                marker = same_line_marker(lines.line_text(number))
                if marker:
                    return f"inline: {marker} (line {number + fragment.first_line - 1})"
        if 2 <= first <= count + 1:
            marker = next_line_marker(lines.line_text(first - 1))
            if marker:
                return f"inline: {marker} (line {first + fragment.first_line - 2})"
        return ""
