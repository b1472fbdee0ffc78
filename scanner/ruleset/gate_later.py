"""Compiling the rule gate in a process of its own, for the scans that come after this one.

A scan waits for the gate only past GATE_AFTER of large text (rule_set.py): below that, compiling it (4-5 s
for the built-in rules on two cores) costs more than it saves. So a machine whose scans all stayed under
it never had a gate, and every one of them paid the keyword prefilter's price: pip's tree (14 MB) took
1.7 s instead of 0.4 s, each time. A scan that read BUILD_LATER of large text without a gate now leaves
this module compiling one at low priority in a session of its own, as git leaves `gc --auto` running:
the scan ends when it would have, and the next one loads the gate from the cache.

The child is told the rule paths the scan loaded, the rule ids it kept and the gate's key; it loads those
rules from the rule cache and builds only if they make that key, so a rule file edited meanwhile never
stores a gate under another rule set's name. It runs in the folder this package is imported from, since
`-m` imports from the working folder first: in the scanned repository, or a shared LEAKSTOP_CACHE_DIR, a
planted `scanner/` would be run. It writes nothing but the gate's cache entry, and one build per gate runs
at a time (a `.building` marker, taken over after STALE_AFTER).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.ruleset.rules import Rule

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
"""The folder `scanner` is imported from, where the child starts (see above)."""
STALE_AFTER = 600.0
"""Seconds after which a `.building` marker is taken to be a child that died (killed, machine slept)."""


def start(rules: Sequence[Rule], keywords: Sequence[str], origin: Sequence[str]) -> bool:
    """Leave the gate of these rules compiling in a child process, unless one is stored, compiling, or
    cannot be built here; whether a child was started."""
    import subprocess

    from scanner.ruleset.gate import missing_gate

    key = missing_gate(rules, keywords) if origin else ""
    if not key or not _claim(_marker(key)):
        return False
    paths = [os.path.abspath(path) for path in origin]  # the child runs elsewhere
    request = json.dumps({"paths": paths, "ids": [rule.id for rule in rules], "key": key})
    try:
        child = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE, cwd=PACKAGE_ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        assert child.stdin is not None
        with child.stdin:
            child.stdin.write(request.encode())
    except OSError:
        _marker(key).unlink(missing_ok=True)
        return False
    return True


def build(request: dict[str, object]) -> bool:
    """The child's work: compile and store the gate the request names; whether it was built."""
    from scanner.ruleset.gate import compiled_gate
    from scanner.ruleset.rule_set import RuleReference

    key, paths, ids = request["key"], request["paths"], request["ids"]
    if not (isinstance(key, str) and isinstance(paths, list) and isinstance(ids, list)):
        return False
    try:
        # None when the rule files changed since the scan: that gate is not for these rules
        ruleset = RuleReference(tuple(map(str, paths)), tuple(map(str, ids)), key).ruleset()
        return ruleset is not None and compiled_gate(ruleset.rules, list(ruleset.by_keyword), build=True) is not None
    finally:
        _marker(key).unlink(missing_ok=True)


def _marker(key: str) -> Path:
    from scanner.ruleset.gate import gate_path

    return gate_path(key).with_suffix(".building")


def _claim(marker: Path) -> bool:
    """Create the marker, or take over one left by a child that died; False while another child builds."""
    for _ in range(2):
        try:
            marker.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600))
            return True
        except FileExistsError:
            with contextlib.suppress(OSError):
                if time.time() - marker.lstat().st_mtime > STALE_AFTER:
                    marker.unlink()
                    continue
            return False
        except OSError:
            return False  # an unwritable cache folder: nowhere to keep a gate either
    return False


def main() -> None:
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: no os.nice (Windows)
        os.nice(10)
    try:
        request = json.loads(sys.stdin.read())
    except ValueError:
        return
    if isinstance(request, dict):
        build(request)


if __name__ == "__main__":
    main()
