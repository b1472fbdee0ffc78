"""What `leakstop audit TARGET...` audits: repositories, folders of repositories, git URLs, a targets file.

Every way of naming a repository ends as a `Target` with a stable name, each name once, in the order
given. Forge listings (`--github-org`, `--gitlab-group`) live in `forges.py` and are re-exported here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from scanner.audit.forges import list_github_org, list_gitlab_group
from scanner.audit.target import Target, TargetError, looks_like_url, redacted, remote_target, scp_like

__all__ = ["MAX_DEPTH", "MAX_LINE", "MAX_TARGETS", "Target", "TargetError", "expand_targets", "list_github_org",
           "list_gitlab_group"]

MAX_DEPTH = 3
"""How many folder levels below a given folder are searched for repositories (a checkout of checkouts,
`~/src/<org>/<repo>`, is two)."""
MAX_TARGETS = 100_000
"""More repositories than any organisation has: past this, a targets file or a folder walk is a mistake."""
MAX_LINE = 4096
"""The longest line a targets file may have (the longest URL git and the forges take is far shorter)."""
_MAX_FOLDERS = 200_000


def expand_targets(args: Sequence[str], targets_file: Path | None = None) -> list[Target]:
    """The repositories `args` and the lines of `targets_file` name, each name once (first wins).

    A path is a repository (work tree or bare) or a folder searched MAX_DEPTH levels down for them,
    without following symbolic links or entering git folders; anything else must be a git URL."""
    found: dict[str, Target] = {}
    for target in _all_targets(args, targets_file):
        found.setdefault(target.name, target)
        if len(found) > MAX_TARGETS:
            raise TargetError(f"more than {MAX_TARGETS:,} repositories to audit: split the audit")
    return list(found.values())


def _all_targets(args: Sequence[str], targets_file: Path | None) -> Iterator[Target]:
    for arg in args:
        yield from targets_of(arg)
    if targets_file is not None:
        for number, line in _target_lines(targets_file):
            try:
                yield from targets_of(line)
            except TargetError as exc:
                raise TargetError(f"{targets_file}:{number}: {exc}") from None


def targets_of(arg: str) -> Iterator[Target]:
    """The repositories one argument names: a URL, a repository, or a folder holding repositories."""
    if not arg:
        raise TargetError("an empty target: give a repository, a folder of repositories or a git URL")
    if looks_like_url(arg):
        yield remote_target(arg)
        return
    path = Path(arg)
    if path.is_dir():
        yield from _local_targets(path)
    elif scp_like(arg) and not path.exists():
        yield remote_target(arg)
    elif path.exists():
        raise TargetError(f"{redacted(arg)}: not a folder (a repository, a folder of repositories or a git URL)")
    else:
        raise TargetError(f"{redacted(arg)}: no such folder, and not a git URL")


def _local_targets(folder: Path) -> Iterator[Target]:
    root = folder.resolve()
    if is_repository(root):
        yield local_target(root)
        return
    count = 0
    for repo in _repositories_below(root):
        count += 1
        yield local_target(repo)
    if count == 0:
        raise TargetError(f"{redacted(str(folder))}: no git repository in it (searched {MAX_DEPTH} levels down)")


def local_target(path: Path) -> Target:
    return Target(str(path), str(path), False)


def is_repository(path: Path) -> bool:
    """A work tree (`.git` folder, or the `.git` file of a linked worktree or submodule) or a bare
    repository (HEAD, objects/ and refs/ side by side), judged from the files alone: a walk over
    thousands of folders cannot start a git process for each."""
    if os.path.lexists(path / ".git"):
        return True
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def _repositories_below(root: Path) -> Iterator[Path]:
    """Repositories under `root`, breadth first, in name order; a repository's own folders (its work
    tree, nested repositories and submodules included) are not searched further."""
    level = [root]
    visited = 0
    for _depth in range(MAX_DEPTH):
        below: list[Path] = []
        for folder in level:
            for sub in _subfolders(folder):
                visited += 1
                if visited > _MAX_FOLDERS:
                    raise TargetError(f"{redacted(str(root))}: more than {_MAX_FOLDERS:,} folders to search; "
                                      "name the repositories or a smaller folder")
                if is_repository(sub):
                    yield sub
                else:
                    below.append(sub)
        level = below


def _subfolders(folder: Path) -> list[Path]:
    """Real subfolders (no symbolic links, no git folders); an unreadable folder holds none."""
    try:
        with os.scandir(folder) as entries:
            names = sorted(e.name for e in entries if e.name != ".git" and e.is_dir(follow_symlinks=False))
    except OSError:
        return []
    return [folder / name for name in names]


def _target_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, target) for each line that is not blank or a `#` comment; lines are read at most
    MAX_LINE characters at a time, so a file of one endless line costs no memory."""
    try:
        with path.open(encoding="utf-8") as lines:
            number = given = 0
            while line := lines.readline(MAX_LINE + 2):
                number += 1
                if len(line.rstrip("\r\n")) > MAX_LINE:
                    raise TargetError(f"{path}:{number}: a line longer than {MAX_LINE} characters")
                text = line.strip()
                if text and not text.startswith("#"):
                    given += 1
                    if given > MAX_TARGETS:
                        raise TargetError(f"{path}: more than {MAX_TARGETS:,} targets: split the audit")
                    yield number, text
    except UnicodeDecodeError:
        raise TargetError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise TargetError(f"{path}: cannot read the targets file: {exc.strerror or exc}") from None
