"""Bytes → text for scanning: BOMs honoured, UTF-8 first, never an exception.

A secret in a latin-1 or UTF-16 file is still a secret, so no file is skipped for its encoding; only
content that looks binary (NUL bytes, more than a stray one, without a UTF-16 BOM) is.
"""

from __future__ import annotations

import codecs

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOM_STARTS = tuple(bom for bom, _ in _BOMS)
BINARY_SNIFF = 8192


def decode_bytes(data: bytes) -> str | None:
    """The text, or None when the data looks binary."""
    if starts_binary(data):
        return None
    return decode_text(data)


def starts_binary(data: bytes) -> bool:
    """Whether data that starts with these bytes is binary (its first BINARY_SNIFF bytes decide)."""
    return not data.startswith(_BOM_STARTS) and looks_binary(data[:BINARY_SNIFF])


def decode_text(data: bytes) -> str:
    """Bytes already judged text → text, NUL bytes and all: the added lines of a file git printed as
    text (git judges a whole file by its first 8,000 bytes; one NUL in a later line does not make the
    lines around it binary)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # latin-1 maps every byte to one character, so offsets stay byte-exact for legacy encodings.
        return data.decode("latin-1")


def looks_binary(head: bytes) -> bool:
    """NUL bytes at a density text never has: at least 2, and one in 512 bytes. git's own test (any NUL
    in the first 8000 bytes) let a single NUL byte (a first line that is just `\\0`) hide a whole
    file; compressed data and executables have one NUL in ~256 bytes or more."""
    nuls = head.count(0)
    return nuls >= 2 and nuls * 512 >= len(head)
