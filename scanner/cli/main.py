"""The `leakstop` command: parse flags, build a ScanRequest, call scan(), pick a reporter, set the exit code.

Each command group lives in its own `cli_*.py` module and is registered in LazyGroup.LAZY.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from scanner import __version__
from scanner.cli.config import scan_config_options
from scanner.cli.error_handler import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, error_handler
from scanner.cli.git_modes import GitMode, git_mode, git_options, git_source
from scanner.cli.verify import verify_options
from scanner.report import Report
from scanner.reporters import FORMATS


class ByteSize(click.ParamType):
    """`5MB`, `512k`, `1048576`: the sizes people type (checked as a config's sizes are)."""

    name = "size"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from scanner.value_checks import BadValue, byte_size

        try:
            return byte_size(value)
        except BadValue as exc:
            self.fail(str(exc), param, ctx)


class LazyGroup(click.Group):
    """Command groups imported only when named: `leakstop scan --staged` runs on every commit and must not
    pay for `baseline`'s or `config`'s imports (~60 ms measured)."""

    # command name → "module:attribute"; registering a command group is one line here.
    LAZY = {
        "rules": "scanner.cli.rules:rules",
        "config": "scanner.cli.config:config",
        "baseline": "scanner.cli.baseline:baseline",
        "ignore": "scanner.cli.ignore:ignore",
        "hook": "scanner.cli.hook:hook",
        "selftest": "scanner.cli.hook:selftest",
        "audit": "scanner.cli.audit:audit",
        "triage": "scanner.cli.audit:triage",
        "findings": "scanner.cli.audit:findings",
        "report": "scanner.cli.audit:report",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY and name not in self.commands:
            import importlib

            module, _, attribute = self.LAZY[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="leakstop")
def main() -> None:
    """leakstop: find leaked secrets in staged changes, git history and file trees."""


def output_options(fn):  # type: ignore[no-untyped-def]
    """The flags every scanning command shares (scan, and later baseline/selftest)."""
    options = [
        click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default=None,
                     help="Report format (default: text)."),
        click.option("-o", "--output", "outputs", multiple=True, type=click.Path(dir_okay=False, allow_dash=True),
                     help="Write the report to FILE (repeatable; `-`: stdout); *.sarif, *.json, *.csv, *.xml, "
                          "*.html and *.txt get that format. A one-line summary still goes to the terminal."),
        click.option("--show-secrets", is_flag=True, help="Print secrets in full (default: redacted)."),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even when secrets are found."),
        click.option("-q", "--quiet", is_flag=True, help="No summary and no progress on stderr."),
        click.option("-v", "--verbose", is_flag=True, help="List every skipped file and why."),
        click.option("--no-color", is_flag=True, help="Plain output (also: NO_COLOR=1)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def rule_options(fn):  # type: ignore[no-untyped-def]
    fn = click.option("--rules-path", "rules_paths", multiple=True, type=click.Path(path_type=Path),
                      help="Extra rule file or folder (repeatable); built-in rules stay active.")(fn)
    fn = click.option("--no-builtin-rules", is_flag=True,
                      help="Use only the rules from --rules-path.")(fn)
    return fn


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--stdin", "use_stdin", is_flag=True, help="Scan standard input (same as the path `-`).")
@click.option("--no-git", is_flag=True, help="Walk folders plainly instead of listing them with git.")
@git_options
@click.option("--max-file-size", type=ByteSize(), default="10MB", show_default=True,
              help="Skip larger files (without reading them).")
@click.option("--no-group", is_flag=True, help="One finding per occurrence instead of one per secret.")
@click.option("--show-suppressed", is_flag=True, help="Also list findings that were suppressed, and why.")
@click.option("--rule-timeout", type=click.FloatRange(min=0.01), default=5.0, show_default=True,
              help="Seconds one rule may spend on one file before it is stopped and reported.")
@click.option("--max-decode-depth", type=click.IntRange(min=0), default=2, show_default=True,
              help="Decode base64/hex/percent-encoded text this many levels deep and scan it (0: off).")
@click.option("--trust-range-config", is_flag=True,
              help="With --range/--since/--pre-push: apply the configuration, ignore file, baseline and allow "
                   "comments as the change leaves them (default: as the base revision has them).")
@rule_options
@output_options
@scan_config_options
@verify_options
def scan(paths: tuple[Path, ...], use_stdin: bool, no_git: bool, max_file_size: int, no_group: bool,
         show_suppressed: bool, rule_timeout: float, rules_paths: tuple[Path, ...], no_builtin_rules: bool,
         fmt: str | None, outputs: tuple[str, ...], show_secrets: bool, exit_zero: bool, quiet: bool, verbose: bool,
         no_color: bool, max_decode_depth: int, trust_range_config: bool, **config_flags: object) -> None:
    """Scan files and folders (default: the current folder), or stdin with `-`.

    With --staged, --history, --since, --range or --pre-push, PATH is the git repository (default `.`);
    with --pre-commit, PATHS are the files the pre-commit framework passes."""
    with error_handler():
        from scanner.cli.config import scan_flags
        from scanner.cli.output import HOOK_MODES, emit, next_steps, report_targets
        from scanner.cli.scan_setup import setup_scan
        from scanner.cli.verify import validate_flags, verified, verify_exit_code
        from scanner.scan import ScanRequest
        from scanner.scan import scan as run_scan

        validate_flags(config_flags)
        targets = report_targets(fmt, outputs)
        flags = scan_flags(click.get_current_context(), config_flags)
        setup = setup_scan(paths, flags)
        # config_flags also holds the git-mode flags (each options group reads its own keys)
        mode = git_mode(config_flags, progress=not quiet and sys.stderr.isatty())
        judged = mode is not None and mode.kind in ("range", "since", "pre-push") and not trust_range_config
        if judged:
            from scanner.cli.range_trust import judged_setup

            assert mode is not None
            setup, range_warnings = judged_setup(setup, flags, paths[0] if paths else Path("."), mode.kind,
                                                 mode.since, mode.range)
        source = choose_source(paths, use_stdin, no_git, setup.max_file_size, exclude=setup.exclude, mode=mode)
        request = ScanRequest(
            source=source, ruleset=setup.ruleset,
            show_secrets=show_secrets, group=not no_group, rule_timeout=rule_timeout,
            keep_suppressed=show_suppressed, suppressors=setup.suppressors, max_decode_depth=max_decode_depth,
        )
        report = setup.finish(run_scan(request))
        report.stats.config = str(setup.config.path or "")
        if judged:
            from dataclasses import replace

            from scanner.cli.range_trust import inline_warnings

            report = replace(report, warnings=[*report.warnings, *range_warnings, *inline_warnings(setup)])
        report = verified(report, {r.source for r in setup.ruleset.rules}, config_flags)
        emit(report, targets, quiet=quiet, verbose=verbose, no_color=no_color,
             private=show_secrets and bool(report.findings or report.suppressed))
        if mode is not None and mode.kind in HOOK_MODES and report.findings and not quiet and not exit_zero:
            click.echo(next_steps(mode.kind, report), err=True)
        sys.exit(verify_exit_code(report, exit_code(report, exit_zero), config_flags))


def choose_source(paths: Sequence[Path], use_stdin: bool, no_git: bool, max_file_size: int,  # type: ignore[no-untyped-def]
                  exclude: tuple[str, ...] = (), mode: GitMode | None = None):
    from scanner.errors import SourceError

    if mode is not None:
        if use_stdin:
            raise SourceError(f"--{mode.kind} scans git, not stdin")
        return git_source(mode, paths, max_file_size, exclude)
    if use_stdin or list(paths) == [Path("-")]:
        if paths and list(paths) != [Path("-")]:
            raise SourceError("give either paths or stdin (`-`), not both")
        from scanner.sources.stdin import StdinSource

        return StdinSource(max_size=max_file_size)
    from scanner.sources.files import FilesSource

    return FilesSource(list(paths) or [Path(".")], use_git=not no_git, max_file_size=max_file_size, exclude=exclude)


def exit_code(report: Report, exit_zero: bool) -> int:
    """Errors win over findings: a scan that could not read everything must not look like a verdict."""
    if not report.complete:
        return EXIT_ERROR
    if report.findings and not exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN
