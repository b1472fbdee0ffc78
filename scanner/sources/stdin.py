"""Standard input as one fragment named `-`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import BinaryIO

from scanner.fragment import Fragment
from scanner.report import ScanStats, Skipped
from scanner.sources import Source, SourceItem
from scanner.text_decode import decode_bytes


class StdinSource(Source):
    description = "stdin"

    def __init__(self, stream: BinaryIO | None = None, name: str = "-") -> None:
        self.stream = stream
        self.name = name

    def items(self, stats: ScanStats) -> Iterator[SourceItem]:
        data = (self.stream or sys.stdin.buffer).read()
        stats.files += 1
        stats.bytes += len(data)
        text = decode_bytes(data)
        if text is None:
            yield Skipped(self.name, "binary input")
            return
        yield Fragment(text=text, path=self.name)
