"""The engine: prefilter, then each candidate rule's regex, then the rule's own checks.

Pure: a Fragment and a RuleSet in, Matches out. Entropy, heuristics and per-rule allowlists live here
because they belong to the rule; scan-wide suppression (inline comments, ignores, baselines) does not.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Union

from scanner.engine.entropy import entropy_floor, shannon_entropy
from scanner.engine.filters import (
    EXAMPLE_HOST,
    NAMED_DIGEST,
    bare_name_rejection,
    chosen_by_hand,
    example_host_rejection,
    failing_heuristic,
    named_digest_rejection,
    spoilt_edge,
    spoilt_end,
    thing_id_rejection,
)
from scanner.fragment import Fragment
from scanner.report import Skipped
from scanner.ruleset.branches import unbounded
from scanner.ruleset.char_bytes import folded_lower
from scanner.ruleset.claims import CLAIMING_FILTER, unclaimed
from scanner.ruleset.globs import path_matches
from scanner.ruleset.key_leads import BARE_NAME
from scanner.ruleset.lazy_pattern import LazyPattern
from scanner.ruleset.named_provider import NAMING_FILTER, named_only
from scanner.ruleset.provider_keys import PROVIDER_KEY, is_name, names_a_provider, provider_keyed
from scanner.ruleset.rule_set import RuleSet
from scanner.ruleset.rules import Rule, compile_pattern

if TYPE_CHECKING:
    from scanner.ruleset.timeout import RuleTimeout

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
    captures: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    """The pattern's other named groups that matched (a Twilio SID next to its token), for verification."""


@dataclass
class EngineResult:
    matches: list[Match] = field(default_factory=list)
    timeouts: list[RuleTimeout] = field(default_factory=list)


# typing's spelling: this alias is evaluated at run time, where `X | Y` of classes needs Python 3.10
Pairs = list[tuple[Union[Fragment, Skipped], Optional[EngineResult]]]
"""A text and the fragments decoded out of it, each with its result (a note, with None, where a decoding cap
stopped)."""


def to_report(result: EngineResult | None) -> bool:
    """A note (no result), or a text with matches or timeouts."""
    return result is None or bool(result.matches or result.timeouts)


def nothing_to_report(pairs: Pairs) -> bool:
    """Whether a text and everything decoded out of it came out clean, without a note."""
    return not any(to_report(result) for _, result in pairs)


def scan_fragment(
    ruleset: RuleSet, fragment: Fragment, timeout: float = DEFAULT_RULE_TIMEOUT, keep_dropped: bool = False
) -> EngineResult:
    result = EngineResult()
    text = fragment.text
    lowered: str | None = None
    positions: dict[str, list[int]] = {}
    indices, present = ruleset.candidates(text)
    for index in indices:
        rule = ruleset.rules[index]
        if (rule.paths or rule.exclude_paths) and not rule_applies_to(fragment.path, rule.paths, rule.exclude_paths):
            continue
        try:
            if rule.starts_at_keyword:
                lowered = folded_lower(text) if lowered is None else lowered
                if len(lowered) == len(text):
                    starts = sorted(p for kw in rule.keywords if kw in present
                                    for p in keyword_positions(kw, lowered, positions))
                    result.matches.extend(anchored_matches(rule, text, timeout, starts))
                    continue
            spans: list[tuple[int, int]] = [(0, len(text))]
            # multiline rules always search from the text's start: the rule gate relies on it (`\G`, gate.py)
            if (len(text) > WINDOWED_TEXT or provider_keyed(rule.pattern)) and not rule.multiline and rule.keywords:
                lowered = folded_lower(text) if lowered is None else lowered
                spans = keyword_windows(rule, lowered, len(text), positions, present)
            for start, end in spans:
                result.matches.extend(rule_matches(rule, text, timeout, start, end))
        except TimeoutError:
            from scanner.ruleset.timeout import RuleTimeout

            result.timeouts.append(RuleTimeout(rule.id, fragment.path))
    if any(not m.dropped_by and NAMING_FILTER in m.rule.filters for m in result.matches):
        result.matches = named_only(result.matches, text, ruleset.provider_words)
    if any(CLAIMING_FILTER in m.rule.filters and not m.dropped_by for m in result.matches):
        result.matches = unclaimed(result.matches, text, *ruleset.claims)
    if not keep_dropped:
        result.matches = [m for m in result.matches if not m.dropped_by]
    return result


