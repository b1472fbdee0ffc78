"""The command line: every click command, the flags → request translation, and the process entry point.

Public names: `main.main` (the `leakstop` click group and its `scan` command), `launch.main` (the console
script and `python -m scanner`), `scan_setup.setup_scan` (flags and configuration → rules, request and
suppressors), `error_handler.error_handler` (errors → one line and exit 2, ^C → 130), `output` (where the
report goes), `verify` (`--verify`'s flags). Each other command
group (`baseline`, `config`, `hook`, `ignore`, `rules`, `selftest`) is its own module, imported only when named.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

Command = TypeVar("Command", bound=Callable[..., Any])
"""A command's function, as the option decorators shared by several commands take and return it."""
