"""Worker processes that fail closed, fast: a batch whose worker died is retried once, then reported.

A worker can die under the scan (the OOM killer on a small CI runner, a crash in a native library) and a
worker's `git cat-file` can die or stall. With `multiprocessing.Pool` the lost batch was never finished
and the scan waited forever. Here each batch is a future of a `ProcessPoolExecutor`, which notices a
dead worker as soon as its process ends (the pool is then broken: a fresh one takes every unfinished
batch); a batch that fails twice comes back as an error naming what it held, so the scan exits 2 instead
of passing it by.

Workers are forked from the scan's process where that is safe (Linux, no other thread running yet): they
start in milliseconds with the rules already loaded, instead of each starting an interpreter and loading
them again (~0.1 s of a small history's 0.7 s, on two cores). Elsewhere, and for the fresh pool that
replaces a broken one (the scan's threads are running by then), they are started afresh.

Ctrl-C goes to the whole process group. Workers never see it (SIGINT is blocked while they start, and
ignored once they run): the parent alone stops, kills its workers and exits 130, with no worker's
traceback on the terminal.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from scanner.errors import GitError

Item = TypeVar("Item")
Result = TypeVar("Result")

WORKER_NAME = "leakstop-worker"
ATTEMPTS = 2
"""A batch is tried in at most this many processes: once, and once more in a fresh one."""
IN_FLIGHT = 4


@dataclass
class _Task(Generic[Item]):
    batch: Sequence[Item]
    future: Future[Any]
    attempts: int = 1
    failure: str = ""


def ordered_results(batches: Iterator[Sequence[Item]], task: Callable[[Sequence[Item]], Result], workers: int,
                    initializer: Callable[..., None], initargs: Callable[[bool], tuple[Any, ...]]
                    ) -> Iterator[tuple[Sequence[Item], Result | None, str]]:
    """(batch, result, "") for each batch in order, or (batch, None, why) for one that could not be
    scanned. At most IN_FLIGHT batches a worker are handed out: the source is read as fast as it is
    scanned, and a slow batch at the head holds back little.

    `initargs(forked)` gives the initializer's arguments, for workers forked from this process (which share
    its memory) or started afresh (which get them pickled). The workers start before `batches` is first
    asked for: a source that starts threads or processes of its own starts them after the fork."""
    pool = _Pool(workers, initializer, initargs)
    pending: deque[_Task[Item]] = deque()
    finished = False
    try:
        while True:
            while len(pending) < IN_FLIGHT * workers:
                batch = next(batches, None)
                if batch is None:
                    break
                pending.append(_Task(batch, pool.submit(task, batch)))
            if not pending:
                finished = True
                return
            head = pending[0]
            if not head.failure:
                try:
                    result = head.future.result()
                except BrokenProcessPool:
                    pool.restart()
                    _retry(pool, task, [t for t in pending if _lost(t)], "its worker process died")
                    continue
                except GitError as exc:  # the worker's `git cat-file` died or stalled
                    _retry(pool, task, [head], str(exc))
                    continue
            pending.popleft()
            yield (head.batch, None, head.failure) if head.failure else (head.batch, result, "")
    finally:
        pool.stop(kill=not finished)
        pool.remove()


def _lost(t: _Task[Any]) -> bool:
    return not t.failure and (not t.future.done() or t.future.exception() is not None)


def _retry(pool: _Pool, task: Callable[[Sequence[Any]], Any], lost: list[_Task[Any]], why: str) -> None:
    for t in lost:
        if t.attempts >= ATTEMPTS:
            t.failure = f"not scanned: {why}, twice"
        else:
            t.attempts += 1
            t.future = pool.submit(task, t.batch)


class _Pool:
    """A ProcessPoolExecutor that can be replaced once broken, whose workers never get SIGINT."""

    def __init__(self, workers: int, initializer: Callable[..., None],
                 initargs: Callable[[bool], tuple[Any, ...]]) -> None:
        self._workers = workers
        self._initializer = initializer
        self._initargs = initargs
        self._spilled: list[str] = []
        self._executor: ProcessPoolExecutor
        self._new()

    def _new(self) -> None:
        """A pool whose workers start now, not at the first batch: the executor spawns one at each
        submit, and a history's first batch comes only once its walk is done, so each worker's start-up
        (an interpreter, imports, the rules: ~0.4 s on a busy machine, bench small history) ran after the
        walk instead of during it."""
        import multiprocessing

        pipes = _pipes() if may_fork() else None
        if pipes is not None:
            start: tuple[Any, ...] = (self._initializer, self._initargs(True), pipes)
        else:
            self._spilled.append(_spill(self._initargs(False)))
            start = (self._initializer, self._spilled[-1], ())
        context = multiprocessing.get_context("spawn" if pipes is None else "fork")
        self._executor = ProcessPoolExecutor(self._workers, mp_context=context, initializer=_start, initargs=start)
        try:
            for _ in range(self._workers):
                self.submit(_started, ())
        except BaseException:  # a Ctrl-C, held back while a worker started, lands here: no caller holds this
            self.stop(kill=True)  # pool yet to stop it, and its manager thread raced Python's exit handler
            raise

    def submit(self, task: Callable[[Sequence[Any]], Any], batch: Sequence[Any]) -> Future[Any]:
        """Workers start in submit; a blocked signal stays blocked across exec, so Ctrl-C cannot reach a
        worker before it ignores SIGINT (an ignored one would, as a KeyboardInterrupt traceback)."""
        blocked = hasattr(signal, "pthread_sigmask")
        if blocked:
            previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return self._executor.submit(task, batch)
        except (BrokenProcessPool, OSError, ValueError) as exc:  # broken before this batch got in: the caller
            # retries it (a pool whose workers die while starting can also fail on its closed call-queue pipe,
            # or in spawning a worker on a descriptor closed under it: "bad value(s) in fds_to_keep")
            failed: Future[Any] = Future()
            failed.set_exception(exc if isinstance(exc, BrokenProcessPool) else BrokenProcessPool(str(exc)))
            return failed
        finally:
            if blocked:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    def restart(self) -> None:
        self.stop(kill=True)
        self._new()

    def stop(self, kill: bool) -> None:
        """Ends the workers: idle ones after the last result; at once after a fault, an interrupt or an
        error, when nobody waits for what they are doing."""
        executor = self._executor
        if not kill:
            executor.shutdown(wait=True)
            return
        processes = list(getattr(executor, "_processes", {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.kill()
        for process in processes:
            process.join(timeout=5)
        # The executor's manager thread closes its wake-up pipe as it ends; Python 3.11's exit handler for
        # executors writes to that pipe, and a close at the same moment made it print a traceback (Bad
        # file descriptor) after a killed worker's scan had completed. Waiting here for the thread takes
        # that race away.
        manager = getattr(executor, "_executor_manager_thread", None)
        if manager is not None:
            manager.join(timeout=5)
            # The same handler also woke it when a Ctrl-C ended the scan (seen once in CI): a pool stopped
            # here has nothing left for that handler to wake, so it is taken off the handler's list.
            from concurrent.futures import process

            wakeups = getattr(process, "_threads_wakeups", None)
            if wakeups is not None:
                wakeups.pop(manager, None)

    def remove(self) -> None:
        for path in self._spilled:
            with contextlib.suppress(OSError):
                os.unlink(path)


def may_fork() -> bool:
    """Whether workers may be forked from this process: on Linux (elsewhere the system's libraries do not
    expect it), and while it runs no other thread (one holding a lock at the fork would leave the worker's
    copy of that lock held forever)."""
    import threading

    return sys.platform == "linux" and threading.active_count() == 1


def _pipes() -> tuple[int, ...] | None:
    """The pipes and sockets this process has open besides the standard streams; None when /proc cannot
    tell (then no worker is forked). A forked worker closes its copies: a git process writing to one, or
    waiting for the end of its input, would otherwise not see the scan close it while a worker lives."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return None
    found = []
    for name in names:
        with contextlib.suppress(OSError):
            if int(name) > 2 and os.readlink(f"/proc/self/fd/{name}").startswith(("pipe:", "socket:")):
                found.append(int(name))
    return tuple(found)