# A rule's keyword lies inside its match, so a match lies within MATCH_REACH characters of a keyword
# occurrence (rules whose matches may be longer, like PEM blocks, are `multiline` and see the whole text).
# On large texts running each regex only there makes regex time follow the keyword hits, not the size.
MATCH_REACH = 1024
WINDOWED_TEXT = 8 * 1024


@functools.lru_cache(maxsize=1024)
def match_reach(pattern: str) -> int:
    """How far from a keyword a match can reach: the pattern's longest match, when that is longer than
    MATCH_REACH (a JWT with many claims runs to 20k characters; cut at 1,024 it was missed in a large
    `.env`). Unbounded patterns keep MATCH_REACH: their matches are `key = value` lines, and a window the
    whole text would give up the speed that windows exist for. So do the rules that start at their keyword
    (`anchored_matches`): a rule whose match may run longer must bound its pattern, as the Terraform
    variable's default does, and gets its width here."""
    if unbounded(pattern):
        return MATCH_REACH
    try:
        import re._parser as parser  # type: ignore[import-not-found]  # Python 3.11+
    except ImportError:
        import sre_parse as parser  # type: ignore[no-redef, unused-ignore]
    try:
        # `(?|` (branch reset, the regex module's) renumbers groups; the lengths are those of `(?:`
        widest = parser.parse(pattern.replace("(?|", "(?:")).getwidth()[1]
    except Exception:  # noqa: BLE001 - syntax only the regex module knows: keep the default
        return MATCH_REACH
    return widest if MATCH_REACH < widest < parser.MAXREPEAT else MATCH_REACH


@functools.lru_cache(maxsize=65536)
def rule_applies_to(path: str, paths: tuple[str, ...], exclude_paths: tuple[str, ...]) -> bool:
    """Cached: a history repeats the same paths across thousands of blobs."""
    return (not paths or path_matches(path, paths)) and not (exclude_paths and path_matches(path, exclude_paths))


