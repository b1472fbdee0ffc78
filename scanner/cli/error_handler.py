"""One place that maps outcomes to exit codes: 0 clean, 1 findings, 2 error, 130 interrupted.

Errors are one line on stderr; LEAKSTOP_DEBUG=1 shows the traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from types import FrameType

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
    with _interrupts_remembered() as interrupts:
        try:
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
def _interrupts_remembered() -> Iterator[list[int]]:
    """Each Ctrl-C, remembered as well as raised. Raised inside a finaliser (a `__del__` the garbage
    collector ran), a KeyboardInterrupt is printed as "Exception ignored" and dropped, and the scan went on to
    its end: the `regex` parser's sets have one, so a Ctrl-C while a cold start compiled the rules was lost 1
    time in 12. One that finds the main thread in a finaliser is asked again a millisecond later, until it
    lands outside one; one dropped all the same is remembered, and the command ends as interrupted."""
    import _thread
    import signal
    import threading

    interrupts: list[int] = []
    if threading.current_thread() is not threading.main_thread() or (
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield interrupts  # only the main thread handles signals; one that ignores Ctrl-C goes on ignoring it
        return

    again: list[threading.Timer] = []
    closing: list[bool] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        interrupts.append(signum)
        if closing:
            return  # a Ctrl-C asked again as the command ends: it ends as interrupted already
        if _in_finaliser(frame):  # asked again from outside: asked from here, the handler runs within itself
            again.append(threading.Timer(0.001, _thread.interrupt_main))
            again[-1].daemon = True
            again[-1].start()
            return
        raise KeyboardInterrupt

    def unraisable(info: sys.UnraisableHookArgs) -> None:
        if not isinstance(info.exc_value, KeyboardInterrupt):
            hook(info)

    previous, hook = signal.signal(signal.SIGINT, handler), sys.unraisablehook
    sys.unraisablehook = unraisable
    try:
        yield interrupts
    finally:
        closing.append(True)
        for timer in again:
            timer.cancel()
            timer.join()
        signal.signal(signal.SIGINT, previous)  # runs the handler first for a Ctrl-C a timer asked again
        sys.unraisablehook = hook


def _in_finaliser(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


def one_line(message: str) -> str:
    from scanner.printable import visible

    return visible(" ".join(message.split())) or "unknown error"


def fail(message: str, exc: BaseException) -> None:
    if debug_enabled():
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__)
    click.echo(message, err=True)
    sys.exit(EXIT_ERROR)
