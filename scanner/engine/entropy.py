"""Shannon entropy: how random a candidate secret looks, in bits per character."""

from __future__ import annotations

import math
from collections import Counter


def shannon_entropy(text: str) -> float:
    """Bits per character; 0.0 for empty text.

    Random base62 tokens of 20+ characters score above ~4, hex tops out at 4, and words or repeated
    characters score far lower, which is why rules state a floor instead of a character-class test.
    """
    if not text:
        return 0.0
    length = len(text)
    return -sum(n / length * math.log2(n / length) for n in Counter(text).values())
