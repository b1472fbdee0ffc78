"""A history blob scanned as the lines it changed: the next version of a file repeats most of the one before.

When the version a blob replaced came out clean, whatever a full scan would find in the new one must touch a
line the old one did not have: so only those lines, with a few lines around them, are scanned, decoded
included. This only ever concludes "clean": anything found there, a note, a multi-line rule that may match
anywhere, and the blob is scanned whole as usual, so a finding is always reported from a whole scan. Two
thirds of a history's bytes are lines a scan has already read.

Not rescanned: old lines brought together by deleting the lines between them alone (a key's name two lines
above it, the line between deleted). A scan of a history's diffs sees nothing there either.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scanner.engine.decode import MAX_ENCODED_PER_FRAGMENT, MAX_RUNS_PER_FRAGMENT
from scanner.engine.match import EngineResult, Pairs, nothing_to_report, rule_applies_to, rule_matches
from scanner.fragment import Fragment
from scanner.git.blobs import GitBlob
from scanner.report import Skipped
from scanner.ruleset.rule_set import RuleSet

if TYPE_CHECKING:
    from scanner.ruleset.prefilter import AhoCorasickPrefilter, HyperscanPrefilter, InPrefilter

    Prefilter = InPrefilter | AhoCorasickPrefilter | HyperscanPrefilter

CONTEXT_LINES = 2
"""Lines scanned on each side of a changed line: a key named on the line above its value, a value wrapped
onto the next line."""
MAX_SHARE = 0.9
"""Past this share of the text's characters to rescan, the text is scanned whole: the stretches cost a little more
than a whole scan of the same size, and finding them was work already done."""
MAX_TEXT = MAX_ENCODED_PER_FRAGMENT
"""Larger texts are scanned whole: under it, decoding's per-text budget of encoded characters cannot run
out, so scanning a part cannot miss the note a whole scan would give."""
REMEMBERED = 64
"""Clean texts kept per process: a history hands out each file's versions next to each other."""

Scan = Callable[[Fragment], Iterable[tuple["Fragment | Skipped", "EngineResult | None"]]]


@dataclass(frozen=True)
class CleanText:
    """A text that came out clean, kept until its next version is scanned."""

    path: str
    text: str
    lines: list[str]
    """The text split at its newlines."""
    runs: int
    """Encoded runs decoded out of it: with the new lines' runs, a bound on the next version's."""
    keywords: frozenset[str]
    """The multi-line rules' keywords in it: with the new lines', the next version's."""


def changed_spans(before: str, text: str, context: int = CONTEXT_LINES) -> list[tuple[int, int]]:
    """[start, end) of each stretch of `text` to scan: every line of it that `before` lacks, with `context`
    lines on each side, overlapping stretches merged."""
    return line_changes(before, before.split("\n"), text, context)[0]


def line_changes(before: str, before_lines: list[str], text: str, context: int = CONTEXT_LINES
                 ) -> tuple[list[tuple[int, int]], list[str]]:
    """`changed_spans`, given `before` split at its newlines; and `text` split the same way, for its own next
    version. Lines are compared only between the first and the last difference; the common start and end
    are the same lines, so their part of the split is taken from `before`'s: splitting and hashing the lines
    is most of what comparing versions costs."""
    head = text.rfind("\n", 0, common_prefix(before, text)) + 1
    tail = common_suffix(before, text, min(len(before), len(text)) - head)
    if tail and not (_starts_line(text, len(text) - tail) and _starts_line(before, len(before) - tail)):
        cut = text.find("\n", len(text) - tail)  # the common end from a line's start on, in both texts
        tail = 0 if cut == -1 else len(text) - cut - 1
    middle = text[head:len(text) - tail]
    if not middle:
        return [], text.split("\n")
    top = text.count("\n", 0, head)  # lines of the common start
    bottom = text.count("\n", len(text) - tail) + 1 if tail else 0  # and of the common end
    lines = middle.split("\n")
    if tail:
        lines.pop()  # not a line: where the common end starts
        split = before_lines[:top] + lines + before_lines[len(before_lines) - bottom:]
    else:
        split = before_lines[:top] + lines
    seen = set(before_lines[top:len(before_lines) - bottom])
    seen.add("")  # an empty line holds nothing to find
    known = bytes(map(seen.__contains__, lines))
    count = len(lines) - (not tail and middle.endswith("\n"))  # the text's end is no line either
    runs: list[list[int]] = []
    new = known.find(0, 0, count)
    while new != -1:
        old = known.find(1, new, count)
        old = count if old == -1 else old
        if runs and new - context <= runs[-1][1]:
            runs[-1][1] = old + context
        else:
            runs.append([new - context, old + context])
        new = known.find(0, old, count)
    if not runs:
        return [], split
    bounds, line, at = [], 0, head
    for a, b in runs:  # a line's start: its offset in the middle, plus the newlines before it
        for bound in (max(a, 0), min(b, count)):
            at += sum(map(len, lines[line:bound])) + bound - line
            line = bound
            bounds.append(min(len(text), at))
    spans = list(zip(bounds[::2], bounds[1::2]))
    if runs[0][0] < 0:  # the context reaches into the common start
        spans[0] = (_lines_back(text, head, -runs[0][0]), spans[0][1])
    if runs[-1][1] > count:  # or into the common end
        spans[-1] = (spans[-1][0], _lines_on(text, spans[-1][1] - 1, runs[-1][1] - count))
    return spans, split


def _starts_line(text: str, at: int) -> bool:
    return at == 0 or text[at - 1] == "\n"


def _lines_back(text: str, start: int, count: int) -> int:
    """The start of the line `count` lines above the one starting at `start`."""
    for _ in range(count):
        if start <= 0:
            return 0
        start = text.rfind("\n", 0, start - 1) + 1
    return start


