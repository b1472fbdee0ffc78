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

_UNSPLIT = re.compile(r"\\G|\(\?[a-zA-Z]*x")
"""`\\G` is where a search starts, which searching branch by branch moves; verbose patterns hide syntax
in comments."""


def structure(pattern: str) -> Iterator[tuple[int, str]]:
    """Offset and character of each `(`, `)` and `|` of the pattern that is syntax: not escaped, not in
    a character class."""
    i, length = 0, len(pattern)
    while i < length:
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(pattern, i)
            continue
        if char in "()|":
            yield i, char
        i += 3 if pattern.startswith("(?|", i) else 1  # a branch reset's `|` opens it, it is no bar


def _class_end(pattern: str, start: int) -> int:
    """Just past the class opened at `start`: a `]` right after `[` or `[^` is a member, not its end."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]":
            return i + 1
        i += 1
    return i


def top_branches(pattern: str) -> tuple[str, ...]:
    """The alternatives of a pattern that is one branch reset, `(?|A|B)`, each a pattern of its own (a
    branch reset numbers every alternative's groups from 1, so each keeps its group numbers), nested
    branch resets flattened; the pattern alone when it is not one, or an alternative is empty."""
    if not pattern.startswith("(?|") or _UNSPLIT.search(pattern):
        return (pattern,)
    depth, bars = 0, []
    for at, char in structure(pattern):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0 and at != len(pattern) - 1:
                return (pattern,)
        elif depth == 1:
            bars.append(at)
    bounds = [2, *bars, len(pattern) - 1]
    parts = [pattern[start + 1:end] for start, end in zip(bounds, bounds[1:])]
    if depth != 0 or len(parts) < 2 or not all(parts):
        return (pattern,)
    return tuple(branch for part in parts for branch in top_branches(part))


def searched_branches(pattern: str, secret_group: int | str) -> tuple[str, ...]:
    """The alternatives the engine searches one by one for a rule, or () when it searches the pattern
    whole: a group named as the secret need not be in every alternative."""
    branches = top_branches(pattern) if isinstance(secret_group, int) else ()
    return branches if len(branches) > 1 else ()
