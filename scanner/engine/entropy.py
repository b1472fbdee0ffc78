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


SPREAD = 0.55
"""Bits below the entropy random tokens of a length and alphabet score on average, about two standard
deviations: fewer than one random hex or letter-and-digit token in 30 falls under it (digits alone, whose
short runs repeat most, up to one in 20)."""


def entropy_floor(floor: float, secret: str) -> float:
    """A rule's entropy floor, lowered for a token too short, or of too narrow an alphabet, for random
    tokens to clear it reliably: a random 14-character hex key scores under 3.0 three times in ten. Random
    tokens of length n over k symbols score about log2(m) - (m - 1) / (2 n ln 2), with m = min(n, k)."""
    length = len(secret)
    symbols = min(length, _alphabet_size(secret))
    if symbols < 2:
        return floor
    expected = math.log2(symbols) - (symbols - 1) / (2 * length * math.log(2))
    return min(floor, expected - SPREAD)


def _alphabet_size(secret: str) -> int:
    if secret.isdigit():
        return 10
    lower = secret.lower()
    if all(c in "0123456789abcdef" for c in lower) and (secret == lower or secret == secret.upper()):
        return 16
    if secret.isalnum() and secret.isascii():
        return 36 if secret == lower or secret == secret.upper() else 62
    return 64
