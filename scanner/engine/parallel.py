"""Run the engine over a source's items, on every core once the work is large enough to pay for it.

The first items are scanned in this process; only when they pass BULK_BYTES (a large history, never a staged
diff or a small tree) does a pool of worker processes take the rest, so small scans never pay for starting
workers. Results come back in the source's order, so grouping and the "first location is the oldest" rule do
not depend on how many cores ran.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scanner.engine.decode import decoded_items
from scanner.engine.line_delta import LineDeltas
from scanner.engine.match import EngineResult, Pairs, nothing_to_report, scan_fragment, to_report
from scanner.engine.recorded import record_of, replayed
from scanner.errors import RuleError
from scanner.fragment import Fragment
from scanner.git.blobs import BlobExpander, GitBlob
from scanner.git.blobs import Item as SourceItem
from scanner.report import Skipped
from scanner.ruleset.forked_compile import usable_cores
from scanner.ruleset.rule_set import RuleReference, RuleSet

if TYPE_CHECKING:
    from scanner.engine.scan_cache import Verdicts

BULK_BYTES = 16 * 1024 * 1024
FORKED_BULK_BYTES = 512 * 1024
"""Where workers are forked (milliseconds each, sharing this process's rules and loaded gate), a pool pays
off from this much text on: pip's tree (6.9 MB) in 0.34 s against 0.39 s in one process."""
CHUNK = 128
SMALL_CHUNK = 16
"""Items per task of a pool that starts after this process scanned the first part itself: the source's size
is unknown and may be small, and a few large tasks would leave one worker finishing alone."""
BATCH_BYTES = 4 * 1024 * 1024
"""A pool task holds up to CHUNK items or BATCH_BYTES of text, whichever comes first: fewer, larger tasks
mean less to pickle and fewer requests to git, and the byte cap keeps a batch of large files from holding
hundreds of megabytes."""
READ_AHEAD_BYTES = 32 * 1024 * 1024

# Worker state, set once per worker process by `_start_worker`.
_worker: dict[str, object] = {}


def engine_results(items: Iterable[SourceItem], ruleset: RuleSet, timeout: float, keep_dropped: bool,
                   workers: int | None = None, max_decode_depth: int = 0, expected_bytes: int = 0,
                   verdicts: Verdicts | None = None) -> Iterator[tuple[Fragment | Skipped, EngineResult | None]]:
    """(item, result) for every item, each fragment followed by the fragments decoded out of it; result is
    None for Skipped notes. A worker sends back only the texts with something to report (see
    `_scan_in_worker`): the others may be missing.

    Decoding happens here, next to the engine, so that it runs in the workers too, not on one core
    ahead of the pool.

    When the source expects more than BULK_BYTES before it produces anything (a large history, whose
    walk takes a while), the pool starts at once: its workers start up while the history is walked,
    instead of after the first BULK_BYTES were scanned on one core.

    With a scan cache's `verdicts`, the blobs (keyed by the source) found clean are recorded. A scan that
    repeats an earlier one starts no pool up front: the source leaves out most of its blobs."""
    workers = workers if workers is not None else usable_cores()
    if verdicts is not None and verdicts.warm:
        expected_bytes = 0
    yield from _results(iter(items), ruleset, timeout, keep_dropped, max_decode_depth, workers, expected_bytes,
                        verdicts)


def _results(iterator: Iterator[SourceItem], ruleset: RuleSet, timeout: float, keep_dropped: bool,
             max_decode_depth: int, workers: int, expected_bytes: int, verdicts: Verdicts | None
             ) -> Iterator[tuple[Fragment | Skipped, EngineResult | None]]:
    if workers > 1 and expected_bytes > BULK_BYTES:
        yield from _pool_results(iterator, ruleset, timeout, keep_dropped, max_decode_depth, workers, verdicts)
        return
    expander, deltas = BlobExpander(), LineDeltas(ruleset, timeout)
    scanned = 0
    try:
        for batch in batches(iterator, CHUNK):
            for item, groups in _scanned_items(expander, batch, ruleset, timeout, keep_dropped, max_decode_depth,
                                               deltas):
                for pairs in groups:
                    yield from pairs
                    first = pairs[0][0]
                    scanned += len(first.text) if isinstance(first, Fragment) else 0
                if verdicts is not None and isinstance(item, GitBlob) and item.key:
                    _remember(verdicts, item, groups, ruleset)
            if workers > 1 and _pool_pays(ruleset, scanned):
                break
        else:
            return
    finally:
        expander.close()
    yield from _pool_results(iterator, ruleset, timeout, keep_dropped, max_decode_depth, workers, verdicts,
                             CHUNK if scanned > BULK_BYTES else SMALL_CHUNK)


def _pool_pays(ruleset: RuleSet, scanned: int) -> bool:
    """Whether the rest of a scan that has read this much goes to a pool: past BULK_BYTES always; from
    FORKED_BULK_BYTES on when the workers can be forked and share a loaded gate (a small scan never waits
    for a gate to compile, nor pays for interpreters to start)."""
    if scanned > BULK_BYTES:
        return True
    if scanned <= FORKED_BULK_BYTES or not ruleset.gate_ready():
        return False
    from scanner.engine.worker_pool import may_fork

    return may_fork()


def _remember(verdicts: Verdicts, item: GitBlob, groups: Sequence[Pairs], ruleset: RuleSet) -> None:
    """What the scan cache keeps of a blob scanned in this process: clean, or what was found in it."""
    if _clean(item, groups):
        verdicts.record(item.key)
    elif item.record is None:
        record = record_of(groups, ruleset)
        if record is not None:
            verdicts.record_found(item.key, record)


def _clean(item: SourceItem, groups: Sequence[Pairs]) -> bool:
    """A blob whose every text (decoded ones too) came out with nothing to report, and no note: what
    the cache may remember about it."""
    return isinstance(item, GitBlob) and all(map(nothing_to_report, groups))


def _pool_results(iterator: Iterator[SourceItem], ruleset: RuleSet, timeout: float, keep_dropped: bool,
                  max_decode_depth: int, workers: int, verdicts: Verdicts | None = None, chunk: int = CHUNK
                  ) -> Iterator[tuple[Fragment | Skipped, EngineResult | None]]:
    # the pool holds a few batches per worker at a time; ReadAhead keeps the source (reading files, walking
    # a history) working meanwhile, up to READ_AHEAD_BYTES: memory stays flat however large the target is.
    # Its thread starts once the workers have (see ReadAhead).
    ahead = ReadAhead(iterator, READ_AHEAD_BYTES)
    try:
        from scanner.engine.worker_pool import ordered_results

        def initargs(forked: bool) -> tuple[object, ...]:
            return _worker_rules(ruleset, forked), timeout, keep_dropped, max_decode_depth

        for batch, results, failure in ordered_results(batches(ahead, chunk), _scan_in_worker, workers,
                                                       _start_worker, initargs):
            if failure or results is None:
                yield from ((Skipped(unscanned_name(item), failure, error=True), None) for item in batch
                            if not isinstance(item, Skipped))
            else:
                pairs, clean, records = results
                yield from pairs
                if verdicts is not None:
                    for index in clean:
                        item = batch[index]
                        if isinstance(item, GitBlob) and item.key:
                            verdicts.record(item.key)
                    for index, record in records:
                        item = batch[index]
                        if isinstance(item, GitBlob) and item.key:
                            verdicts.record_found(item.key, record)
    finally:
        ahead.close()


def unscanned_name(item: Fragment | GitBlob) -> str:
    if isinstance(item, GitBlob):
        return f"{item.paths[0]} (blob {item.blob[:12]})"
    return item.path


def batches(items: Iterable[SourceItem], size: int) -> Iterator[list[SourceItem]]:
    """Items in lists of about `size` (or fewer, up to BATCH_BYTES): one pool task each, and one request to
    git for the blobs among them.

    A file's versions in a row (a history blob that a later one replaced, `GitBlob.replaced`) stay in one
    batch up to twice those bounds: the process that scans a version then holds the one before (see
    engine/line_delta.py), and its `git cat-file` has the delta base at hand (split between two processes,
    git spent a fifth more CPU resolving delta chains again)."""
    batch: list[SourceItem] = []
    held = 0
    for item in items:  # a full batch goes at once, holding no item back: the caller may go on with `items`
        batch.append(item)
        held += item_size(item)
        if len(batch) >= size or held >= BATCH_BYTES:
            continued = isinstance(item, GitBlob) and item.replaced  # its next version comes next
            if not continued or len(batch) >= 2 * size or held >= 2 * BATCH_BYTES:
                yield batch
                batch, held = [], 0
    if batch:
        yield batch


class ReadAhead:
    """The same items, produced by a thread that starts at once and runs ahead of the consumer by up to
    `budget` characters.

    Without it the source runs only while the pool's feeder thread is not blocked on its pipe, and the
    stages take turns, each idle part of the time. It starts at the first request, which the pool makes as
    soon as it has started its workers: forking them is safe only while no other thread runs, and a history's
    walk still runs while they start up.

    Items cross between the threads in lists of up to PASS_ITEMS (at once while the consumer has taken
    everything), and each side counts its own characters (produced, consumed) without a lock: a handover per
    item, through a queue and a condition, would cost the parent CPU on every blob. (That each side sees the
    other's latest count, and the `_waiting` flag, relies on the GIL; a free-threaded build would want a
    lock.)"""

    PASS_ITEMS = 64

    def __init__(self, items: Iterator[SourceItem], budget: int) -> None:
        import queue
        import threading

        self._items = items
        self._budget = budget
        self._ready: queue.Queue[tuple[list[SourceItem] | None, BaseException | None]] = queue.Queue()
        self._room = threading.Condition()
        self._produced = 0  # written by the producer only
        self._consumed = 0  # written by the consumer only
        self._waiting = False
        self._stopped = False
        self._current: Iterator[SourceItem] = iter(())
        self._done = False
        self._thread = threading.Thread(target=self._produce, name="leakstop-read-ahead", daemon=True)
        self._starting = False

    def _produce(self) -> None:
        chunk: list[SourceItem] = []
        try:
            for item in self._items:
                if self._produced - self._consumed >= self._budget:
                    if chunk:  # hand over what is held first, or the consumer could never make room
                        self._ready.put((chunk, None))
                        chunk = []
                    self._wait_for_room()
                if self._stopped:
                    return
                self._produced += item_size(item)
                chunk.append(item)
                # a consumer with nothing left to take gets the item at once: the source's next item may
                # be slow in coming
                if len(chunk) == self.PASS_ITEMS or self._ready.empty():
                    self._ready.put((chunk, None))
                    chunk = []
            if chunk:
                self._ready.put((chunk, None))
            self._ready.put((None, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            if chunk:
                self._ready.put((chunk, None))
            self._ready.put((None, exc))
        finally:
            close = getattr(self._items, "close", None)
            if close is not None:
                close()  # a generator's cleanup (stopping git) runs in the thread that drove it

    def _wait_for_room(self) -> None:
        with self._room:
            self._waiting = True
            self._room.wait_for(lambda: self._produced - self._consumed < self._budget or self._stopped)
            self._waiting = False

    def __iter__(self) -> ReadAhead:
        return self

    def __next__(self) -> SourceItem:
        if not self._starting:
            self._starting = True
            self._thread.start()
        item = next(self._current, None)
        while item is None:
            if self._done:
                raise StopIteration
            chunk, error = self._ready.get()
            if chunk is None:
                self._done = True
                if error is not None:
                    raise error
                raise StopIteration
            self._current = iter(chunk)
            item = next(self._current, None)
        self._consumed += item_size(item)
        if self._waiting:
            with self._room:
                self._room.notify()
        return item

    def close(self) -> None:
        """Stop the producer (which then runs the source's cleanup), whether or not anything was read; a
        consumer waiting in another thread gets the end of the items."""
        self._done = True
        self._current = iter(())
        with self._room:
            self._stopped = True
            self._room.notify()
        self._ready.put((None, None))
        # never started (a Ctrl-C may land between the first request and the start): the source's cleanup
        # runs here; a thread that started runs it itself, and closing its generator here would fail
        if self._thread.ident is None:
            self._starting = True
            close = getattr(self._items, "close", None)
            if close is not None:
                close()


def item_size(item: SourceItem) -> int:
    if isinstance(item, Fragment):
        return len(item.text)
    return item.size if isinstance(item, GitBlob) else 0


def _scan_with_decoded(ruleset: RuleSet, fragment: Fragment, timeout: float, keep_dropped: bool,
                       max_decode_depth: int) -> Iterator[tuple[Fragment | Skipped, EngineResult | None]]:
    yield fragment, scan_fragment(ruleset, fragment, timeout, keep_dropped=keep_dropped)
    if max_decode_depth > 0:
        for child in decoded_items(fragment, max_decode_depth):
            if isinstance(child, Skipped):
                yield child, None  # a decoding cap's note travels with the text, in order
            else:
                yield child, scan_fragment(ruleset, child, timeout, keep_dropped=keep_dropped)


@dataclass(frozen=True)
class _ShippedRules:
    """The rules themselves, with their compiled patterns and gate, for workers that cannot load them from
    the caches: no worker compiles either."""

    ruleset: RuleSet
    precompiled: dict[str, bytes]
    regex_version: str
    gates: dict[str, tuple[tuple[int, ...], bytes]]
    provider_words: frozenset[str]
    """Every loaded provider's name, as the scan's rules know them when they are a subset (`RuleSet.subset`)."""


def _worker_rules(ruleset: RuleSet, forked: bool) -> RuleSet | RuleReference | _ShippedRules:
    """What workers start from: forked ones, these rules (their memory is shared), with a gate stored for them
    to load or compiled now; others the rules by reference where the caches hold them and their gate, else
    the rules shipped (their gate compiled now if need be)."""
    if forked:
        if not ruleset.gate_ready() and ruleset.reference() is None:
            ruleset.build_gate()  # none stored for the workers to load: compiled once, here
        return ruleset
    reference = ruleset.reference()
    if reference is not None:
        return reference
    from scanner.ruleset.gate import SERIALIZED
    from scanner.ruleset.rules import PRECOMPILED_FOR, precompiled_for

    ruleset.build_gate()
    return _ShippedRules(RuleSet(ruleset.rules), precompiled_for(ruleset.rules), PRECOMPILED_FOR[0], dict(SERIALIZED),
                         ruleset.provider_words)


def _start_worker(rules: RuleSet | RuleReference | _ShippedRules, timeout: float, keep_dropped: bool,
                  max_decode_depth: int) -> None:
    from scanner.ruleset.gate import SERIALIZED
    from scanner.ruleset.rules import PRECOMPILED, PRECOMPILED_FOR

    if isinstance(rules, RuleReference):
        ruleset = rules.ruleset()
        if ruleset is None:  # said by every batch (a failing initializer is only a worker that died)
            _worker.update(refusal="the rule files changed during the scan: scan again")
            return
    elif isinstance(rules, _ShippedRules):
        SERIALIZED.update(rules.gates)
        PRECOMPILED.update(rules.precompiled)
        PRECOMPILED_FOR[0] = rules.regex_version
        ruleset = rules.ruleset
        ruleset.provider_words = rules.provider_words
    else:  # forked: this process's copy of the scan's own rules
        ruleset = rules
    _worker.update(ruleset=ruleset, timeout=timeout, keep_dropped=keep_dropped, max_decode_depth=max_decode_depth,
                   expander=BlobExpander(), deltas=LineDeltas(ruleset, timeout))


def _scanned_items(expander: BlobExpander, batch: Sequence[SourceItem], ruleset: RuleSet, timeout: float,
                   keep_dropped: bool, max_decode_depth: int, deltas: LineDeltas
                   ) -> Iterator[tuple[SourceItem, list[Pairs]]]:
    """Per item of the batch, what it became once read: per note, the note alone; per text, the text
    followed by the fragments decoded out of it, each with its result. A history blob read as one plain
    text may be scanned as the lines it changed (`LineDeltas`)."""
    def scan(part: Fragment) -> Iterator[tuple[Fragment | Skipped, EngineResult | None]]:
        return _scan_with_decoded(ruleset, part, timeout, keep_dropped, max_decode_depth)

    for item, expanded in expander.expand_each(batch):
        if isinstance(item, GitBlob) and item.record is not None:
            groups = replayed(expanded, item.record, ruleset)
            if groups is not None:
                yield item, groups
                continue
        if isinstance(item, GitBlob) and len(expanded) == 1 and plain_text(expanded[0]):
            yield item, [deltas.scan(item, expanded[0], scan)]  # type: ignore[arg-type]
            continue
        yield item, [[(part, None)] if isinstance(part, Skipped) else list(scan(part)) for part in expanded]


def plain_text(part: Fragment | Skipped) -> bool:
    """A blob's whole text as it is (not a notebook's cell, an archive's member or a decoded text)."""
    return isinstance(part, Fragment) and part.first_line == 1 and not (part.cell or part.decoded or "!" in part.path)


def _scan_in_worker(batch: Sequence[SourceItem]) -> tuple[Pairs, list[int], list[tuple[int, tuple[object, ...]]]]:
    """The batch's notes, and the fragments of every text that has something to report (a text and
    the fragments decoded out of it travel together); which of the batch's blobs came out clean, and
    what was found in the others (for the scan cache). The rest is not sent back: on a history nearly
    every text comes out empty, and a stub for each would be most of what the parent receives."""
    if "refusal" in _worker:  # the scan fails with it (exit 2), never passes
        raise RuleError(str(_worker["refusal"]))
    pairs: Pairs = []
    clean: list[int] = []
    records: list[tuple[int, tuple[object, ...]]] = []
    ruleset: RuleSet = _worker["ruleset"]  # type: ignore[assignment]
    for index, (item, groups) in enumerate(_scanned_items(
            _worker["expander"], batch, ruleset, _worker["timeout"],  # type: ignore[arg-type]
            bool(_worker["keep_dropped"]), int(_worker["max_decode_depth"]),  # type: ignore[call-overload]
            _worker["deltas"])):  # type: ignore[arg-type]
        if _clean(item, groups):
            clean.append(index)
        elif isinstance(item, GitBlob) and item.key and item.record is None:
            record = record_of(groups, ruleset)
            if record is not None:
                records.append((index, record))
        for scanned in groups:
            pairs.extend(_worth_sending(scanned))
    return pairs, clean, records


def _worth_sending(scanned: Pairs) -> Pairs:
    """A text and what was decoded out of it, when any of them has something to report.

    Decoded fragments without results go as stubs, not their whole text (keeping `decoded`, which tells
    the parent whether a fragment is the plain text or decoded out of it). The plain text travels whole
    when something decoded out of it is reported: its lines are where an allow marker for the decoded
    secret must be (scan.py)."""
    if nothing_to_report(scanned):
        return []
    return [(fragment if to_report(result) or not isinstance(fragment, Fragment) or not fragment.decoded
             else Fragment(text="", path=fragment.path, decoded=fragment.decoded), result)
            for fragment, result in scanned]

