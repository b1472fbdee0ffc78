"""Which of the matches on one text give way to another on the same secret, so one secret is one finding.

A less specific rule (a generic `api_key = ...` rule, a file format's rule such as `.env`'s, or a lower
confidence) gives way to a more specific rule's reportable match that overlaps its secret; between generic
rules of equal rank on one secret (a password flag and a password assignment), the longer secret, then
the rule that found its provider named (`stripe:` / `key: ...`), then the first rule id, is the one
finding. Answered with sorts and bisections, never by comparing every pair: a generated file with tens of
thousands of keys took minutes that way.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from scanner.engine.match import Match
from scanner.ruleset.named_provider import NAMING_FILTER

CONFIDENCE_RANK = {"high": 2, "medium": 1, "low": 0}

Level = tuple[bool, bool, int]


def specificity(m: Match) -> Level:
    """Generic rules rank lowest; then a file format's rule (limited to `.env`, `.netrc`... by `paths`),
    which says where a credential is but not whose; then by confidence."""
    return m.rule.provider != "Generic", not m.rule.paths, CONFIDENCE_RANK.get(m.rule.confidence, 0)


def outranked(matches: Sequence[Match]) -> set[int]:
    """Indexes of the matches that give way to an overlapping reportable match."""
    levels: dict[Level, list[int]] = {}
    for index, m in enumerate(matches):
        levels.setdefault(specificity(m), []).append(index)
    return outranked_by_higher_levels(matches, levels) | outranked_within_generic_levels(matches, levels)


def outranked_by_higher_levels(matches: Sequence[Match], levels: dict[Level, list[int]]) -> set[int]:
    """Per level, the reportable spans sorted by start with the running maximum of their ends: a span
    [s, e) overlaps one of them exactly when the last of those starting before e ends after s."""
    sweeps = []
    for level, members in levels.items():
        spans = sorted((matches[i].start, matches[i].end) for i in members if not matches[i].dropped_by)
        if spans:
            reach: list[int] = []
            for _, end in spans:
                reach.append(max(end, reach[-1]) if reach else end)
            sweeps.append((level, [start for start, _ in spans], reach))
    beaten = set()
    for index, m in enumerate(matches):
        mine = specificity(m)
        for level, starts, reach in sweeps:
            before = bisect_left(starts, m.end)
            if level > mine and before and reach[before - 1] > m.start:
                beaten.add(index)
                break
    return beaten


def outranked_within_generic_levels(matches: Sequence[Match], levels: dict[Level, list[int]]) -> set[int]:
    """In each generic level, matches taken as tie_key orders them (longest first): each is beaten when a
    reportable one taken before it overlaps it. Matches with the same length and rule never beat each
    other, so each group of them is checked before any of it is added."""
    beaten: set[int] = set()
    for (specific, *_), members in levels.items():
        if specific:
            continue
        ranked = sorted(members, key=lambda i: tie_key(matches[i]))
        taken = SpanReach(sorted({matches[i].start for i in members if not matches[i].dropped_by}))
        group: list[int] = []
        for index in [*ranked, -1]:
            if group and (index < 0 or tie_key(matches[index]) != tie_key(matches[group[0]])):
                beaten.update(i for i in group if taken.overlaps(matches[i].start, matches[i].end))
                for i in group:
                    if not matches[i].dropped_by:
                        taken.add(matches[i].start, matches[i].end)
                group = []
            group.append(index)
    return beaten


def tie_key(m: Match) -> tuple[int, bool, str]:
    return m.start - m.end, NAMING_FILTER not in m.rule.filters, m.rule.id


class SpanReach:
    """Spans added one by one; whether any overlaps a given span. A Fenwick tree over the possible
    starts keeps the furthest end among spans starting at or before each one (O(log n) both ways)."""

    def __init__(self, starts: list[int]) -> None:
        self.starts = starts
        self.tree = [-1] * (len(starts) + 1)

    def add(self, start: int, end: int) -> None:
        position = bisect_left(self.starts, start) + 1
        while position < len(self.tree):
            self.tree[position] = max(self.tree[position], end)
            position += position & -position

    def overlaps(self, start: int, end: int) -> bool:
        position, furthest = bisect_left(self.starts, end), -1
        while position > 0:
            furthest = max(furthest, self.tree[position])
            position -= position & -position
        return furthest > start
