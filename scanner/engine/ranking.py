"""Which of the matches on one text give way to another on the same secret, so one secret is one finding.

A less specific rule (a generic `api_key = ...` rule, a file format's rule such as `.env`'s, or a lower
confidence) gives way to a more specific rule's reportable match that overlaps its secret; between generic
rules of equal rank on one secret (a password flag and a password assignment), the longer secret, then
the rule that found its provider named (`stripe:` / `key: ...`), then the first rule id, is the one
finding. Answered with sorts and bisections, never by comparing every pair: a generated file with tens of
thousands of keys took minutes that way.
"""

from __future__ import annotations

from collections.abc import Sequence

from scanner.engine.match import Match
from scanner.ruleset.named_provider import NAMING_FILTER
from scanner.ruleset.spans import SpanReach, SpanSweep

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
    """Per level, the reportable spans, swept once (SpanSweep); each match is beaten by an overlapping one of a
    more specific level."""
    sweeps = []
    for level, members in levels.items():
        spans = sorted((matches[i].start, matches[i].end) for i in members if not matches[i].dropped_by)
        if spans:
            sweeps.append((level, SpanSweep(spans)))
    beaten = set()
    for index, m in enumerate(matches):
        mine = specificity(m)
        if any(level > mine and sweep.overlaps(m.start, m.end) for level, sweep in sweeps):
            beaten.add(index)
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