def _spill(initargs: tuple[Any, ...]) -> str:
    """The workers' start-up arguments (rules, compiled patterns, gate databases: megabytes, no secrets)
    in an owner-only file each worker loads. Passed inline they made the data CPython's spawn writes to a
    starting worker larger than a pipe holds, and it writes while holding the pipe's other end itself:
    a worker killed while starting left that write, and the scan, blocked forever."""
    import pickle
    import tempfile

    fd, path = tempfile.mkstemp(prefix="leakstop-worker-", suffix=".pickle")
    with os.fdopen(fd, "wb") as out:
        pickle.dump(initargs, out, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _started(_batch: Sequence[Any]) -> None:
    """The task each worker is started with (see `_Pool._new`)."""


def _start(initializer: Callable[..., None], initargs: tuple[Any, ...] | str, inherited: tuple[int, ...]) -> None:
    """A worker's start: forked, with its arguments in memory and the parent's pipes (`_pipes`) to close;
    started afresh, with its arguments in the file `_spill` wrote."""
    import atexit
    import pickle

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # named in ps and top (a forked one has the scan's command line)
    with contextlib.suppress(OSError), open("/proc/self/comm", "w") as comm:
        comm.write(WORKER_NAME)
    for fd in inherited:
        with contextlib.suppress(OSError):
            os.close(fd)
    if isinstance(initargs, str):
        with open(initargs, "rb") as data:
            initargs = pickle.load(data)  # noqa: S301 - written by the parent process, owner-only
    else:
        import gc

        gc.freeze()  # what the parent made is never garbage here: collections skip it, and its pages stay shared
    initializer(*initargs)
    atexit.register(_exit_now)


def _exit_now() -> None:
    """A worker ends without the interpreter's teardown, which the parent waits for after the last
    result (freeing the rules, patterns and gate took ~45 ms). Nothing is lost: results went through
    the pipe as each batch ended, multiprocessing has flushed the standard streams and run its own
    finalizers before the interpreter exits, and the worker's `git cat-file` ends at the closed pipe.
    Registered last, so it runs first of the exit handlers; a worker always exits 0 (the pool notices a
    dead worker by its process ending, never by its status)."""
    os._exit(0)
