"""The rule gate: one Hyperscan pass that says which rules could match a text at all.

Keywords alone are a weak gate: `key`, `token`, `password` occur in most source files, so nearly every
rule ran its regex on nearly every blob of a history (bench/README.md has the figures). Here each rule's
pattern is compiled into one Hyperscan database in *prefilter* mode, which guarantees a superset of the
pattern's matches: a rule the database does not report cannot match, so its regex never runs. The `regex`
module still decides every match, so findings do not change, only how many regexes run.

The database speaks bytes and ASCII classes, and a rule's pattern speaks Unicode characters: the gate
scans a copy of the text where each non-ASCII character is one stand-in byte, and the patterns are
loosened so that every class able to match a non-ASCII character accepts the stand-in. Patterns are
also loosened before compiling (see `hyperscan_pattern`) because large bounded repeats make
Hyperscan's compiler slow (20 times slower for the pack as written); loosening only ever widens what
matches, so the superset guarantee holds. Compiling still costs a second or two, so the database is
cached on disk next to the rule cache, keyed by the patterns it was built from; where there is none yet
(a fresh install, a CI container) it starts compiling in the background as soon as the rules' patterns
are compiled (`start_building`, gate_build.py), in two parts that a scan needing it helps to compile.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from scanner.ruleset.char_bytes import ASCII_FOLDED, char_bytes, folded
from scanner.ruleset.forked_compile import usable_cores
from scanner.ruleset.gate_build import Compiled, Expression, GateBuild
from scanner.ruleset.key_leads import bare_key_gates
from scanner.ruleset.provider_keys import provider_keyed

if TYPE_CHECKING:
    from scanner.ruleset.rules import Rule

GATE_FORMAT = 2
REPEAT_LIMIT = 16
"""Bounded repeats above this become open-ended: `[a-z0-9]{32,64}` → `[a-z0-9]{16,}`."""

_QUANTIFIER = re.compile(r"\{(\d*)(,?)(\d*)\}")
_VERBOSE = re.compile(r"\(\?[a-zA-Z]*x")
_LEADING_FLAGS = re.compile(r"\(\?[a-zA-Z]+\)")
_NAMED_GROUP = re.compile(r"\(\?P?<(?![=!])\w+>")
# Escapes with no safe Hyperscan equivalent: backreferences, Unicode names/properties, `regex` extras.
_UNSUPPORTED_ESCAPES = frozenset("123456789gkKXpPNmMLRuUx")
_UNICODE_CLASSES = frozenset("wds")
r"""Escapes that match non-ASCII characters too (`\w` matches `é`): they also accept STAND_IN."""

STAND_IN = "?"
"""What a non-ASCII character becomes before the gate scans a text: one ASCII byte per character, so
counted repeats still line up, and one that every class able to match a non-ASCII character accepts."""

# Compiled databases by key, filled by `compiled_gate` and handed to worker processes (parallel.py), so
# that a worker never compiles, even when the on-disk cache could not be written.
SERIALIZED: dict[str, tuple[tuple[int, ...], bytes]] = {}


def gate_bytes(text: str) -> bytes:
    """The text as the gate sees it: ASCII as is, every other character as STAND_IN (or its ASCII fold)."""
    if text.isascii():
        return char_bytes(text)
    same = folded(text)  # CASE_FOLDED characters as the ASCII letters the rules' case folding equates
    return char_bytes(text) if same is text else same.encode("ascii", "replace")  # "?" is STAND_IN


def hyperscan_pattern(pattern: str, from_start: bool = False) -> str | None:
    r"""A pattern Hyperscan can compile quickly that matches, on `gate_bytes(text)`, at least wherever
    `pattern` matches `text`; None when the pattern has a construct with no safe equivalent
    (backreferences, possessive or atomic groups, non-ASCII literals...).

    Each change only widens what matches: branch resets and named groups become plain groups (numbers and
    names mean nothing to a prefilter); bounded repeats above REPEAT_LIMIT become open-ended; a `^` after
    the start and word boundaries are dropped; `\w`, `\d`, `\s` (and classes holding them) also accept the
    stand-in for non-ASCII characters; negated classes become the bytes they accept (`_loosened_class`).
    Lookarounds are dropped by Hyperscan's prefilter mode itself. `\G` (where the previous match ended) is
    dropped too, unless the rule always searches a text `from_start` (multiline rules: never run in keyword
    windows): then a text's first match can only use `\G` at the text's start, so where `\G` opens the
    pattern or a branch (Hyperscan refuses a start anchor anywhere else) it becomes `\A`, which keeps
    a continuation branch (`\G` then any `  key: value` line) from matching at every line."""
    if not pattern.isascii() or _VERBOSE.search(pattern):
        return None  # verbose mode: comments could hold what reads here as a class, hiding a `\b` to drop
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            escaped = pattern[i + 1:i + 2]
            if escaped in _UNSUPPORTED_ESCAPES:
                return None
            if escaped in _UNICODE_CLASSES:
                out.append(f"[\\{escaped}{STAND_IN}]")
            elif escaped == "G" and from_start and _starts_a_match(pattern, i):
                out.append("\\A")
            elif escaped not in ("b", "B", "G"):
                out.append(pattern[i:i + 2])
            i += 2
        elif c == "[":
            loosened, i = _loosened_class(pattern, i)
            if loosened is None:
                return None
            out.append(loosened)
        elif pattern.startswith(("(?P=", "(?>", "(?(", "(?&", "(?R"), i):
            return None
        elif c == "^" and out and not _LEADING_FLAGS.fullmatch("".join(out)):
            i += 1  # Hyperscan refuses a start anchor inside a pattern
        elif pattern.startswith("(?|", i):
            out.append("(?:")
            i += 3
        elif c == "(" and _NAMED_GROUP.match(pattern, i):
            out.append("(?:")
            i = _NAMED_GROUP.match(pattern, i).end()  # type: ignore[union-attr]
        elif c == "{" and _QUANTIFIER.match(pattern, i) and any(_QUANTIFIER.match(pattern, i).group(1, 3)):  # type: ignore[union-attr]
            m = _QUANTIFIER.match(pattern, i)
            assert m is not None
            low = int(m.group(1) or 0)
            high = int(m.group(3)) if m.group(3) else (None if m.group(2) else low)
            out.append(m.group(0) if high is not None and high <= REPEAT_LIMIT else f"{{{min(low, REPEAT_LIMIT)},}}")
            i = m.end()
            if pattern[i:i + 1] == "+":
                return None  # possessive
        elif c in "*+?" and pattern[i + 1:i + 2] == "+":
            return None  # possessive
        else:
            out.append(c)
            i += 1
    return "".join(out)


_LOOKBEHIND_AT_END = re.compile(r"\(\?<[=!](?:[^()\\]|\\.)*\)$")


def _starts_a_match(pattern: str, i: int) -> bool:
    """Whether position `i` opens the pattern, a group or a branch (lookbehinds before it consume nothing)."""
    before = pattern[:i]
    while (lookbehind := _LOOKBEHIND_AT_END.search(before)) is not None:
        before = before[:lookbehind.start()]
    opens = before.endswith(("(", "|", "(?:", "(?|")) and not before.endswith(("\\(", "\\|"))
    return not before or opens or _LEADING_FLAGS.fullmatch(before) is not None


def _loosened_class(pattern: str, start: int) -> tuple[str | None, int]:
    r"""The character class opening at `start`, loosened, and the index just past it.

    A positive class holding `\w`, `\d` or `\s` also accepts the stand-in. A negated class becomes the
    positive class of every ASCII character it matches, with or without case folding (the pattern's flags
    are not known here, and the union is wider than either), plus the stand-in and the letters that the
    case-folded characters become: `[^?&]` matches `é`, which the gate sees as `?`, and `(?i)[^a-z]`
    matches `ı`, which it sees as `I`. Negated `\W`, `\D`, `\S`, nested sets (a `regex` extension) and
    escapes beyond ASCII are refused."""
    j = start + 1
    negated = pattern[j:j + 1] == "^"
    j += negated
    if pattern[j:j + 1] == "]":
        j += 1
    escapes: set[str] = set()
    while j < len(pattern) and pattern[j] != "]":
        if pattern[j] == "\\":
            escapes.add(pattern[j + 1:j + 2])
            j += 2
            continue
        if pattern[j] == "[":
            return None, j
        j += 1
    if j >= len(pattern) or escapes & _UNSUPPORTED_ESCAPES or (negated and escapes & {"W", "D", "S"}):
        return None, j
    if negated:
        return _accepted_bytes(pattern[start:j + 1]), j + 1
    body = pattern[start + 1:j]
    if escapes & _UNICODE_CLASSES:
        # first, or right after a leading literal `]`: appended last it could end a range (`[.-\?]`)
        lead = "]" if body.startswith("]") else ""
        body = lead + "\\" + STAND_IN + body[len(lead):]
    return "[" + body + "]", j + 1


@functools.cache
def _accepted_bytes(negated: str) -> str | None:
    """Cached: a few classes (`[^\\r\\n]`, `[^\\s'\"]`) recur in hundreds of patterns."""
    import regex

    try:
        plain, folded = regex.compile(negated), regex.compile(negated, regex.IGNORECASE)
    except regex.error:
        return None
    accepted = {c for c in map(chr, range(128)) if plain.fullmatch(c) or folded.fullmatch(c)}
    accepted.update(STAND_IN + ASCII_FOLDED)
    codes = sorted(map(ord, accepted))
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "[" + "".join(f"\\x{a:02x}" + (f"-\\x{b:02x}" if b > a else "") for a, b in ranges) + "]"


class RuleGate:
    """Which rules are candidates for a text: their keyword occurs and, for gated rules, their loosened
    pattern matches somewhere (in `gate_bytes(text)`). Keyword-only rules behave exactly as without the gate."""

    def __init__(self, dbs: Sequence[Any], gated: frozenset[int], keywords: Sequence[str], offset: int) -> None:
        """`dbs`: the parts of the database (gate_build.PARTS); `keywords`: every keyword of the rule set,
        numbered in the database from `offset` on."""
        self.dbs = list(dbs)
        self.gated = gated
        self.keywords = list(keywords)
        self.offset = offset

    def scan(self, text: str) -> tuple[set[str], set[int]]:
        """(keywords found, gated rules whose pattern may match)."""
        keywords: set[str] = set()
        rules: set[int] = set()
        offset, names = self.offset, self.keywords

        def on_match(ident: int, _from: int, _to: int, _flags: int, _ctx: Any) -> None:
            if ident >= offset:
                keywords.add(names[ident - offset])
            else:
                rules.add(ident)

        data = gate_bytes(text)
        for db in self.dbs:
            db.scan(data, match_event_handler=on_match)
        return keywords, rules


def rule_gate(rules: Sequence[Rule], keywords: Sequence[str], build: bool) -> RuleGate | None:
    """The gate for a rule set, or None where Hyperscan is missing (Windows) or another prefilter is
    forced (LEAKSTOP_PREFILTER, for tests): then keywords alone decide, as they always did. Without
    `build`, only a gate compiled before (in memory, on disk, or by a background build that has
    finished) is returned; with it, a background build of this gate is waited for rather than repeated."""
    if not _gate_wanted(keywords):
        return None
    import hyperscan

    try:
        compiled = compiled_gate(rules, keywords, build)
    except hyperscan.error:
        return None  # a CPU or build Hyperscan cannot serve: the keyword path is slower, never wrong
    return RuleGate(*compiled, keywords, len(rules)) if compiled else None


def _gate_wanted(keywords: Sequence[str]) -> bool:
    """Whether a gate can serve these keywords here: Hyperscan is installed and not overridden."""
    if os.environ.get("LEAKSTOP_PREFILTER", "hyperscan") != "hyperscan" or not keywords:
        return False
    if not all(kw.isascii() for kw in keywords):
        return False  # the gate sees non-ASCII text as stand-ins: such a keyword would never be found
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


def gated_rule(rule: Rule) -> bool:
    """Whether a rule's pattern goes into the database. Not without keywords (such rules run on every
    text), and not when the rule is limited to some paths (`.pgpass`, `.env`, `.muttrc`...): on every
    other file the rule never runs, so scanning each text for its pattern is wasted, and these file
    formats' patterns are among the costliest in the database. On their own files they are
    keyword-gated, as before the gate existed."""
    return bool(rule.keywords) and not rule.paths


def gate_key(rules: Sequence[Rule], keywords: Sequence[str]) -> str:
    """Names a database by what it was built from: the rules (each by its fields_digest, which the rule cache
    stores: hashing the pattern texts read every rule's record from the cache, 17 ms of a history scan's
    start before its workers could fork), the keywords, Hyperscan's version, the `regex` installation and
    the code that loosens and compiles the patterns (this module, gate_build.py, key_leads.py,
    provider_keys.py)."""
    import hyperscan

    from scanner.ruleset.cache import regex_install
    from scanner.ruleset.rules import fields_digest

    # which regex too (found without importing it): negated classes are rewritten from its case folding
    version = hyperscan.__version__  # type: ignore[attr-defined]  # missing from its stub
    digest = hashlib.sha256(f"{GATE_FORMAT}:{version}:{regex_install()}:".encode())
    for module in ("gate.py", "gate_build.py", "key_leads.py", "provider_keys.py"):
        digest.update(Path(__file__).with_name(module).read_bytes())
    for kw in keywords:
        digest.update(f"k\0{kw}\n".encode("utf-8", "surrogatepass"))
    for rule in rules:
        digest.update(fields_digest(rule))
    return digest.hexdigest()[:24]


def compiled_gate(rules: Sequence[Rule], keywords: Sequence[str], build: bool) -> Compiled | None:
    """The database's parts and the rules it gates, from memory, a background build, the disk cache, or (with
    `build`) compiled and cached."""
    import hyperscan

    from scanner.ruleset.cache import load

    key = gate_key(rules, keywords)
    pending = _BUILDS.get(key)
    if pending is not None and (build or not pending.thread.is_alive()):
        del _BUILDS[key]
        return pending.outcome()
    stored = SERIALIZED.get(key) or load(gate_path(key))
    if stored is not None:
        try:
            entry = cast("tuple[tuple[int, ...], bytes]", stored)  # a damaged entry fails right here
            stored_gated, blob = entry
            dbs = [_loaded(part) for part in _parts(blob)]
            SERIALIZED[key] = entry
            return dbs, frozenset(stored_gated)
        except (hyperscan.error, ValueError, TypeError, EOFError):  # built on another CPU, or damaged: rebuild
            pass
    if not build:
        return None
    return _built(rules, keywords, key)


def _parts(blob: bytes) -> tuple[bytes, ...]:
    """The serialized parts a stored gate holds; TypeError or ValueError when it holds anything else."""
    parts = marshal.loads(blob)
    if not isinstance(parts, tuple) or not parts or not all(isinstance(part, bytes) for part in parts):
        raise TypeError("not a gate's parts")
    return parts


def _loaded(part: bytes) -> Any:
    import hyperscan

    db = hyperscan.loadb(part, hyperscan.HS_MODE_BLOCK)
    db.scratch = hyperscan.Scratch(db)  # a loaded database comes without one
    return db


def gate_path(key: str) -> Path:
    from scanner.ruleset.cache import cache_dir

    return cache_dir() / f"gate-{key}.pickle"


def _built(rules: Sequence[Rule], keywords: Sequence[str], key: str) -> Compiled:
    """Compile the gate now, this thread and a helper each compiling a part."""
    return GateBuild(keywords, loosened_patterns(rules), len(rules), _keep(key)).outcome()


def loosened_patterns(rules: Sequence[Rule]) -> dict[int, tuple[Expression, ...]]:
    """What goes into the database for each gated rule, by rule index: its pattern loosened (see
    hyperscan_pattern), or for a `provider_key` rule exact expressions holding a share of its names each."""
    patterns = {}
    for index, rule in enumerate(rules):
        if not gated_rule(rule):
            continue
        if provider_keyed(rule.pattern):
            exact = [hyperscan_pattern(f"{lead}(?:{rule.token})") for names in _shares(rule.keywords)
                     for lead in bare_key_gates(names)]
            expressions = tuple((e, False) for e in exact if e is not None)
            if len(expressions) < len(exact):
                continue
        else:
            loosened = hyperscan_pattern(rule.pattern, from_start=rule.multiline)
            if loosened is None:
                continue
            expressions = ((loosened, True),)
        patterns[index] = expressions
    return patterns


_NAMES_PER_PATTERN = 30
"""How many names one expression of a `provider_key` rule holds: Hyperscan refuses an exact expression of
100 names followed by a token as "too large"."""


def _shares(keywords: Sequence[str]) -> list[list[str]]:
    escaped = [re.escape(kw) for kw in keywords]
    return [escaped[i:i + _NAMES_PER_PATTERN] for i in range(0, len(escaped), _NAMES_PER_PATTERN)]


def _keep(key: str) -> Callable[[Compiled], None]:
    """What a finished build does: keep the gate for worker processes (SERIALIZED) and cache it on disk."""

    def keep(compiled: Compiled) -> None:
        import hyperscan

        from scanner.ruleset.cache import store

        dbs, gated = compiled
        SERIALIZED[key] = (tuple(sorted(gated)), marshal.dumps(tuple(hyperscan.dumpb(db) for db in dbs)))
        store(gate_path(key), SERIALIZED[key])

    return keep


_BUILDS: dict[str, GateBuild] = {}
"""Gates compiling in the background, by key, until a scan takes them (`compiled_gate`)."""


def start_building(rules: Sequence[Rule], keywords: Sequence[str]) -> None:
    """Compile a rule set's gate in the background when no cached one exists and a second core can do it
    (gate_build.py). The patterns are loosened first, in this thread: that is Python, which shares the
    GIL; the compiling that follows does not."""
    key = missing_gate(rules, keywords)
    if key and key not in _BUILDS:
        _BUILDS[key] = GateBuild(keywords, loosened_patterns(rules), len(rules), _keep(key))


def missing_gate(rules: Sequence[Rule], keywords: Sequence[str]) -> str:
    """The key of a gate worth compiling off the scan's path (here in a thread, or in a process of its own:
    gate_later.py): one Hyperscan can build, with a second core to build it on, that is neither in memory
    nor on disk; "" otherwise."""
    key = _wanted_key(rules, keywords) if usable_cores() >= 2 else ""
    return "" if not key or key in SERIALIZED or gate_path(key).exists() else key


def stored_gate(rules: Sequence[Rule], keywords: Sequence[str]) -> str:
    """The key of these rules' gate when it is stored on disk, where another process can load it; "" if not."""
    key = _wanted_key(rules, keywords)
    return key if key and gate_path(key).exists() else ""


def _wanted_key(rules: Sequence[Rule], keywords: Sequence[str]) -> str:
    """The key of these rules' gate where a gate can serve them here; "" where none can."""
    return gate_key(rules, keywords) if _gate_wanted(keywords) else ""


def building() -> bool:
    """Whether a gate is still compiling in the background."""
    return any(build.thread.is_alive() for build in _BUILDS.values())
