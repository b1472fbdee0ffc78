"""Write leakstop's own git hooks, for teams that do not use the pre-commit framework.

The hook runs leakstop with the very interpreter that installed it (an absolute path), so it works from
GUI git clients and shells whose PATH does not hold leakstop, and keeps working in a virtualenv that is
not activated.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import scanner
from scanner.errors import ConfigError

HOOK_MARKER = "leakstop-hook:"
HOOK_ARGS = {"pre-commit": ("scan", "--staged"), "pre-push": ("scan", "--pre-push")}

# The package folder goes first on sys.path so a checkout run from source works, and so a `scanner`
# package inside the repository being committed to can never be imported instead of ours.
LAUNCHER = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
            "from scanner.cli.launch import main; main(prog_name=\"leakstop\")")


@dataclass(frozen=True)
class InstalledHook:
    path: Path
    action: str
    """`installed`, `updated` (it was ours already) or `replaced` (a foreign hook moved aside)."""
    backup: Path | None = None


def hook_script(hook: str) -> str:
    package_parent = str(Path(scanner.__file__).resolve().parent.parent)
    command = [sys.executable, "-c", LAUNCHER, package_parent, *HOOK_ARGS[hook]]
    # git hands pre-push the remote's name and URL as arguments: the name says which remote-tracking refs
    # the target already has (the refs arrive on stdin, which exec keeps); neither is a path to scan.
    remote = ' --remote "$1"' if hook == "pre-push" else ""
    return (
        "#!/bin/sh\n"
        f"# {HOOK_MARKER} {hook} (written by `leakstop hook install`; delete this file to remove it)\n"
        f"exec {shlex.join(command)}{remote}\n"
    )


def is_ours(path: Path) -> bool:
    try:
        return HOOK_MARKER in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def install_hook(hooks: Path, hook: str, force: bool) -> InstalledHook:
    """Idempotent on our own hook; a foreign hook is kept unless `force`, and then moved aside, not lost."""
    target = hooks / hook
    action, backup = "installed", None
    if target.exists() or target.is_symlink():
        if is_ours(target):
            action = "updated"
        elif not force:
            raise ConfigError(f"{target} exists and is not leakstop's hook; rerun with --force to replace it "
                              f"(the old hook is kept as {target.name}.pre-leakstop)")
        else:
            backup = target.with_name(f"{hook}.pre-leakstop")
            os.replace(target, backup)
            action = "replaced"
    hooks.mkdir(parents=True, exist_ok=True)
    target.write_text(hook_script(hook), encoding="utf-8")
    target.chmod(0o755)
    return InstalledHook(target, action, backup)
