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
    try:
        yield
    except ScannerError as exc:
        fail(f"leakstop: error: {one_line(str(exc))}", exc)
    except KeyboardInterrupt:
        click.echo("leakstop: interrupted; the scan is incomplete", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        # `leakstop scan | head`: the reader left; nothing more to say, and no traceback.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        sys.exit(EXIT_ERROR)
    except MemoryError as exc:
        fail("leakstop: error: out of memory; the scan is incomplete", exc)
    except (click.exceptions.Exit, click.exceptions.ClickException, click.exceptions.Abort, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence must catch everything
        fail(f"leakstop: internal error: {type(exc).__name__}: {one_line(str(exc))} "
             "(this is a bug; LEAKSTOP_DEBUG=1 shows the traceback)", exc)


def one_line(message: str) -> str:
    from scanner.printable import visible

    return visible(" ".join(message.split())) or "unknown error"


def fail(message: str, exc: BaseException) -> None:
    if debug_enabled():
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__)
    click.echo(message, err=True)
    sys.exit(EXIT_ERROR)
