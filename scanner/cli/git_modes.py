"""The git modes of `scan`: their flags, and the source each one builds.

Kept apart from cli.py so the flags and their rules (which combine, which exclude each other) live in
one place; `cli.choose_source` calls `git_source` and stays the one place that picks a source.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from scanner.cli import Command


@dataclass(frozen=True)
class GitMode:
    """Which git scan the user asked for, and its arguments."""

    kind: str
    """`staged`, `pre-commit`, `history`, `since`, `range` or `pre-push`."""
    branch: str = ""
    since: str = ""
    range: str = ""
    remote: str = ""
    """With --pre-push: the remote pushed to (git hands it to the hook as its first argument)."""
    progress: bool = False


def git_options(fn: Command) -> Command:
    options = [
        click.option("--staged", is_flag=True, help="Scan what the next commit adds (the pre-commit hook)."),
        click.option("--pre-commit", is_flag=True, help="The pre-commit framework's hook: the staged changes "
                     "of the FILES it passes; a file with nothing staged (--all-files) is scanned whole."),
        click.option("--history", is_flag=True, help="Scan every commit reachable from every ref."),
        click.option("--branch", metavar="REF", help="With --history: only commits reachable from REF."),
        click.option("--since", metavar="REV", help="Scan the commits of HEAD that REV does not have."),
        click.option("--range", "rev_range", metavar="A..B", help="Scan the commits in B that are not in A."),
        click.option("--pre-push", is_flag=True,
                     help="Scan what a push sends (git's pre-push stdin, or PRE_COMMIT_FROM_REF/TO_REF)."),
        click.option("--remote", metavar="NAME", help="With --pre-push: the remote (or URL) pushed to; a new "
                     "branch is scanned for the commits that remote does not have."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def git_mode(flags: Mapping[str, object], progress: bool = False) -> GitMode | None:
    """The one git mode the flags ask for (None for a tree or stdin scan); combinations are errors."""
    from scanner.errors import SourceError

    chosen = [name for name, on in (("staged", flags.get("staged")), ("pre-commit", flags.get("pre_commit")),
                                    ("history", flags.get("history")),
                                    ("since", flags.get("since")), ("range", flags.get("rev_range")),
                                    ("pre-push", flags.get("pre_push"))) if on]
    if len(chosen) > 1:
        raise SourceError("choose one of " + ", ".join(f"--{c}" for c in chosen))
    if flags.get("branch") and chosen != ["history"]:
        raise SourceError("--branch narrows --history; use it with --history")
    if flags.get("remote") and chosen != ["pre-push"]:
        raise SourceError("--remote names the target of --pre-push; use it with --pre-push")
    if not chosen:
        return None
    return GitMode(kind=chosen[0], branch=str(flags.get("branch") or ""), since=str(flags.get("since") or ""),
                   range=str(flags.get("rev_range") or ""), remote=str(flags.get("remote") or ""),
                   progress=progress)


def git_source(mode: GitMode, paths: Sequence[Path], max_file_size: int,  # type: ignore[no-untyped-def]
               exclude: tuple[str, ...] = ()):
    """Build the source for a git mode; imports stay local so `--staged` loads only what it uses.

    `paths` is the repository (at most one), or for --pre-commit the files the framework passes (the
    repository is the current folder, where the framework runs its hooks). `exclude` (the configuration's
    path globs) applies to the repository's paths as it does to a tree."""
    from scanner.errors import SourceError

    if mode.kind == "pre-commit":
        from scanner.sources.staged import PreCommitSource

        return PreCommitSource(Path("."), paths, max_file_size, exclude)
    if len(paths) > 1 or list(paths) == [Path("-")]:
        raise SourceError(f"--{mode.kind} scans one repository: give at most one PATH, and no stdin")
    path = paths[0] if paths else Path(".")
    if mode.kind == "staged":
        from scanner.sources.staged import StagedSource

        return StagedSource(path, max_file_size, exclude)
    if mode.kind == "history":
        from scanner.sources.history import HistorySource

        return HistorySource(path, max_file_size, branch=mode.branch, progress=mode.progress, exclude=exclude)
    from scanner.sources.commits import CommitRangeSource, push_request

    if mode.kind == "since":
        return CommitRangeSource(path, max_file_size, [[f"{mode.since}..HEAD"]], f"commits since {mode.since}",
                                 exclude)
    if mode.kind == "range":
        if ".." not in mode.range:
            raise SourceError(f"--range {mode.range!r}: expected A..B (the commits in B that are not in A)")
        return CommitRangeSource(path, max_file_size, [[mode.range]], f"commits {mode.range}", exclude)
    lines = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    hook_vars = ("PRE_COMMIT_TO_REF", "PRE_COMMIT_LOCAL_BRANCH", "PRE_COMMIT_REMOTE_NAME")
    in_a_hook = mode.remote or any(os.environ.get(v) for v in hook_vars) or "GIT_EXEC_PATH" in os.environ
    if not lines.strip() and not in_a_hook:
        from scanner.errors import SourceError

        # git runs the hook with empty stdin when everything is up to date, sets GIT_EXEC_PATH for every
        # program it starts, and leakstop's own hook passes --remote: without any of them (nor the
        # pre-commit framework's variables) this is no hook, and a scan of nothing must not pass.
        raise SourceError("--pre-push: no refs on stdin and no PRE_COMMIT_FROM_REF/PRE_COMMIT_TO_REF; "
                          "nothing to scan (git's pre-push hook passes the refs being pushed)")
    push = push_request(lines, os.environ, mode.remote)
    return CommitRangeSource(path, max_file_size, [], "commits to push", exclude, push=push)
