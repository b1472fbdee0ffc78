"""What a token shape says, read by Python's own regex parser: the lengths it accepts (claims, for a near
miss's length, and keyword-pattern rules' context branches, for a plain bounded token), the literal its
tokens start with and the characters they are made of (claims). A shape taken from a keyword-pattern rule
comes wrapped in a flag group (`(?-i:md-[A-Za-z0-9_-]{22})`): the parser reads through it, where reading
the text would take the group's `-i` and the count's digits for the token's; and the shape compiled, for
telling a token of the shape from a near miss. A leaf: it imports nothing of the rule set."""

from __future__ import annotations

import functools
import re
from typing import Any

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
"""A UUID in either case: the shape of ids and of some providers' keys (filters, claims)."""


@functools.lru_cache(maxsize=4096)
def token_width(token: str) -> tuple[int, int]:
    """The shortest and longest token the shape accepts; (0, a huge number) when it cannot be worked out."""
    parsed = _parsed(token)
    if parsed is None:
        return 0, 1 << 30
    low, high = parsed.getwidth()
    return int(low), int(high)


@functools.lru_cache(maxsize=4096)
def literal_lead(token: str) -> str:
    """The characters every token of the shape starts with: `eyJ` of a JWT's shape, nothing of `[a-f0-9]{32}`,
    of alternatives (`sk_[a-z]{8}|rk_[a-z]{8}`) or of a shape only the `regex` module reads."""
    parsed = _parsed(token)
    return "" if parsed is None else _lead(parsed.data)[0]


_PRINTABLE = frozenset(chr(c) for c in range(33, 127))


@functools.lru_cache(maxsize=4096)
def token_alphabet(token: str) -> frozenset[str]:
    """Every printable ASCII character a token of the shape may hold; all of them when the shape cannot be
    read."""
    parsed = _parsed(token)
    return _PRINTABLE if parsed is None else frozenset(_chars(parsed.data, bool(parsed.state.flags & re.IGNORECASE)))


def _lead(items: Any) -> tuple[str, bool]:
    """The literal the items start with, and whether they are that literal whole."""
    p = _parser()
    lead = ""
    for op, value in items:
        if op is p.LITERAL:
            lead += chr(value)
        elif op is p.SUBPATTERN and value[0] is None:  # a flag or non-capturing group: read through it
            inner, whole = _lead(value[-1].data)
            lead += inner
            if not whole:
                return lead, False
        else:
            return lead, False
    return lead, True


def _chars(items: Any, ignore_case: bool) -> set[str]:
    """The characters the parsed items accept: a sequence's, or a class's (`IN`: its ranges and categories);
    a letter in both cases where the flags in force there ignore case (`(?-i:...)` inside `(?i)` does not)."""
    p = _parser()
    found: set[str] = set()
    for op, value in items:
        leaf: set[str] = set()
        if op is p.LITERAL:
            leaf = {chr(value)}
        elif op is p.RANGE:
            leaf = {chr(c) for c in range(value[0], min(value[1], 126) + 1)}
        elif op is p.CATEGORY and value is p.CATEGORY_DIGIT:
            leaf = set("0123456789")
        elif op is p.CATEGORY and value is p.CATEGORY_WORD:
            leaf = {c for c in _PRINTABLE if c.isalnum() or c == "_"}
        elif op is p.IN:
            found |= _chars(value, ignore_case)
        elif op in (p.MAX_REPEAT, p.MIN_REPEAT):
            found |= _chars(value[2].data, ignore_case)
        elif op is p.SUBPATTERN:
            found |= _chars(value[-1].data, (ignore_case or bool(value[1] & re.IGNORECASE))
                            and not value[2] & re.IGNORECASE)
        elif op is p.BRANCH:
            for branch in value[1]:
                found |= _chars(branch.data, ignore_case)
        elif op is not p.AT:  # anything else (`.`, `[^...]`, `\s`, a backreference) may be any character
            return set(_PRINTABLE)
        found |= leaf | ({c.swapcase() for c in leaf} if ignore_case else set())
    return found & _PRINTABLE


def _parsed(token: str) -> Any:
    try:
        return _parser().parse(token)
    except Exception:  # noqa: BLE001 - syntax only the regex module knows
        return None


def _parser() -> Any:
    try:
        import re._parser as parser  # type: ignore[import-not-found]  # Python 3.11+
    except ImportError:
        import sre_parse as parser  # type: ignore[no-redef, unused-ignore]
    return parser


@functools.lru_cache(maxsize=4096)
def shape_pattern(token: str) -> Any:
    """A token shape compiled whole by the `regex` module, which rules' patterns are written for."""
    import regex

    return regex.compile(f"(?:{token})")
