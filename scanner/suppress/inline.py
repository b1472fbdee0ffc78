"""Inline allow comments: `leakstop:allow` on a secret's line, `leakstop:allow-next-line` on the line before.

The markers of gitleaks and detect-secrets are honoured too, so a team can switch scanners without
touching code. A marker counts only inside a comment, as the file's language writes them (`comments.py`):
one inside a string literal is the program's data (a help text, a test of leakstop itself) and does not
silence the secret beside it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scanner.engine.match import LineIndex
from scanner.findings import Finding
from scanner.fragment import Fragment
from scanner.ruleset.lazy_pattern import LazyPattern

if TYPE_CHECKING:
    from scanner.suppress.comments import CommentSyntax

_SAME_LINE = LazyPattern(
    r"leakstop:allow(?!-next-line)|gitleaks:allow|pragma:\s*allowlist[ \t]+secret", re.IGNORECASE
)
_ANY_ALLOW = LazyPattern(r"allow", re.IGNORECASE)
_NEXT_LINE = LazyPattern(r"leakstop:allow-next-line|pragma:\s*allowlist[ \t]+nextline[ \t]+secret", re.IGNORECASE)


def same_line_marker(line: str, syntax: CommentSyntax | None = None) -> str:
    return commented(line, _SAME_LINE, syntax)


def next_line_marker(line: str, syntax: CommentSyntax | None = None) -> str:
    return commented(line, _NEXT_LINE, syntax)


def commented(line: str, marker: LazyPattern, syntax: CommentSyntax | None) -> str:
    """The first marker of the line that sits inside a comment (of an unknown language: `syntax` None),
    or empty. The comment rules are imported only for a line with a marker: the hook rarely meets one."""
    for found in marker.finditer(line):
        from scanner.suppress.comments import DEFAULT, in_comment

        if in_comment(line, found.start(), syntax or DEFAULT):
            return found.group(0)
    return ""


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
        from scanner.suppress.comments import syntax_for

        syntax = syntax_for(fragment.path)
        for number in dict.fromkeys((first, last)):
            if 1 <= number <= count:
                marker = same_line_marker(lines.line_text(number), syntax)
                if marker:
                    return f"inline: {marker} (line {number + fragment.first_line - 1})"
        if 2 <= first <= count + 1:
            marker = next_line_marker(lines.line_text(first - 1), syntax)
            if marker:
                return f"inline: {marker} (line {first + fragment.first_line - 2})"
        return ""
