"""A pattern's outer branch reset as its alternatives, which the engine searches one by one.

The `regex` module skips through a text to where a pattern can start when the pattern opens with a
literal (after zero-width assertions); an alternation whose branches open differently defeats that, and
every position then tries every branch. A context rule is such an alternation (its own pattern, the
provider's name before a key, the name as a bare key): `github-legacy-token` took 0.3-0.7 s on a 400 KB
SBOM whose every branch, searched alone, took 1-4 ms (bench/README.md has the figures).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanner.ruleset.globs import class_end

_UNSPLIT = re.compile(r"\\G|\(\?[a-zA-Z]*x")
"""`\\G` is where a search starts, which searching branch by branch moves; verbose patterns hide syntax
in comments."""
_GLOBAL_FLAGS = re.compile(r"\(\?[a-zA-Z]+\)")
"""Flags for a whole pattern, which an alternative may open with alone but not inside a branch reset:
such a pattern stays whole, so that compiling its alternatives proves it compiles."""


def structure(pattern: str, chars: str = "()|") -> Iterator[tuple[int, str]]:
    """Offset and character of each of `chars` (`(`, `)` and `|` by default) in the pattern that is
    syntax: not escaped, not in a character class."""
    i, length = 0, len(pattern)
    while i < length:
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            end = class_end(pattern, i, "^")
            i = length if end < 0 else end + 1
            continue
        if char in chars:
            yield i, char
        i += 3 if pattern.startswith("(?|", i) else 1  # a branch reset's `|` opens it, it is no bar


_LOOKAROUNDS = ("(?=", "(?!", "(?<=", "(?<!")
_OPEN_ENDED = re.compile(r"\{\d*,\}")


def unbounded(pattern: str) -> bool:
    """Whether the pattern holds a repeat with no upper bound (`*`, `+`, `{n,}`) outside every lookaround,
    so that its matches have no longest length: found without parsing the pattern (sre_parse took 4 ms
    for each broad generic rule, on every scan of a large file). False when unsure (verbose patterns,
    comments, a `+` after a quantifier, which makes it possessive)."""
    if "(?x" in pattern or "(?#" in pattern:
        return False
    around: list[bool] = []
    for at, char in structure(pattern, "()*+{"):
        if char == "(":
            around.append(pattern.startswith(_LOOKAROUNDS, at))
        elif char == ")":
            if around:
                around.pop()
        elif not any(around) and (char == "*" or (char == "+" and pattern[at - 1] not in "}?*+")
                                  or (char == "{" and _OPEN_ENDED.match(pattern, at))):
            return True
    return False


def top_branches(pattern: str) -> tuple[str, ...]:
    """The alternatives of a pattern that is one branch reset, `(?|A|B)`, each a pattern of its own (a
    branch reset numbers every alternative's groups from 1, so each keeps its group numbers), nested
    branch resets flattened; the pattern alone when it is not one, or an alternative is empty."""
    return tuple(pattern[start:end] for start, end in branch_spans(pattern, 0, len(pattern)))


def branch_spans(pattern: str, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """Where in the pattern each alternative of top_branches(pattern[start:end]) is."""
    whole = ((start, end),)
    part = pattern[start:end]
    if not part.startswith("(?|") or _UNSPLIT.search(part):
        return whole
    depth, bars = 0, []
    for at, char in structure(part):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0 and at != len(part) - 1:
                return whole
        elif depth == 1:
            bars.append(at)
    bounds = [2, *bars, len(part) - 1]
    spans = [(start + left + 1, start + right) for left, right in zip(bounds, bounds[1:])]
    if (depth != 0 or len(spans) < 2 or any(left == right for left, right in spans)
            or any(_GLOBAL_FLAGS.match(pattern, left) for left, _ in spans)):
        return whole
    return tuple(span for left, right in spans for span in branch_spans(pattern, left, right))


def searched_branches(pattern: str, secret_group: int | str) -> tuple[tuple[int, int], ...]:
    """Where in the pattern are the alternatives the engine searches one by one for a rule, or () when it
    searches the pattern whole: a group named as the secret need not be in every alternative."""
    spans = branch_spans(pattern, 0, len(pattern)) if isinstance(secret_group, int) else ()
    return spans if len(spans) > 1 else ()