def keyword_windows(rule: Rule, lowered: str, length: int, positions: dict[str, list[int]],
                    present: Collection[str]) -> list[tuple[int, int]]:
    """Merged [start, end) spans around every occurrence of the rule's keywords (of those `present` in the
    text); the whole text when they cover most of it, or when lower-casing changed the length (offsets would
    not line up). A `provider_key` rule's keywords are names, of which a text holds a few: its spans are
    the lines where a name starts a word (or follows `New`, as in `NewRelicClient`), since a bare key, its
    value and what lies between stay on one line (or, after a colon that ends it, the next).

    `positions` caches each keyword's occurrences for the fragment: rules share keywords (`password`,
    `token`), and finding them again per rule was a tenth of a history scan."""
    if len(lowered) != length:
        return [(0, length)]
    if provider_keyed(rule.pattern):
        names = (kw for kw in present if is_name(rule.keywords, kw))
        spans = [(lowered.rfind("\n", 0, p) + 1, _key_lines_end(lowered, p))
                 for kw in names for p in keyword_positions(kw, lowered, positions)
                 if p == 0 or not lowered[p - 1].isalnum() or lowered.endswith("new", 0, p)]
    else:
        reach = match_reach(rule.pattern)
        spans = [(max(0, p - reach), min(length, p + reach)) for kw in rule.keywords if kw in present
                 for p in keyword_positions(kw, lowered, positions)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    if sum(end - start for start, end in merged) > length // 2:
        return [(0, length)]
    return merged


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _key_lines_end(text: str, at: int) -> int:
    """The end of the line at `at`; of the next one too when that line ends with a colon (YAML's `acme:`
    with the value alone on the next line), and of the next three when it opens a call whose arguments each
    take a line (`AcmeClient(` / `"<app id>",` / `"<key>",`; key_leads.py)."""
    end = _line_end(text, at)
    line = text[at:end].rstrip()
    for _ in range(3 if line.endswith("(") else 1 if line.endswith(":") else 0):
        if end < len(text):
            end = _line_end(text, end + 1)
    return end


def keyword_positions(keyword: str, lowered: str, positions: dict[str, list[int]]) -> list[int]:
    """Where the keyword occurs in the lower-cased text, found once per fragment: rules share keywords
    (`password`, `token`), and finding them again per rule was a tenth of a history scan."""
    found = positions.get(keyword)
    if found is None:
        found = []
        pos = lowered.find(keyword)
        while pos != -1:
            found.append(pos)
            pos = lowered.find(keyword, pos + 1)
        positions[keyword] = found
    return found


def rule_matches(rule: Rule, text: str, timeout: float, start: int = 0, end: int | None = None) -> Iterator[Match]:
    """Every hit of one rule in text[start:end] (lookarounds still see the whole text); the time limit
    bounds the pass, so a catastrophic pattern cannot hang."""
    if provider_keyed(rule.pattern):
        yield from _provider_key_matches(rule, text, timeout, start, len(text) if end is None else end)
        return
    if rule.branches:
        branches = rule_branches(rule.pattern, rule.branches)
        yield from _branch_matches(rule, branches, text, timeout, start, len(text) if end is None else end)
        return
    for m in rule.regex.finditer(text, start, end if end is not None else len(text), timeout=timeout):
        found = match_of(rule, text, m)
        if found is not None:
            yield found


@functools.lru_cache(maxsize=4096)
def rule_branches(pattern: str, spans: tuple[tuple[int, int], ...]) -> tuple[Any, ...]:
    """The rule's alternatives that the engine searches one by one (branches.py), compiled."""
    return tuple(compile_pattern(pattern[start:end]) for start, end in spans)


def _branch_matches(rule: Rule, branches: tuple[Any, ...], text: str, timeout: float, start: int, end: int
                    ) -> Iterator[Match]:
    """The matches `finditer` of the whole pattern makes, from its alternatives searched one by one: the
    leftmost match, of the first alternative that has one there, then on from its end. An alternative's
    match that an earlier one overtook is searched again from where the next may start."""
    deadline = time.monotonic() + timeout
    pending = [branch.search(text, start, end, timeout=_left(deadline)) for branch in branches]
    pos = start
    while True:
        best = None
        for i, m in enumerate(pending):
            if m is not None and m.start() < pos:
                m = pending[i] = branches[i].search(text, pos, end, timeout=_left(deadline))
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        if best is None:
            return
        pos = max(best.end(), best.start() + 1)
        found = match_of(rule, text, best)
        if found is not None:
            yield found


def _provider_key_matches(rule: Rule, text: str, timeout: float, start: int, end: int) -> Iterator[Match]:
    """A `provider_key` rule's hits: those whose key is one of its names. A key that names no provider makes
    no match, and the search goes on from just after where that key began: in `client = AcmeClient("...")`
    the key `client` took `AcmeClient` for its value, and the constructor inside it was still to be tried."""
    deadline = time.monotonic() + timeout
    regex, pos = rule.regex, start
    while pos < end:
        m = regex.search(text, pos, end, timeout=_left(deadline))
        if m is None:
            return
        key = m.start(PROVIDER_KEY)
        if not names_a_provider(rule.keywords, m.group(PROVIDER_KEY), text[max(0, key - 3):key]):
            pos = key + 1
            continue
        pos = max(m.end(), pos + 1)
        found = match_of(rule, text, m)
        if found is not None:
            yield found


def anchored_matches(rule: Rule, text: str, timeout: float, starts: list[int]) -> Iterator[Match]:
    """The hits `rule_matches` finds, for a rule whose every match starts with one of its keywords: the
    pattern is tried only where a keyword is (sorted `starts`), left to right without overlaps as finditer
    does. A pattern that opens with a case-insensitive alternation is tried at every letter that could
    begin it, which made the broad generic key rule the costliest pattern of a history scan.

    Each try ends where a match from that keyword can reach: the regex module looks for a pattern's
    required characters up to the end it is given before it matches, and 200,000 `auth`s on a line of
    1.3 MB with no `:` after any took 320 µs each, to the whole text's end."""
    deadline = time.monotonic() + timeout
    regex, after, reach = rule.regex, 0, match_reach(rule.pattern)
    for pos in starts:
        if pos < after:
            continue
        m = regex.match(text, pos, min(len(text), pos + reach), timeout=_left(deadline))
        if m is None:
            continue
        after = max(m.end(), pos + 1)
        found = match_of(rule, text, m)
        if found is not None:
            yield found


def _left(deadline: float) -> float:
    """The time left for one more search of a pass, which TimeoutError ends once none is left: a pass of
    many short searches would otherwise give each a moment past the deadline, and never end."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the rule's time limit ran out")
    return left


def match_of(rule: Rule, text: str, m: Any) -> Match | None:
    start, end = m.span(rule.secret_group)
    if start < 0 or start == end:
        return None
    secret = text[start:end]
    entropy = shannon_entropy(secret)
    captures = tuple((k, v) for k, v in m.groupdict().items() if v) if m.re.groupindex else ()
    dropped = rejection(rule, secret, entropy)
    # a value chosen by hand (a password's) may hold one symbol anywhere: a spoilt value is a token's. Its
    # key is read only when a spoilt verdict is at stake (rarely: most matches are spoilt by nothing)
    if dropped == "filter:spoilt" and chosen_by_hand(text, start):
        dropped = rejection(rule, secret, entropy, spoilable=False)
    if not dropped and BARE_NAME in m.re.groupindex and m.start(BARE_NAME) >= 0:
        dropped = bare_name_rejection(secret, called=text[max(0, start - 4):start].rstrip("\"'`\t ").endswith("("))
    elif not dropped and rule.names:
        dropped = _name_lead_rejection(rule, text, m.start(), start, secret)
    if not dropped and EXAMPLE_HOST in m.re.groupindex and m.start(EXAMPLE_HOST) >= 0:
        dropped = example_host_rejection(secret)
    if not dropped and not rule.multiline and spoilt_edge(text, start, end, _starts_with_keyword(rule, secret)):
        dropped = "filter:spoilt-edge"
    if (not dropped and not rule.multiline and spoilt_end(text, start, end, "spoilt" in rule.filters)
            and not chosen_by_hand(text, start)):
        dropped = "filter:spoilt-end"
    return Match(rule, start, end, secret, entropy, dropped, captures)


def _name_lead_rejection(rule: Rule, text: str, lead: int, start: int, secret: str) -> str:
    """Why a context rule's token, which its provider's name led to at `lead`, is not taken, or empty: it is the
    id of a thing (filters.thing_id_rejection), or, for a rule that opts in, a file's digest beside a lookup
    service's name (filters.named_digest_rejection; not a call's argument, `VirusTotal("<hex>")`). Both read a
    bounded stretch before the token, whatever the line's length."""
    before = text[max(0, start - 64):start]
    dropped = thing_id_rejection(before)
    if not dropped and NAMED_DIGEST in rule.filters and "(" not in text[max(lead, start - 256):start]:
        line = max(text.rfind("\n", max(0, start - 256), start) + 1, start - 256)
        dropped = named_digest_rejection(secret, text[line:start])
    return dropped


def _starts_with_keyword(rule: Rule, secret: str) -> bool:
    """Whether the secret opens with one of the rule's keywords: its prefix (`ghp_`), not a name before it."""
    return secret[:32].lower().startswith(rule.keywords)  # in C: a provider-key rule has a thousand keywords


def rejection(rule: Rule, secret: str, entropy: float, spoilable: bool = True) -> str:
    """Why the rule's own checks reject the secret, or empty when it is reportable. `spoilable`: whether the
    `spoilt` filter (when the rule has it) applies to this value."""
    if entropy < rule.min_entropy and (rule.provider == "Generic" or entropy < entropy_floor(rule.min_entropy, secret)):
        return "entropy"
    filters = rule.filters if spoilable else tuple(name for name in rule.filters if name != "spoilt")
    heuristic = failing_heuristic(secret, filters)
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
        # Line starts from the lines' lengths, all in C: a Python find loop cost 1.3 s of a history scan.
        parts = text.split("\n")
        parts.pop()
        self.starts.extend(map(operator.add, itertools.accumulate(map(len, parts)), itertools.count(1)))

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def line_text(self, line: int) -> str:
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")


_LINE_BREAK = LazyPattern(r"\r\n|\r|\n")
