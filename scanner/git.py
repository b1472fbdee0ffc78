"""The only module that talks to git.

Every call: `-z` where paths are printed, `--no-ext-diff --no-color` where diffs are, and the GIT_*
variables that git exports to hooks removed (otherwise a pre-commit hook scanning another repository
would read the hook's index instead).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from scanner.errors import GitError

# Variables git sets for hooks that would redirect our calls to the wrong repository or index.
_HOOK_VARIABLES = ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "GIT_PREFIX", "GIT_OBJECT_DIRECTORY",
                   "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE")


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _HOOK_VARIABLES}
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["LC_ALL"] = "C"
    return env


def git_executable() -> str:
    exe = shutil.which("git")
    if exe is None:
        raise GitError("git is not installed or not on PATH")
    return exe


def run_git(cwd: Path, *args: str, check: bool = True) -> bytes:
    """Run git and return stdout; a failure becomes GitError with git's own first line of complaint."""
    proc = subprocess.run(
        [git_executable(), *args], cwd=cwd, env=git_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed in {cwd}: {message[0] if message else f'exit {proc.returncode}'}")
    return proc.stdout


def work_tree_root(path: Path) -> Path | None:
    """The top of the git work tree containing `path`, or None outside git (or without git)."""
    if shutil.which("git") is None:
        return None
    folder = path if path.is_dir() else path.parent
    proc = subprocess.run(
        [git_executable(), "rev-parse", "--show-toplevel"], cwd=folder, env=git_env(),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        return None
    return Path(os.fsdecode(proc.stdout.rstrip(b"\n")))


def tracked_and_untracked_files(root: Path, below: Path) -> list[str]:
    """Files git would commit under `below`: tracked plus untracked-but-not-ignored, relative to `root`.

    `.gitignore` is honoured this way without reimplementing its rules.
    """
    rel = os.path.relpath(below, root)
    out = run_git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", rel)
    return sorted({os.fsdecode(p) for p in out.split(b"\0") if p})
