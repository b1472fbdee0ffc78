"""Run the CLI without the powers that let root read any file, so permission tests mean something in CI
(which runs as root)."""

from __future__ import annotations

import os
import shutil

DROP_READ_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def unprivileged_prefix() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        raise RuntimeError("running as root without setpriv: cannot make a file unreadable")
    return DROP_READ_OVERRIDE