def _lines_on(text: str, end: int, count: int) -> int:
    """Past the newline ending the line `count` lines below the one ending at `end` (its newline)."""
    for _ in range(count):
        if end >= len(text):
            return len(text)
        found = text.find("\n", end + 1)
        end = len(text) if found == -1 else found
    return min(len(text), end + 1)


def common_prefix(a: str, b: str) -> int:
    """How many characters a and b start with in common: blocks compared in C, growing, then halved."""
    limit, size, done = min(len(a), len(b)), 256, 0
    while done < limit and a.startswith(b[done:done + size], done):
        done, size = done + size, size * 2
    done = min(done, limit)
    size = min(size, limit - done)
    while size > 1:  # the first difference lies in a[done:done + size]
        half = size // 2
        if a.startswith(b[done:done + half], done):
            done, size = done + half, size - half
        else:
            size = half
    return done + (size == 1 and a[done] == b[done])


def common_suffix(a: str, b: str, limit: int) -> int:
    """How many characters a and b end with in common, at most `limit`."""
    done, size, end_a, end_b = 0, 256, len(a), len(b)
    while done < limit:
        step = min(size, limit - done)
        if not a.endswith(b[end_b - done - step:end_b - done], 0, end_a - done):
            break
        done, size = done + step, size * 2
    size = min(size, limit - done)
    while size > 1:
        half = size // 2
        if a.endswith(b[end_b - done - half:end_b - done], 0, end_a - done):
            done, size = done + half, size - half
        else:
            size = half
    return done + (size == 1 and a[end_a - done - 1] == b[end_b - done - 1])


class LineDeltas:
    """The clean texts of the last REMEMBERED blobs this process scanned, and the shortcut they allow."""

    def __init__(self, ruleset: RuleSet, timeout: float) -> None:
        self._clean: dict[str, CleanText] = {}
        self._timeout = timeout
        self._multiline = [rule for rule in ruleset.rules if rule.multiline]

    def scan(self, blob: GitBlob, fragment: Fragment, scan: Scan) -> Pairs:
        """The blob's text as scanned whole (its fragment and what was decoded out of it, with results), or
        just the fragment with an empty result when the lines it changed from the clean blob it replaced
        came out clean; the text is remembered when it is clean and a later blob replaced it."""
        text = fragment.text
        before = self._clean.pop(blob.after, None) if blob.after else None
        if len(text) > MAX_TEXT:
            return list(scan(fragment))
        lines: list[str] | None = None
        if before is not None and before.path == fragment.path:
            spans, lines = line_changes(before.text, before.lines, text)
            if sum(end - start for start, end in spans) <= len(text) * MAX_SHARE:
                part = "".join([text[start:end] for start, end in spans])
                keywords = before.keywords | self._keywords(part)
                runs = self._clean_runs(fragment, part, keywords, scan)
                if runs is not None and before.runs + runs < MAX_RUNS_PER_FRAGMENT:
                    self._remember(blob, CleanText(fragment.path, text, lines, before.runs + runs, keywords))
                    return [(fragment, EngineResult())]
        scanned = list(scan(fragment))
        if blob.replaced and nothing_to_report(scanned):
            self._remember(blob, CleanText(fragment.path, text, text.split("\n") if lines is None else lines,
                                           _top_runs(scanned), self._keywords(text)))
        return scanned

    def _clean_runs(self, fragment: Fragment, part: str, keywords: frozenset[str], scan: Scan) -> int | None:
        """The encoded runs decoded out of the changed stretches (`part`) when they and the whole text's
        multi-line rules came out clean; None when anything did not.

        The stretches are scanned as one text, whole lines one after the other: only whether anything is
        found there counts, never where (a hit is scanned again in the whole text)."""
        if self._multiline_hit(fragment, keywords):
            return None
        scanned = list(scan(Fragment(text=part, path=fragment.path, blob=fragment.blob)))
        return _top_runs(scanned) if nothing_to_report(scanned) else None

    def _multiline_hit(self, fragment: Fragment, keywords: frozenset[str]) -> bool:
        """Whether a multi-line rule (a PEM block, a JSON credentials file) whose keyword the text holds
        matches it anywhere: its match can reach far past the changed lines. Any match counts, or a rule's
        time running out."""
        for rule in self._multiline:
            if rule.keywords and keywords.isdisjoint(rule.keywords):
                continue
            if (rule.paths or rule.exclude_paths) and not rule_applies_to(fragment.path, rule.paths,
                                                                          rule.exclude_paths):
                continue
            try:
                if next(iter(rule_matches(rule, fragment.text, self._timeout)), None) is not None:
                    return True
            except TimeoutError:
                return True
        return False

    def _keywords(self, text: str) -> frozenset[str]:
        """The multi-line rules' keywords in the text (a rule without keywords is run on every text)."""
        return frozenset(self._prefilter.found(text)) if self._multiline else frozenset()

    @functools.cached_property
    def _prefilter(self) -> Prefilter:
        from scanner.ruleset.prefilter import best_prefilter

        return best_prefilter(sorted({kw for rule in self._multiline for kw in rule.keywords}))

    def _remember(self, blob: GitBlob, clean: CleanText) -> None:
        if not blob.replaced:
            return
        if len(self._clean) >= REMEMBERED:
            del self._clean[next(iter(self._clean))]
        self._clean[blob.blob] = clean


def _top_runs(scanned: Pairs) -> int:
    """The encoded runs decoded straight out of the text (not out of decoded text)."""
    return sum(1 for part, _ in scanned if isinstance(part, Fragment) and part.decoded and ">" not in part.decoded)
