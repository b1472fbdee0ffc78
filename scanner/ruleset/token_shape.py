"""The lengths a token shape accepts: what claims (a near miss's length) and keyword-pattern rules' context
branches (a plain, bounded token) both ask of a shape. A leaf: it imports nothing of the rule set."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=4096)
def token_width(token: str) -> tuple[int, int]:
    """The shortest and longest token the shape accepts; (0, a huge number) when it cannot be worked out."""
    try:
        import re._parser as parser  # type: ignore[import-not-found]  # Python 3.11+
    except ImportError:
        import sre_parse as parser  # type: ignore[no-redef, unused-ignore]
    try:
        low, high = parser.parse(token).getwidth()
    except Exception:  # noqa: BLE001 - syntax only the regex module knows
        return 0, 1 << 30
    return int(low), int(high)
