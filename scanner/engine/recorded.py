"""What the engine found in a blob, written down without the secret, and the same results rebuilt from it.

A blob with something to report (a fixture's generic key, a decoding cap's note) finds nothing new the
next time it is scanned with the same rules, yet a re-scan would run the engine over it again, and on a
large history such blobs are most of a warm re-scan. A record names, per text the blob became, each
match's rule (by its place in the rule set) and offsets, and the notes; rebuilding re-reads the blob's
bytes and slices the secrets out of its text again, so nothing secret is stored and `--show-secrets`
works. Only results that slicing rebuilds exactly are recorded: matches in decoded text, or a timeout,
leave the blob to be scanned again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scanner.engine.entropy import shannon_entropy
from scanner.engine.match import EngineResult, Match, Pairs
from scanner.fragment import Fragment
from scanner.report import Skipped
from scanner.ruleset.rule_set import RuleSet

CAPTURE_REACH = 4096
"""How far before its secret a capture (a key id next to its secret) is looked for."""

MatchRecord = tuple[int, int, int, str, tuple[tuple[str, int, int], ...]]
"""(rule's index in the rule set, secret start, secret end, dropped_by, captures as (name, start, end))."""
Record = tuple[tuple[int, tuple[MatchRecord, ...], tuple[tuple[str, str, bool, bool], ...]], ...]
"""Per text of the blob with something to report: (its index, its matches, the notes that followed it)."""


def record_of(groups: Sequence[Pairs], ruleset: RuleSet) -> Record | None:
    """`groups` (one per text the blob became: the text, then what was decoded out of it) as a record;
    None when slicing could not rebuild them."""
    places = {id(rule): index for index, rule in enumerate(ruleset.rules)}
    record = []
    for index, pairs in enumerate(groups):
        first, result = pairs[0]
        if isinstance(first, Skipped):
            return None  # a note in place of a text (an archive's, an LFS pointer's): rare, scanned again
        assert result is not None
        if result.timeouts:
            return None
        matches = []
        for match in result.matches:
            written = match_record(match, first.text, places)
            if written is None:
                return None
            matches.append(written)
        notes = []
        for fragment, child in pairs[1:]:
            if isinstance(fragment, Skipped):
                notes.append((fragment.path, fragment.reason, fragment.error, fragment.limit))
            elif child is None or child.matches or child.timeouts:
                return None
        if matches or notes:
            record.append((index, tuple(matches), tuple(notes)))
    return tuple(record)


def match_record(match: Match, text: str, places: dict[int, int]) -> MatchRecord | None:
    rule = places.get(id(match.rule))
    if rule is None or text[match.start:match.end] != match.secret:
        return None
    captures = []
    for name, value in match.captures:
        start = text.find(value, max(0, match.start - CAPTURE_REACH))
        if start < 0:
            return None
        captures.append((name, start, start + len(value)))
    return rule, match.start, match.end, match.dropped_by, tuple(captures)


def replayed(parts: Sequence[Fragment | Skipped], record: Any, ruleset: RuleSet) -> list[Pairs] | None:
    """The groups `record_of` recorded, rebuilt over the blob's texts read again; None when the record
    does not fit them (then the blob is scanned)."""
    try:
        return [_replayed_group(parts[index], matches, notes, ruleset) for index, matches, notes in record]
    except (IndexError, TypeError, ValueError, AttributeError):
        return None


def _replayed_group(part: Fragment | Skipped, matches: Any, notes: Any, ruleset: RuleSet) -> Pairs:
    if not isinstance(part, Fragment) or part.decoded:
        raise ValueError("not a text")
    text = part.text
    result = EngineResult()
    for rule_index, start, end, dropped_by, captures in matches:
        if not 0 <= start < end <= len(text) or rule_index < 0:
            raise ValueError("outside the text")
        secret = text[start:end]
        result.matches.append(Match(ruleset.rules[rule_index], start, end, secret, shannon_entropy(secret),
                                    str(dropped_by), tuple((str(name), text[a:b]) for name, a, b in captures)))
    pairs: Pairs = [(part, result)]
    pairs.extend((Skipped(str(path), str(reason), bool(error), bool(limit)), None)
                 for path, reason, error, limit in notes)
    return pairs
