"""The cyclic garbage collector kept off a history's index: hundreds of thousands of tuples made once, in no
cycle, living as long as the scan."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def collecting_no_cycles() -> Iterator[None]:
    """While the history's blobs are handed out, the objects made before (the walk's index, see
    `pausing_collection`) are left out of the cyclic collector's passes (`gc.freeze`; reference counting
    still frees them), and given back to it afterwards."""
    import gc

    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def pausing_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while the walk makes a few hundred thousand tuples and lists,
    none part of a cycle, that live as long as the scan; its passes over them were a third of building
    the index of a large history."""
    import gc

    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
