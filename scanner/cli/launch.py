"""The `leakstop` process entry point: the CLI, with the garbage collector kept out of start-up and exit.

Start-up (click and leakstop's modules) allocates objects that live until the process ends, which the
collector walks again and again during start-up and once more at exit, freeing almost nothing: the
hook's start-up is mostly that. gc.freeze() moves what exists to a generation that collections skip;
collection itself stays on, so a long history scan frees its cycles as before.

Only the process entry points (the console script, `python -m scanner`, installed git hooks) come here;
importing `scanner.cli.main` as a library changes nothing about the collector.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence


def main(args: Sequence[str] | None = None, prog_name: str | None = None) -> None:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        from scanner.cli.main import main as cli
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
    try:
        cli.main(args, prog_name=prog_name)
    finally:
        gc.freeze()  # the exit's collections then skip what the scan built too
