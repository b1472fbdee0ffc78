"""Overlap queries over the spans of matches: which generic match another rule's overlaps, asked once per
match of a text that may hold thousands, in O(log n) rather than by a walk over all of them."""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Sequence


class SpanSweep:
    """Spans (given sorted by start) with the running maximum of their ends: a span [s, e) overlaps one of them
    exactly when the last of those starting before e ends after s."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self.starts = [start for start, _ in spans]
        self.reach = list(itertools.accumulate((end for _, end in spans), max))

    def overlaps(self, start: int, end: int) -> bool:
        before = bisect_left(self.starts, end)
        return before > 0 and self.reach[before - 1] > start


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
