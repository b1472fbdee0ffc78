"""One place that maps outcomes to exit codes: 0 clean, 1 findings, 2 error, 130 interrupted.

Errors are one line on stderr; LEAKSTOP_DEBUG=1 shows the traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import click

from scanner.errors import ScannerError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


_TRACEBACKS: list[bool] = []
"""Set by `--log-level debug`: errors then show their traceback, as LEAKSTOP_DEBUG=1 makes them."""


def show_tracebacks() -> None:
    _TRACEBACKS.append(True)


def debug_enabled() -> bool:
    return bool(_TRACEBACKS) or os.environ.get("LEAKSTOP_DEBUG", "") not in ("", "0")


@contextlib.contextmanager
def error_handler() -> Iterator[None]:
    interrupts: list[int] = []
    try:
        # Ctrl-C is Python's own again before anything is printed: a late one raises here, not in a message
        with _interrupts_remembered(interrupts):
            yield
    except ScannerError as exc:
        fail(f"leakstop: error: {one_line(str(exc))}", exc)
    except KeyboardInterrupt:
        interrupted()
    except BrokenPipeError:
        # `leakstop scan | head`: the reader left; nothing more to say, and no traceback.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        sys.exit(EXIT_ERROR)
    except MemoryError as exc:
        fail("leakstop: error: out of memory; the scan is incomplete", exc)
    except (click.exceptions.Exit, click.exceptions.ClickException, click.exceptions.Abort, SystemExit):
        if interrupts:
            interrupted()
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence must catch everything
        fail(f"leakstop: internal error: {type(exc).__name__}: {one_line(str(exc))} "
             "(this is a bug; LEAKSTOP_DEBUG=1 shows the traceback)", exc)
    if interrupts:
        interrupted()


def interrupted() -> None:
    click.echo("leakstop: interrupted; the scan is incomplete", err=True)
    sys.exit(EXIT_INTERRUPTED)


@contextlib.contextmanager
def _interrupts_remembered(interrupts: list[int]) -> Iterator[None]:
    """Each Ctrl-C, remembered as well as raised. Raised inside a finaliser (a `__del__`, a generator's
    `finally` run as it is freed, a weakref callback), a KeyboardInterrupt is printed as "Exception ignored"
    and dropped, and the scan went on to its end: the `regex` parser's sets have a `__del__`, so a Ctrl-C while
    a cold start compiled the rules was lost 1 time in 12. A dropped one is owed: a thread sends it to the main
    thread again every millisecond, as a signal that also wakes a wait, until one is raised outside a
    finaliser. Not while the hook that notes the debt runs: raised there, it would be dropped too, and on a
    loaded machine a resending thread's start was slow enough for that to happen."""
    import _thread
    import signal
    import threading
    import time

    if threading.current_thread() is not threading.main_thread() or (
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield  # only the main thread handles signals; one that ignores Ctrl-C goes on ignoring it
        return
    main = threading.main_thread().ident
    assert main is not None
    lock = threading.Lock()
    state = {"closing": False, "owed": False, "resending": False, "in_hook": False}

    def handler(signum: int, frame: object) -> None:
        interrupts.append(signum)
        if state["closing"] or state["in_hook"]:  # ending already, or owed and sent again after the hook
            return
        state["owed"] = False
        raise KeyboardInterrupt

    def resend() -> None:
        while True:
            time.sleep(0.001)
            with lock:
                if state["closing"] or not state["owed"]:
                    state["resending"] = False
                    return
            signal.pthread_kill(main, signal.SIGINT)

    def unraisable(info: sys.UnraisableHookArgs) -> None:
        if not isinstance(info.exc_value, KeyboardInterrupt):
            hook(info)
            return
        state["in_hook"] = True
        try:
            with lock:
                if not state["closing"]:
                    state["owed"] = True
                    if not state["resending"]:
                        state["resending"] = True
                        _thread.start_new_thread(resend, ())  # returns at once: threading's start waits
        finally:
            state["in_hook"] = False

    previous, hook = signal.signal(signal.SIGINT, handler), sys.unraisablehook
    sys.unraisablehook = unraisable
    try:
        yield
    finally:
        with lock:
            state["closing"] = True
        while state["resending"]:  # its last signal, if any, reaches the handler, which now only notes it
            time.sleep(0.001)
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = hook


def one_line(message: str) -> str:
    from scanner.printable import visible

    return visible(" ".join(message.split())) or "unknown error"


def fail(message: str, exc: BaseException) -> None:
    if debug_enabled():
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__)
    click.echo(message, err=True)
    sys.exit(EXIT_ERROR)
