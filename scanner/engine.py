"""The engine: prefilter, then each candidate rule's regex, then the rule's own checks.

Pure: a Fragment and a RuleSet in, Matches out. Entropy, heuristics and per-rule allowlists live here
because they belong to the rule; scan-wide suppression (inline comments, ignores, baselines) does not.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from scanner.entropy import shannon_entropy
from scanner.filters import failing_heuristic
from scanner.fragment import Fragment
from scanner.globs import path_matches
from scanner.rules import Rule, compile_pattern
from scanner.ruleset import RuleSet

DEFAULT_RULE_TIMEOUT = 5.0


@dataclass(frozen=True)
class Match:
    """A rule hit: where the secret is in the fragment's text, and whether the rule's checks dropped it."""

    rule: Rule
    start: int
    end: int
    secret: str = field(repr=False)
    entropy: float
    dropped_by: str = ""
    """Empty for a reportable match; else why the rule itself rejects it (`entropy`, `filter:uuid`, ...)."""


@dataclass(frozen=True)
class RuleTimeout:
    """A rule that ran past its time limit on one fragment: that pair was not fully scanned."""

    rule_id: str
    path: str


@dataclass
class EngineResult:
    matches: list[Match] = field(default_factory=list)
    timeouts: list[RuleTimeout] = field(default_factory=list)


def scan_fragment(
    ruleset: RuleSet, fragment: Fragment, timeout: float = DEFAULT_RULE_TIMEOUT, keep_dropped: bool = False
) -> EngineResult:
    result = EngineResult()
    text = fragment.text
    for index in ruleset.candidates(text.lower()):
        rule = ruleset.rules[index]
        if rule.paths and not path_matches(fragment.path, rule.paths):
            continue
        try:
            for match in rule_matches(rule, text, timeout):
                if keep_dropped or not match.dropped_by:
                    result.matches.append(match)
        except TimeoutError:
            result.timeouts.append(RuleTimeout(rule.id, fragment.path))
    return result


def rule_matches(rule: Rule, text: str, timeout: float) -> Iterator[Match]:
    """Every hit of one rule; the time limit bounds the whole pass, so a catastrophic pattern cannot hang."""
    for m in rule.regex.finditer(text, timeout=timeout):
        start, end = m.span(rule.secret_group)
        if start < 0 or start == end:
            continue
        secret = text[start:end]
        entropy = shannon_entropy(secret)
        yield Match(rule, start, end, secret, entropy, rejection(rule, secret, entropy))


def rejection(rule: Rule, secret: str, entropy: float) -> str:
    """Why the rule's own checks reject the secret, or empty when it is reportable."""
    if entropy < rule.min_entropy:
        return "entropy"
    heuristic = failing_heuristic(secret, rule.filters)
    if heuristic:
        return f"filter:{heuristic}"
    lower = secret.lower()
    if any(word in lower for word in rule.stopwords):
        return "stopword"
    if any(compile_pattern(p).search(secret) for p in rule.allow_patterns):
        return "allow-pattern"
    return ""


class LineIndex:
    """Offsets → 1-based (line, column) for one text, built once and searched with bisect.

    `\r\n`, `\n` and a lone `\r` (classic Mac files) each end a line, as they do in editors."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        if "\r" in text:
            self.starts.extend(m.end() for m in _LINE_BREAK.finditer(text))
            return
        find = text.find
        pos = find("\n")
        while pos != -1:
            self.starts.append(pos + 1)
            pos = find("\n", pos + 1)

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def line_text(self, line: int) -> str:
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
