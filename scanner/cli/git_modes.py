"""The git modes of `scan`: their flags, and the source each one builds.

Kept apart from cli.py so the flags and their rules (which combine, which exclude each other) live in
one place; `cli.choose_source` calls `git_source` and stays the one place that picks a source.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scanner.cli import Command

if TYPE_CHECKING:
    from scanner.findings import Finding
    from scanner.report import Report


@dataclass(frozen=True)
class GitMode:
    """Which git scan the user asked for, and its arguments."""

    kind: str
    """`staged`, `pre-commit`, `history`, `since`, `range` or `pre-push`."""
    branch: str = ""
    since: str = ""
    """The revision `since` scans after (--since-commit, or the commit HEAD was at on --since's date);
    empty when HEAD's whole history is newer than the date."""
    since_date: str = ""
    """--since as given, until `settled_since` has told a date from a revision."""
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
        click.option("--since", metavar="DATE", help="Scan the commits HEAD gained after DATE, as git reads it "
                     "(`2024-01-01`, `\"2 weeks ago\"`). A revision still works here (deprecated: --since-commit)."),
        click.option("--since-commit", metavar="REV", help="Scan the commits of HEAD that REV does not have."),
        click.option("--range", "rev_range", metavar="A..B",
                     help="Scan the commits in B that are not in A. A...B (a pull request's range, as in "
                          "`git diff A...B`) is the same: the commits on B since its merge base with A, never "
                          "the commits A gained meanwhile."),
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
                                    ("since", flags.get("since")), ("since-commit", flags.get("since_commit")),
                                    ("range", flags.get("rev_range")),
                                    ("pre-push", flags.get("pre_push"))) if on]
    if len(chosen) > 1:
        raise SourceError("choose one of " + ", ".join(f"--{c}" for c in chosen))
    if flags.get("branch") and chosen != ["history"]:
        raise SourceError("--branch narrows --history; use it with --history")
    if flags.get("remote") and chosen != ["pre-push"]:
        raise SourceError("--remote names the target of --pre-push; use it with --pre-push")
    if not chosen:
        return None
    return GitMode(kind="since" if chosen[0] == "since-commit" else chosen[0], branch=str(flags.get("branch") or ""),
                   since=str(flags.get("since_commit") or ""), since_date=str(flags.get("since") or ""),
                   range=str(flags.get("rev_range") or ""), remote=str(flags.get("remote") or ""),
                   progress=progress)


_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_UNITS = r"(?:second|sec|minute|min|hour|day|week|month|year)s?"
_DATE_FORMS = (
    r"\d{4}-\d{1,2}-\d{1,2}(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?(?: ?(?:z|[+-]\d{2}:?\d{2}))?",  # ISO 8601
    r"\d{4}[./]\d{1,2}[./]\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{4}",
    rf"(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|last)[ .]*{_UNITS}(?:[ .]+ago)?",
    r"yesterday|today|now|noon|midnight|@\d+",
    rf"(?:\d{{1,2}}[ .]+)?(?:{_MONTHS})[a-z]*\.?(?:[ .,]+\d{{1,2}})?(?:[ .,]+\d{{4}})?",
)


def looks_like_date(text: str) -> bool:
    """Whether --since's value is one of the dates people give `git log --since` (git itself reads almost
    any text as some date, so its say cannot tell a date from a branch name)."""
    import re

    value = " ".join(text.lower().split())
    return any(re.fullmatch(form, value) for form in _DATE_FORMS)


def refuse_empty(mode: GitMode, path: Path) -> None:
    """--since and --range in a repository without commits: say it is empty, not that HEAD is unknown."""
    from scanner.errors import SourceError
    from scanner.git import runner as git

    if mode.kind in ("since", "range") and git.head_commit(git.repository(path)) is None:
        raise SourceError(f"{path} is an empty repository (no commits yet): no commits to scan")


def settled_since(mode: GitMode, path: Path) -> tuple[GitMode, str]:
    """--since told apart: a date becomes the commit HEAD's first-parent line was at on that date (its
    commits since then are scanned); a value that is no date but names a commit is the old `--since REV`,
    kept working with a deprecation note (returned, for stderr). A value that is both (a tag named
    `2024-01-01`) is a date, as in git; --since-commit names the revision."""
    from dataclasses import replace

    from scanner.errors import SourceError
    from scanner.git import runner as git

    if mode.kind != "since" or not mode.since_date:
        return mode, ""
    value = mode.since_date
    repo = git.repository(path)
    if looks_like_date(value):
        base = git.last_commit_before(repo, value)
        return replace(mode, since=base or "", since_date=value), ""
    if git.resolve_commit(repo, value) is not None:
        note = (f"--since {value}: a revision given to --since is deprecated; use --since-commit {value} "
                "(--since takes a date, as `git log --since` does)")
        return replace(mode, since=value, since_date=""), note
    raise SourceError(f"--since {value!r}: not a date (2024-01-01, \"2 weeks ago\", yesterday) nor a revision "
                      "of this repository")


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
        revs = [f"{mode.since}..HEAD"] if mode.since else ["HEAD"]
        return CommitRangeSource(path, max_file_size, [revs], f"commits since {mode.since_date or mode.since}",
                                 exclude)
    if mode.kind == "range":
        if ".." not in mode.range:
            raise SourceError(f"--range {mode.range!r}: expected A..B (the commits in B that are not in A)")
        return CommitRangeSource(path, max_file_size, [[since_merge_base(mode.range)]], f"commits {mode.range}",
                                 exclude)
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


def since_merge_base(rev_range: str) -> str:
    """`A...B` as a pull request means it: the commits on B since its merge base with A. That is `A..B`
    (every commit both reach lies below a merge base), while git log's `A...B`, the symmetric difference,
    would also scan what A gained and report the base branch's secrets against the change."""
    base, dots, tip = rev_range.partition("...")
    return f"{base}..{tip}" if dots and not tip.startswith(".") else rev_range


def commit_linker(path: Path) -> Callable[[Finding], Finding] | None:
    """What adds to a finding's git locations the link to their commit, when the repository's `origin` is on
    GitHub or GitLab; None otherwise. The URL's credentials never reach a link: `forge_for` keeps the host
    and path."""
    from dataclasses import replace

    from scanner.git import runner as git
    from scanner.git.forge import forge_for

    forge = forge_for(git.remote_url(git.repository(path)))
    if forge is None:
        return None

    def linked(finding: Finding) -> Finding:
        return replace(finding, locations=tuple(replace(loc, commit_url=forge.commit_url(loc.commit))
                                                if loc.commit else loc for loc in finding.locations))

    return linked


def with_commit_links(report: Report, linked: Callable[[Finding], Finding] | None) -> Report:
    from dataclasses import replace

    if linked is None:
        return report
    return replace(report, findings=[linked(f) for f in report.findings],
                   suppressed=[linked(f) for f in report.suppressed])
