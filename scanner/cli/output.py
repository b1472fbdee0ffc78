"""Where `scan` writes its report: stdout and/or files, each in its format, from one scan.

A file named `*.sarif`, `*.json`, `*.csv`, `*.xml` (JUnit), `*.html` or `*.txt` gets the format its name says (as
gitleaks infers it), so `-o report.sarif` is SARIF without `--format`; `-` and other names get `--format`.
Several `-o` render one scan several ways (the Action: annotations on stdout, SARIF and JSON files). The
targets are checked before the scan: a missing folder is an error in a second, not after an hour's audit.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from scanner.errors import SourceError
from scanner.findings import Finding
from scanner.report import Report
from scanner.reporters import RenderOptions, reporter_for

EXTENSION_FORMATS = {".sarif": "sarif", ".json": "json", ".jsonl": "jsonl", ".csv": "csv", ".xml": "junit",
                     ".txt": "text", ".html": "html", ".htm": "html"}
LOG_LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class Verbosity:
    """What goes to stderr, from `--log-level` (or `-q`/`-v` when it is not given)."""

    errors: bool = True
    warnings: bool = True
    summary: bool = True
    """The one-line summary, the progress bar and a hook's next steps."""
    verbose: bool = False
    """Every skipped file listed; with `debug`, tracebacks too."""

    @property
    def progress(self) -> bool:
        return self.summary

    @classmethod
    def of(cls, log_level: str | None, quiet: bool, verbose: bool) -> Verbosity:
        """An explicit `--log-level` wins over `-q` and `-v`; `-q` alone is `error` with errors unprinted too
        (as before: the exit code says it), `-v` alone is `info` with every skipped file listed."""
        if log_level is None:
            return cls(errors=not quiet, warnings=not quiet, summary=not quiet, verbose=verbose)
        level = LOG_LEVELS.index(log_level.lower())
        if level == 0:
            from scanner.cli.error_handler import show_tracebacks

            show_tracebacks()
        return cls(warnings=level <= 2, summary=level <= 1, verbose=verbose or level == 0)


@dataclass(frozen=True)
class ReportTarget:
    path: Path | None
    """None: stdout."""
    fmt: str


def report_targets(fmt: str | None, outputs: Sequence[str]) -> list[ReportTarget]:
    """One target per `-o` (stdout alone without any), each with its format; a file whose folder does
    not exist is an error now, before anything is scanned."""
    if not outputs:
        return [ReportTarget(None, fmt or "text")]
    targets = []
    for output in outputs:
        if output == "-":
            targets.append(ReportTarget(None, fmt or "text"))
            continue
        path = Path(output)
        folder = path.parent
        if not folder.is_dir():
            raise SourceError(f"{output}: cannot write the report there: folder {folder} does not exist")
        targets.append(ReportTarget(path, EXTENSION_FORMATS.get(path.suffix.lower()) or fmt or "text"))
    if fmt is not None and all(t.fmt != fmt for t in targets):
        # `-f sarif -o report.json` would otherwise write JSON without a word
        named = ", ".join(f"{t.path} is written as {t.fmt}" for t in targets)
        extension = next((ext for ext, known in EXTENSION_FORMATS.items() if known == fmt), "")
        instead = f"name the file *{extension}, or add -o - for stdout" if extension else "add -o - for stdout"
        says = "as its extension says" if len(targets) == 1 else "as their extensions say"
        raise SourceError(f"-f {fmt} reaches no output: {named}, {says} ({instead})")
    return targets


def use_color(color: str, fmt: str) -> bool:
    """`always` wins over NO_COLOR (a flag given now beats an environment set long ago, as no-color.org asks);
    `auto` colours a terminal unless NO_COLOR is set to anything."""
    if fmt != "text" or color == "never":
        return False
    return color == "always" or (not os.environ.get("NO_COLOR") and sys.stdout.isatty())


STREAMED = ReportTarget(None, "streamed")
"""Stands for stdout once `--format jsonl` has written the findings there as they came: nothing left to render."""


