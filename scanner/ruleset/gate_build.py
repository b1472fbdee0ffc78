"""Compiling the rule gate's Hyperscan databases, in the background and in parts.

The gate is compiled as PARTS databases, so that two threads can compile it at once (Hyperscan's
compiler runs on one core and releases the GIL): 1.7 s as one database on the bench machine, 0.9 s as
two. A `GateBuild` runs in a daemon thread that compiles the parts one after the other, leaving the
other core to the scan; a thread that needs the gate (`outcome`) compiles the parts not yet started
itself instead of waiting idle. A cold start starts one as soon as the rules' patterns are compiled
(gate.start_building): a small scan, which never needs the gate, never waits for it, and a large one
has it a second sooner.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

PARTS = 2
"""The databases a gate is compiled as; each text is scanned once per part (the keywords are in the
first), which costs a large scan a few hundredths of a second."""

Compiled = tuple[list[Any], frozenset[int]]
"""The gate's databases and the rules (by index) whose patterns they hold."""
Expression = tuple[str, bool]
"""A pattern for the database, and whether it is compiled in prefilter mode (the loosened rule patterns,
whose lookarounds that mode drops) or exact."""


class GateBuild:
    """The databases of one gate, compiling in a daemon thread; `outcome` takes part in the work, then
    gives them (or raises what a compile raised). `done` is called with them once, by whichever thread
    finishes; a process that ends before that (a small scan) does not wait for the thread."""

    def __init__(self, keywords: Sequence[str], patterns: dict[int, tuple[Expression, ...]], offset: int,
                 done: Callable[[Compiled], None]) -> None:
        indices = sorted(patterns)
        count = max(1, min(PARTS, len(indices)))
        self._shares = [{i: patterns[i] for i in indices[n::count]} for n in range(count)]
        self._keywords, self._offset, self._done = tuple(keywords), offset, done
        self._outcomes: list[tuple[Any, frozenset[int]] | BaseException | None] = [None] * count
        self._next = 0
        self._finished = 0
        self._result: Compiled | None = None
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._work, name="leakstop-gate", daemon=True)
        self.thread.start()

    def outcome(self) -> Compiled:
        self._work()
        self.thread.join()
        with self._lock:
            result = self._result
        if result is None:  # a part failed: each thread stopped there, nothing was stored
            raise next(o for o in self._outcomes if isinstance(o, BaseException))
        return result

    def _work(self) -> None:
        while (n := self._take()) is not None:
            try:
                self._outcomes[n] = compile_database(self._keywords if n == 0 else (), self._shares[n],
                                                     self._offset)
            except BaseException as exc:  # noqa: BLE001 - raised by outcome, in the thread that asks
                self._outcomes[n] = exc
            self._finish_one()

    def _take(self) -> int | None:
        with self._lock:
            if self._next >= len(self._shares):
                return None
            self._next += 1
            return self._next - 1

    def _finish_one(self) -> None:
        with self._lock:
            self._finished += 1
            if self._finished < len(self._shares) or any(isinstance(o, BaseException) for o in self._outcomes):
                return
            dbs, gated = [], frozenset[int]()
            for outcome in self._outcomes:
                if isinstance(outcome, tuple) and outcome[0] is not None:
                    dbs.append(outcome[0])
                    gated |= outcome[1]
            self._result = dbs, gated
        self._done(self._result)


def compile_database(keywords: Sequence[str], patterns: dict[int, tuple[Expression, ...]], offset: int
                     ) -> tuple[Any, frozenset[int]]:
    """One database of all these rules' expressions (and keywords); when one is refused (a construct
    Hyperscan lacks), each rule is tried alone to leave the refused ones out: those rules stay
    keyword-gated, which is how they ran before. (None, empty) for a part whose every rule was refused."""
    import hyperscan

    literal = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH
    exact = hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_ALLOWEMPTY
    prefilter = hyperscan.HS_FLAG_PREFILTER | exact

    def build(gated: Sequence[int]) -> Any:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        ids = [i for i in gated for _ in patterns[i]]
        expressions = [p.encode("utf-8") for i in gated for p, _ in patterns[i]]
        expressions += [re.escape(kw).encode("utf-8") for kw in keywords]
        flags = [prefilter if loose else exact for i in gated for _, loose in patterns[i]]
        flags += [literal] * len(keywords)
        db.compile(expressions=expressions, ids=[*ids, *range(offset, offset + len(keywords))],
                   elements=len(expressions), flags=flags)
        return db

    gated = sorted(patterns)
    try:
        return build(gated), frozenset(gated)
    except hyperscan.error:
        pass
    accepted = []
    for index in gated:
        try:
            single = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            own = patterns[index]
            single.compile(expressions=[p.encode("utf-8") for p, _ in own], ids=[index] * len(own),
                           elements=len(own), flags=[prefilter if loose else exact for _, loose in own])
            accepted.append(index)
        except hyperscan.error:
            continue
    if not accepted and not keywords:
        return None, frozenset()
    return build(accepted), frozenset(accepted)
