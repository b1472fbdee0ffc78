"""Standard input as one fragment named `-`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import BinaryIO

from scanner.config import DEFAULT_MAX_FILE_SIZE
from scanner.report import ScanStats, Skipped
from scanner.sources import Source, SourceItem
from scanner.sources.fragment_builder import fragments_of


class StdinSource(Source):
    description = "stdin"

    def __init__(self, stream: BinaryIO | None = None, name: str = "-", max_size: int = DEFAULT_MAX_FILE_SIZE) -> None:
        self.stream = stream
        self.name = name
        self.max_size = max_size

    def items(self, stats: ScanStats) -> Iterator[SourceItem]:
        data = (self.stream or sys.stdin.buffer).read(self.max_size + 1)
        if len(data) > self.max_size:
            # Read no further: memory stays bounded by the limit, whatever is piped in.
            yield Skipped(self.name, f"input larger than --max-file-size ({self.max_size} bytes); not scanned",
                          error=True)
            return
        stats.files += 1
        stats.bytes += len(data)
        yield from fragments_of(self.name, data)
