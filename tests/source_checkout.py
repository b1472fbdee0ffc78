"""Running the CLI from source in any folder: tests that `cd` into a temporary repository need the
checkout on PYTHONPATH, as an installed leakstop would be on sys.path."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from conftest import ROOT, Result, run_leakstop


def checkout_env() -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}


def run_leakstop_anywhere(*args: str | Path, env: dict[str, str] | None = None, **kw: Any) -> Result:
    return run_leakstop(*args, env={**checkout_env(), **(env or {})}, **kw)
