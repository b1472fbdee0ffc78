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
    a cold start compiled the rules was lost 1 time in 12. A dropped one is sent again to the main thread a
    millisecond later, as a signal that also wakes a wait, until it lands outside a finaliser."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or (
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield  # only the main thread handles signals; one that ignores Ctrl-C goes on ignoring it
        return
    again: list[threading.Timer] = []
    closing = False

    def handler(signum: int, frame: object) -> None:
        interrupts.append(signum)
        if not closing:  # one sent again as the command ends: it ends as interrupted already
            raise KeyboardInterrupt

    def unraisable(info: sys.UnraisableHookArgs) -> None:
        if not isinstance(info.exc_value, KeyboardInterrupt):
            hook(info)
        elif not closing:
            main = threading.main_thread().ident
            again.append(threading.Timer(0.001, signal.pthread_kill, (main, signal.SIGINT)))
            again[-1].daemon = True
            again[-1].start()

    previous, hook = signal.signal(signal.SIGINT, handler), sys.unraisablehook
    sys.unraisablehook = unraisable
    try:
        yield
    finally:
        closing = True
        for timer in again:
            timer.cancel()
            timer.join()
        signal.signal(signal.SIGINT, previous)  # runs the handler first for a Ctrl-C a timer sent again
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
