"""A text as one byte per character, encoded once for the passes that read it as bytes.

The rule gate (Hyperscan) and the decoder's run finder (bytes.translate and bytes.find) both need the
text as bytes whose offsets are character offsets, one right after the other on the same text; encoding
it once instead of twice saves ~0.2 s of a history scan of the bench corpus (442 MB of text).
"""

from __future__ import annotations

_last: tuple[str, bytes] = ("", b"")


def char_bytes(text: str) -> bytes:
    """The text with each non-ASCII character as `?`. Remembers the last text only: the two passes run
    back to back, and a longer memory would hold on to large texts."""
    global _last
    last = _last
    if last[0] is text:
        return last[1]
    raw = text.encode("ascii", "replace")
    _last = (text, raw)
    return raw


CASE_FOLDED = "\u212a\u017f\u0130\u0131"
"""Non-ASCII characters that the `regex` module's case-insensitive matching equates with ASCII letters
(Kelvin sign, long s, dotted capital I, dotless i; `(?i)[a-z]` matches `İ`, `(?i)[A-Z]` matches `ı`): the
rule gate and the keyword prefilters read them as those letters (ASCII_FOLDED)."""
ASCII_FOLDED = "KSII"


def folded(text: str) -> str:
    """The text with each CASE_FOLDED character as its ASCII letter, one character for one (offsets stay).
    str.replace, not str.translate: a translate table costs ~70 ns a character, which on the bench
    history's Turkish locale files (full of `ı` and `İ`) was 0.9 s."""
    if text.isascii():
        return text
    for char, letter in zip(CASE_FOLDED, ASCII_FOLDED):
        if char in text:
            text = text.replace(char, letter)
    return text


def folded_lower(text: str) -> str:
    """What keywords are looked for in: `folded`, lower-cased. `str.lower` alone turns `İ` into two
    characters (`i` and a combining dot), which shifted offsets and found `api` in `apİ` where Hyperscan,
    reading bytes, did not."""
    return folded(text).lower()
