"""The `leakstop` command: parse flags, build a ScanRequest, call scan(), pick a reporter, set the exit code.

Each command group lives in its own `cli_*.py` module and is registered in LazyGroup.LAZY.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from scanner import __version__
from scanner.cli import Command
from scanner.cli.config import scan_config_options
from scanner.cli.error_handler import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, EXIT_INTERRUPTED, error_handler
from scanner.cli.git_modes import GitMode, git_mode, git_options, git_source, with_commit_links
from scanner.cli.groups import CommandGroup
from scanner.cli.output import LOG_LEVELS
from scanner.cli.verify import verify_options
from scanner.report import Report
from scanner.reporters import FORMATS

if TYPE_CHECKING:
    from scanner.engine.scan_cache import ScanCache


class ByteSize(click.ParamType):  # type: ignore[type-arg, unused-ignore]  # generic in newer click
    """`5MB`, `512k`, `1048576`: the sizes people type (checked as a config's sizes are)."""

    name = "size"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from scanner.value_checks import BadValue, byte_size

        try:
            return byte_size(value)
        except BadValue as exc:
            self.fail(str(exc), param, ctx)


class LazyGroup(CommandGroup):
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

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True, **extra: object) -> object:
        """Click's own errors (a misspelt flag, a bad value) in leakstop's one error style: one
        `leakstop: error: ...` line, then where to look, exit 2."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            usage_error(exc)
        except click.ClickException as exc:
            from scanner.cli.error_handler import one_line

            click.echo(f"leakstop: error: {one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("leakstop: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(result if isinstance(result, int) else EXIT_CLEAN)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY and name not in self.commands:
            import importlib

            module, _, attribute = self.LAZY[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)


def usage_error(exc: click.UsageError) -> None:
    from scanner.cli.error_handler import one_line

    if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:  # bare `leakstop` (click >= 8.2)
        click.echo(exc.ctx.get_help(), err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"leakstop: error: {one_line(exc.format_message())}", err=True)
    if exc.ctx is not None:
        click.echo(f"Try '{exc.ctx.command_path} --help' for help.", err=True)
    sys.exit(EXIT_ERROR)


HELP_WIDTH = 100
"""Help uses up to this many columns of a wider terminal (click stops at 80)."""


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"],
                                              "max_content_width": HELP_WIDTH})
@click.version_option(__version__, "-V", "--version", prog_name="leakstop")
def main() -> None:
    """leakstop: find leaked secrets in staged changes, git history and file trees."""


class RedactPercent(click.ParamType):  # type: ignore[type-arg, unused-ignore]  # generic in newer click
    """`--redact` alone: the default redaction; `--redact=N`: N% of each secret shown (0-50: never the whole
    secret; --show-secrets is the one flag that prints secrets)."""

    name = "N"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int | None:
        if value is None or value == DEFAULT_REDACTION or isinstance(value, int):
            return value if isinstance(value, int) else None
        text = str(value)
        if not text.isdigit() or int(text) > MAX_SHOWN_PERCENT:
            self.fail(f"{text!r}: give the percentage of each secret shown as --redact=N, N from 0 to "
                      f"{MAX_SHOWN_PERCENT} (--show-secrets prints secrets whole)", param, ctx)
        return int(text)


DEFAULT_REDACTION = "default"
MAX_SHOWN_PERCENT = 50


def output_options(fn: Command) -> Command:
    """The flags every scanning command shares (scan, and later baseline/selftest)."""
    options = [
        click.option("-f", "--format", "fmt", type=click.Choice(sorted(FORMATS)), default=None,
                     help="Report format (default: text); jsonl: one JSON finding per line, written as found."),
        click.option("-o", "--output", "outputs", multiple=True, type=click.Path(dir_okay=False, allow_dash=True),
                     help="Write the report to FILE (repeatable; `-`: stdout); *.sarif, *.json, *.jsonl, *.csv, "
                          "*.xml, *.html and *.txt get that format. A one-line summary still goes to the terminal."),
        click.option("--show-secrets", is_flag=True, help="Print secrets in full (default: redacted)."),
        click.option("--redact", "redact_percent", type=RedactPercent(), is_flag=False,
                     flag_value=DEFAULT_REDACTION, default=None,
                     help="Redact secrets (the default); --redact=N shows N% of each secret (0-50)."),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even when secrets are found."),
        click.option("-q", "--quiet", is_flag=True,
                     help="Nothing on stderr but an error that stops the scan (no summary, progress or warnings)."),
        click.option("-v", "--verbose", is_flag=True, help="List every skipped file and why."),
        click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False), default=None,
                     help="What goes to stderr: error (errors only), warning (and warnings), info (and the "
                          "summary and progress; the default), debug (and every skipped file, and tracebacks)."),
        click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
                     show_default=True, help="Colour the text report: auto (a terminal, unless NO_COLOR is set)."),
        click.option("--no-color", is_flag=True, hidden=True, help="Same as --color never."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def rule_options(fn: Command) -> Command:
    fn = click.option("--rules-path", "rules_paths", multiple=True, type=click.Path(path_type=Path),
                      help="Extra rule file or folder (repeatable); built-in rules stay active.")(fn)
    fn = click.option("--no-builtin-rules", is_flag=True,
                      help="Use only the rules from --rules-path.")(fn)
    fn = click.option("--enable-rule", "enable_rules", multiple=True, metavar="ID",
                      help="Only the rules named: an id, an id glob (`generic-*`) or a provider (repeatable).")(fn)
    fn = click.option("--disable-rule", "disable_rules", multiple=True, metavar="ID",
                      help="Not the rules named: an id, an id glob or a provider (repeatable; adds to the "
                           "configuration's `disable`).")(fn)
    return fn


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--stdin", "use_stdin", is_flag=True, help="Scan standard input (same as the path `-`).")
@click.option("--no-git", is_flag=True, help="Walk folders plainly instead of listing them with git.")
@click.option("--exclude", "exclude_globs", multiple=True, metavar="GLOB",
              help="Skip paths matching this gitignore-style glob (repeatable; adds to the configuration's "
                   "`exclude`).")
@git_options
@click.option("--max-file-size", type=ByteSize(), default="10MiB", show_default=True,
              help="Skip larger files (without reading them).")
@click.option("--no-group", is_flag=True, help="One finding per occurrence instead of one per secret.")
@click.option("--show-suppressed", is_flag=True, help="Also list findings that were suppressed, and why.")
@click.option("--rule-timeout", type=click.FloatRange(min=0.01), default=5.0, show_default=True,
              help="Seconds one rule may spend on one file before it is stopped and reported.")
@click.option("--max-decode-depth", type=click.IntRange(min=0), default=2, show_default=True,
              help="Decode base64/hex/percent-encoded text this many levels deep and scan it (0: off).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where --history keeps its scan cache (default: the user's cache folder, or "
                   "LEAKSTOP_CACHE_DIR).")
@click.option("--no-cache", is_flag=True, help="With --history: neither read nor write the scan cache.")
@click.option("--max-archive-depth", type=click.IntRange(min=0), default=2, show_default=True,
              help="Open archives inside archives this many levels deep (a jar in a zip: 2; 0: archives are "
                   "not opened).")
@click.option("--trust-range-config", is_flag=True,
              help="With --range/--since/--pre-push: apply the configuration, ignore file, baseline and allow "
                   "comments as the change leaves them (default: as the base revision has them).")
@click.option("--allow-partial", is_flag=True,
              help="In hook and CI modes, accept a scan that a limit (file size, decoding, archives) left partial "
                   "(default there: exit 2); it is always listed as a warning.")
@rule_options
@output_options
@scan_config_options
@verify_options
def scan(paths: tuple[Path, ...], use_stdin: bool, no_git: bool, max_file_size: int, no_group: bool,
         show_suppressed: bool, rule_timeout: float, rules_paths: tuple[Path, ...], no_builtin_rules: bool,
         fmt: str | None, outputs: tuple[str, ...], show_secrets: bool, exit_zero: bool, quiet: bool, verbose: bool,
         no_color: bool, max_decode_depth: int, max_archive_depth: int,
         trust_range_config: bool, allow_partial: bool, exclude_globs: tuple[str, ...],
         enable_rules: tuple[str, ...], disable_rules: tuple[str, ...], redact_percent: int | None,
         log_level: str | None, color: str, cache_dir: Path | None, no_cache: bool, **config_flags: object) -> None:
    """Scan files and folders (default: the current folder), or stdin with `-`.

    With --staged, --history, --since, --range or --pre-push, PATH is the git repository (default `.`);
    with --pre-commit, PATHS are the files the pre-commit framework passes."""
    with error_handler():
        from scanner.cli.config import scan_flags
        from scanner.cli.output import (
            HOOK_MODES,
            STREAMED,
            Verbosity,
            emit,
            next_steps,
            report_targets,
            streamed_target,
        )
        from scanner.cli.scan_setup import setup_scan
        from scanner.cli.verify import validate_flags, verified, verify_exit_code
        from scanner.errors import SourceError
        from scanner.scan import ScanRequest
        from scanner.scan import scan as run_scan

        stderr = Verbosity.of(log_level, quiet, verbose)
        validate_flags(config_flags)
        refuse_remote_urls(paths)
        redact_given = click.get_current_context().get_parameter_source("redact_percent") == ParameterSource.COMMANDLINE
        if show_secrets and redact_given:
            raise SourceError("choose one of --show-secrets, --redact")
        targets = report_targets(fmt, outputs)
        flags = scan_flags(click.get_current_context(), config_flags)
        setup = setup_scan(paths, flags)
        # config_flags also holds the git-mode flags (each options group reads its own keys)
        mode = git_mode(config_flags, progress=stderr.progress and sys.stderr.isatty())
        if mode is not None and mode.kind in ("since", "range"):
            from scanner.cli.git_modes import refuse_empty, settled_since

            refuse_empty(mode, paths[0] if paths else Path("."))
            mode, note = settled_since(mode, paths[0] if paths else Path("."))
            if note and stderr.warnings:
                click.echo(f"leakstop: warning: {note}", err=True)
        judged = mode is not None and mode.kind in ("range", "since", "pre-push") and not trust_range_config
        if judged:
            from scanner.cli.range_trust import judged_setup

            assert mode is not None
            setup, range_warnings = judged_setup(setup, flags, paths[0] if paths else Path("."), mode.kind,
                                                 mode.since, mode.range)
        cache = scan_cache(cache_dir, no_cache, mode)
        source = choose_source(paths, use_stdin, no_git, setup.max_file_size, exclude=setup.exclude, mode=mode)
        source.archive_depth = max_archive_depth
        linked = None
        if mode is not None and mode.kind not in ("staged", "pre-commit"):
            from scanner.cli.git_modes import commit_linker

            linked = commit_linker(paths[0] if paths else Path("."))
        stream = streamed_target(targets, config_flags, linked)
        request = ScanRequest(
            source=source, ruleset=setup.ruleset,
            show_secrets=show_secrets, group=not no_group, rule_timeout=rule_timeout,
            keep_suppressed=show_suppressed, suppressors=setup.suppressors, max_decode_depth=max_decode_depth,
            redact_percent=redact_percent, on_finding=stream, cache=cache,
        )
        try:
            report = setup.finish(run_scan(request))
        finally:
            if cache is not None:
                cache.close()
        if stream is not None:
            targets = [t for t in targets if not (t.path is None and t.fmt == "jsonl")] or [STREAMED]
        report.stats.config = str(setup.config.path or "")
        if judged:
            from dataclasses import replace

            from scanner.cli.range_trust import inline_warnings

            report = replace(report, warnings=[*report.warnings, *range_warnings, *inline_warnings(setup)])
        if report.partial or setup.config.silencing:
            from scanner.cli.fail_closed import fail_closed

            report = fail_closed(report, mode.kind if mode else None, allow_partial, setup.config.silencing)
        report = verified(report, {r.source for r in setup.ruleset.rules}, config_flags)
        report = with_commit_links(report, linked)
        emit(report, targets, quiet=quiet, verbose=stderr.verbose, color="never" if no_color else color,
             private=show_secrets and bool(report.findings or report.suppressed), stderr=stderr)
        if mode is not None and mode.kind in HOOK_MODES and report.findings and stderr.summary and not exit_zero:
            click.echo(next_steps(mode.kind, report), err=True)
        sys.exit(verify_exit_code(report, exit_code(report, exit_zero), config_flags))


def scan_cache(folder: Path | None, no_cache: bool, mode: GitMode | None) -> ScanCache | None:
    """The scan cache for a history scan (the other modes read little twice: a staged diff, a range)."""
    if no_cache or mode is None or mode.kind != "history":
        return None
    from scanner.engine.scan_cache import ScanCache
    from scanner.ruleset.cache import cache_dir

    return ScanCache(folder if folder is not None else cache_dir())


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


_REMOTE_PREFIXES = ("https://", "http://", "ssh://", "git://", "git+ssh://", "file://")


def refuse_remote_urls(paths: Sequence[Path]) -> None:
    """A URL given to `scan` is a remote repository, not a missing file: say which command scans those.
    (Path() folds `https://host` to `https:/host`, so the scheme is looked for with one slash.)"""
    import re

    from scanner.errors import SourceError

    schemes = tuple(p.replace("//", "/") for p in _REMOTE_PREFIXES)
    for path in paths:
        text = str(path)
        remote = re.match(r"^[\w.-]+@[\w.-]+:", text) is not None or text.lower().startswith(schemes)
        if remote and not path.exists():
            # The URL is not echoed: it may carry a token (https://user:TOKEN@host/...).
            raise SourceError("a path given is a URL: scan reads local files and "
                              "repositories; remote repositories are scanned with `leakstop audit URL`")
