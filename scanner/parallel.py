"""Run the engine over a source's items, on every core once the work is large enough to pay for it.

The first items are scanned in this process; only when they pass BULK_BYTES (a large history, never a
staged diff or a small tree) does a pool of worker processes take the rest, so small scans never pay
the ~0.3 s it costs to start workers. Results come back in the source's order, so grouping and the
"first location is the oldest" rule do not depend on how many cores ran.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from scanner.engine import EngineResult, scan_fragment
from scanner.fragment import Fragment
from scanner.report import Skipped
from scanner.ruleset import RuleSet
from scanner.sources import SourceItem

BULK_BYTES = 16 * 1024 * 1024
CHUNK = 8

# Worker state, set once per worker process by `_start_worker`.
_worker: dict[str, object] = {}


def engine_results(items: Iterable[SourceItem], ruleset: RuleSet, timeout: float, keep_dropped: bool,
                   workers: int | None = None) -> Iterator[tuple[SourceItem, EngineResult | None]]:
    """(item, result) for every item; result is None for Skipped notes. Fragments without any match may
    come back from a worker as themselves with an empty result (their text is not sent back)."""
    workers = workers if workers is not None else usable_cores()
    iterator = iter(items)
    scanned = 0
    for item in iterator:
        if isinstance(item, Skipped):
            yield item, None
            continue
        yield item, scan_fragment(ruleset, item, timeout, keep_dropped=keep_dropped)
        scanned += len(item.text)
        if workers > 1 and scanned > BULK_BYTES:
            break
    else:
        return
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # no fork: the parent holds threads and git pipes
    from scanner.rules import PRECOMPILED, PRECOMPILED_FOR

    with context.Pool(workers, initializer=_start_worker,
                      initargs=(RuleSet(ruleset.rules), timeout, keep_dropped, dict(PRECOMPILED),
                                PRECOMPILED_FOR[0])) as pool:
        # imap feeds the pool from a thread that blocks on a full pipe, so at most a few chunks of
        # blobs are in flight: memory stays flat however large the history is.
        yield from pool.imap(_scan_in_worker, iterator, chunksize=CHUNK)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _start_worker(ruleset: RuleSet, timeout: float, keep_dropped: bool, precompiled: dict[str, bytes],
                  regex_version: str) -> None:
    """Workers get the compiled patterns too: compiling the pack again costs each worker ~0.5 s."""
    from scanner.rules import PRECOMPILED, PRECOMPILED_FOR

    PRECOMPILED.update(precompiled)
    PRECOMPILED_FOR[0] = regex_version
    _worker.update(ruleset=ruleset, timeout=timeout, keep_dropped=keep_dropped)


def _scan_in_worker(item: SourceItem) -> tuple[SourceItem, EngineResult | None]:
    if isinstance(item, Skipped):
        return item, None
    result = scan_fragment(_worker["ruleset"], item, _worker["timeout"],  # type: ignore[arg-type]
                           keep_dropped=bool(_worker["keep_dropped"]))
    if not result.matches and not result.timeouts:
        # Nothing to report: send back a stub instead of the whole text.
        return Fragment(text="", path=item.path), result
    return item, result
