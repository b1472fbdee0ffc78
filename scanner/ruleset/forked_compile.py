"""Compile a cold rule pack's patterns on more than one core.

Filling a cold rule cache compiles every pattern (~1,500: 1.2 s of the `regex` package's pure-Python
parser, most of a cold start), which one thread cannot share. Forked children compile a share each and
send back what the rule cache stores anyway, each pattern's marshalled compile arguments
(`regex_engine.compile_arguments`); the parent rebuilds those patterns from them in a fraction of the
time. Anything a child does not send (a pattern that does not compile, a child that died) the parent
compiles itself, so errors and results are exactly those of compiling in one process.

Only on Linux (fork is the cheap way to start a child that already holds the patterns, and is unsafe
on macOS), only with more than one usable core, and only while the process runs no other thread.
"""

from __future__ import annotations

import marshal
import os
import sys
import threading
from collections.abc import Callable, Sequence

MIN_SHARE = 200
"""Below this many patterns per child a fork costs more than it saves."""
VALIDATING = 0.4
"""What this process does besides its share (validating every file), as a fraction of compiling every
pattern: its share is that much smaller than a child's. On the bench's two cores a cold staged scan
took 1.36 s with this process compiling 30% of the patterns, 1.57 s with half."""


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the platform has one)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def compile_in_children(patterns: Sequence[str], children: int) -> tuple[list[str], Callable[[], dict[str, bytes]]]:
    """(the patterns left for this process to compile, a function that waits for the children and gives
    the marshalled compile arguments of each pattern they compiled)."""
    children = min(children, len(patterns) // MIN_SHARE - 1)
    if children < 1 or not sys.platform.startswith("linux") or threading.active_count() > 1:
        return list(patterns), dict
    shares = _shares(patterns, children)
    started = [_fork_compiling(share) for share in shares[1:]]
    started_ok = [child for child in started if child is not None]
    left = shares[0] + [p for share, child in zip(shares[1:], started) if child is None for p in share]

    def collect() -> dict[str, bytes]:
        blobs: dict[str, bytes] = {}
        for pid, read_end in started_ok:
            blobs.update(_received(pid, read_end))
        return blobs

    return left, collect


def _shares(patterns: Sequence[str], children: int) -> list[list[str]]:
    """This process's share (first), then each child's: interleaved, since each rule file's patterns
    cost alike and files differ, with this process's made smaller by VALIDATING."""
    own = max(0.0, (1 - children * VALIDATING) / (children + 1))
    shares: list[list[str]] = [[] for _ in range(children + 1)]
    taken = 0
    for index, pattern in enumerate(patterns):
        if int((index + 1) * own) > taken:
            taken += 1
            shares[0].append(pattern)
        else:
            shares[1 + (index - taken) % children].append(pattern)
    return shares


def _fork_compiling(share: list[str]) -> tuple[int, int] | None:
    """(pid, read end of its pipe) of a child compiling `share`, or None when it could not be started."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: compile, write, and end without the interpreter's teardown
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                out.write(marshal.dumps(_compiled(share)))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _compiled(share: Sequence[str]) -> dict[str, bytes]:
    import regex

    from scanner.ruleset.regex_engine import compile_arguments

    blobs = {}
    for pattern in share:
        try:
            arguments = compile_arguments(regex.compile(pattern))
            if arguments is not None:
                blobs[pattern] = marshal.dumps(arguments)
        except (regex.error, ValueError, RecursionError, OverflowError):
            continue  # the parent compiles it and reports the error
    return blobs


def _received(pid: int, read_end: int) -> dict[str, bytes]:
    """What a child sent; nothing if it failed in any way (the parent then compiles its share)."""
    with os.fdopen(read_end, "rb") as incoming:
        data = incoming.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return {}
    try:
        blobs = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(blobs, dict):
        return {}
    return {p: b for p, b in blobs.items() if isinstance(p, str) and isinstance(b, bytes)}