def streamed_target(targets: Sequence[ReportTarget], flags: Mapping[str, object],
                    linked: Callable[[Finding], Finding] | None = None) -> Callable[[Finding], None] | None:
    """With `--format jsonl` on stdout, a callback that writes each finding as its line when the scan makes
    it (flushed: a pipe reader sees it at once), with its commit's link (`linked`) where there is one.
    Verification changes findings after the scan, and a history finding's exposure (where it left its paths,
    the refs that reach it, for how long) needs every place of its secret, so with `--verify` or `--history`
    the lines are written at the end: the report's findings, each the object `--format json` lists."""
    from scanner.cli.verify import wants_verification

    if wants_verification(flags) or flags.get("history") or not any(t.path is None and t.fmt == "jsonl"
                                                                     for t in targets):
        return None
    from scanner.printable import printable
    from scanner.reporters.jsonl import finding_line

    def write(finding: Finding) -> None:
        sys.stdout.write(finding_line(printable(linked(finding) if linked else finding)))
        sys.stdout.flush()

    return write


def emit(report: Report, targets: Sequence[ReportTarget], *, quiet: bool, verbose: bool, color: str = "auto",
         private: bool = False, stderr: Verbosity | None = None) -> None:
    """Each target rendered from the one report (files owner-only when `private`: they hold secrets).
    Unless the text report is on the terminal, its errors, warnings and a one-line summary go to stderr,
    so a CI log says what happened whatever the format (in GitHub Actions, warnings as `::warning::`
    commands: the job log shows them where people look)."""
    from scanner.printable import printable, visible

    # escaped in JSON too: `jq -r` prints fields raw, and JSON leaves C1 and non-UTF-8 bytes as they are
    report = printable(report)
    stderr = stderr or Verbosity(errors=not quiet, warnings=not quiet, summary=not quiet, verbose=verbose)
    for target in targets:
        if target is STREAMED:
            continue
        to_stdout = target.path is None
        options = RenderOptions(color=to_stdout and use_color(color, target.fmt), verbose=verbose, quiet=quiet)
        rendered = reporter_for(target.fmt).render(report, options)
        if target.path is None:
            click.echo(rendered, nl=False, color=options.color or None)  # None: click strips styles off a pipe
        else:
            write_report(target.path, rendered, private)
    shown_on_stdout = {t.fmt for t in targets if t.path is None}
    if "text" in shown_on_stdout:
        return
    from scanner.reporters.text import summary_line

    for error in report.errors if stderr.errors else ():
        click.echo(f"leakstop: error: {visible(error)}", err=True)
    if stderr.warnings and "github" not in shown_on_stdout:  # the github format carries them as ::warning::
        in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
        for warning in report.warnings:
            shown = visible(warning)
            click.echo(f"::warning title=leakstop::{shown}" if in_actions else f"leakstop: warning: {shown}",
                       err=True)
    for skipped in report.skipped if stderr.verbose else ():
        if not skipped.error:
            click.echo(f"leakstop: skipped {visible(skipped.path)}: {visible(skipped.reason)}", err=True)
    if stderr.summary:
        click.echo(visible(summary_line(report)), err=True)


def write_report(path: Path, rendered: str, private: bool = False) -> None:
    """Write the report readable by its owner alone when it holds secrets, else as the umask allows; an
    existing file's looser mode is tightened too (opening it would keep the old mode)."""
    umask = os.umask(0o077)
    os.umask(umask)
    mode = 0o600 if private else 0o666 & ~umask
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with open(fd, "w", encoding="utf-8", errors="backslashreplace") as fh:
            os.fchmod(fd, mode)
            fh.write(rendered)
    except OSError as exc:
        raise SourceError(f"{path}: cannot write report: {exc.strerror}") from exc


HOOK_MODES = {"staged": ("leakstop", "git commit"), "pre-commit": ("leakstop", "git commit"),
              "pre-push": ("leakstop-push", "git push")}
"""The modes a git hook runs: what a blocked developer is told to do next (hook id, the git command)."""


def next_steps(kind: str, report: Report) -> str:
    """Under a hook's findings: the three ways forward and the bypass, so a blocked commit is not a dead
    end (and `--no-verify` is not the only thing people find)."""
    hook_id, command = HOOK_MODES[kind]
    where = "from the commits (git rebase -i, then push again)" if kind == "pre-push" else "and stage the file"
    fingerprint = report.findings[0].fingerprint
    return (
        "leakstop blocked this because of the secret(s) above. Ways forward:\n"
        f"  1. a real secret: remove it {where}, then rotate it (see each finding's fix:); it has been on disk\n"
        "  2. not a secret (a test value, an example): put `leakstop:allow` in a comment on its line\n"
        f"  3. a known secret to accept for now: leakstop ignore {fingerprint} --reason \"...\"\n"
        f"Bypass at your own risk (the secret goes along, and CI scans it again): SKIP={hook_id} {command} ... "
        f"with the pre-commit framework, {command} --no-verify otherwise.\n"
    )
