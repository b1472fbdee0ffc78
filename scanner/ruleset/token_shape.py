"""What a token shape says, read by Python's own regex parser: the lengths it accepts (claims, for a near
miss's length, and keyword-pattern rules' context branches, for a plain bounded token) and the literal its
tokens start with (claims). A leaf: it imports nothing of the rule set."""

from __future__ import annotations

import functools
from typing import Any


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
    if parsed is None:
        return ""
    lead = []
    for op, value in parsed.data:
        if op is not _parser().LITERAL:
            break
        lead.append(chr(value))
    return "".join(lead)


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
