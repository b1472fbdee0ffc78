"""A keyword gate on raw bytes: history scans reject most blobs here, before decoding or any regex.

prefilter.py answers "which keywords occur in this text"; this answers the cheaper "does any keyword
occur in these bytes", before a blob is even decoded. Hyperscan (Linux, macOS wheels) stops at the first
keyword; pyahocorasick is the portable fallback with the same answer (ASCII letters compared without
case). LEAKSTOP_PREFILTER=aho-corasick (or `in`) forces the fallback, as it does for prefilter.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

# Text with these BOMs is not ASCII-compatible: a keyword would not appear as plain bytes, so it passes.
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")


class KeywordGate:
    """`passes(data)`: whether any keyword occurs in the bytes (or they cannot be judged as bytes)."""

    def __init__(self, keywords: Iterable[str]) -> None:
        self.keywords = sorted({k.lower() for k in keywords if k})
        self.engine = ""
        self._matcher: Any = None
        if os.environ.get("LEAKSTOP_PREFILTER", "") in ("", "hyperscan"):
            self._matcher = _hyperscan_database(self.keywords)
            self.engine = "hyperscan" if self._matcher is not None else ""
        if self._matcher is None:
            self._matcher = _automaton(self.keywords)
            self.engine = "pyahocorasick"

    def passes(self, data: bytes) -> bool:
        if not self.keywords:
            return False
        if data.startswith(_WIDE_BOMS):
            return True
        if self.engine == "hyperscan":
            found: list[bool] = []

            def on_match(*_args: object) -> bool:
                found.append(True)
                return True  # stop at the first keyword: one is enough to send the blob to the engine

            try:
                self._matcher.scan(data, match_event_handler=on_match)
            except Exception:  # hyperscan.ScanTerminated: the handler stopped the scan after a match
                if not found:
                    raise
            return bool(found)
        text = data.lower().decode("latin-1")
        return any(True for _ in self._matcher.iter(text))


def _hyperscan_database(keywords: list[str]) -> Any:
    try:
        import hyperscan
    except ImportError:
        return None
    if not keywords:
        return None
    expressions = [b"".join(b"\\x%02x" % byte for byte in kw.encode("utf-8")) for kw in keywords]
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    flags = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH
    database.compile(expressions=expressions, ids=list(range(len(expressions))), flags=[flags] * len(expressions))
    return database


def _automaton(keywords: list[str]) -> Any:
    import ahocorasick  # type: ignore[import-not-found]

    automaton = ahocorasick.Automaton()
    for kw in keywords:
        # latin-1 maps each byte to one character, so the automaton matches the keyword's UTF-8 bytes.
        automaton.add_word(kw.encode("utf-8").decode("latin-1"), True)
    if keywords:
        automaton.make_automaton()
    return automaton
