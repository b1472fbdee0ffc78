"""A one-line progress bar on stderr for long scans: shown only on a terminal, and never with --quiet."""

from __future__ import annotations

import sys
import time


class Progress:
    """`update()` often; the line is redrawn at most ten times a second, and erased by `close()`."""

    def __init__(self, total: int, label: str, enabled: bool) -> None:
        self.total = total
        self.label = label
        self.enabled = enabled
        self.started = time.perf_counter()
        self.last = 0.0

    def update(self, done: int, nbytes: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.last < 0.1 and done < self.total:
            return
        self.last = now
        rate = nbytes / 1e6 / max(now - self.started, 1e-6)
        width = 30
        filled = int(width * done / self.total) if self.total else width
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                         f"{done}/{self.total} blobs, {rate:.1f} MB/s ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
