"""`leakstop baseline create|update|import`: adopt leakstop on a repository with a past."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scanner.cli import Command
from scanner.cli.config import config_option
from scanner.cli.error_handler import error_handler
from scanner.cli.groups import CommandGroup
from scanner.report import Report
from scanner.suppress import BASELINE_FILE

if TYPE_CHECKING:
    from scanner.cli.scan_setup import ScanSetup
    from scanner.config import Config


@click.group(cls=CommandGroup)
def baseline() -> None:
    """Record the secrets already in a repository so that scans report only new ones."""


def baseline_setup(paths: tuple[Path, ...], config_file: Path | None) -> ScanSetup:
    """What a plain `scan` of `paths` would use, less any baseline (the one being written)."""
    from scanner.cli.scan_setup import ScanFlags, setup_scan

    return setup_scan(paths, ScanFlags(config=config_file), baseline=False)


def scan_for_baseline(paths: tuple[Path, ...], history: bool, setup: ScanSetup) -> Report:
    """The findings a plain `scan` (same configuration, ignores and inline comments) would report.

    An incomplete scan is an error: a baseline from half a repository would look like a clean bill."""
    from scanner.errors import SourceError
    from scanner.scan import ScanRequest, scan

    source = history_source(paths, setup.max_file_size) if history else None
    if source is None:
        from scanner.cli.main import choose_source

        source = choose_source(paths, False, False, setup.max_file_size, exclude=setup.exclude)
    report = scan(ScanRequest(source=source, ruleset=setup.ruleset, suppressors=setup.suppressors,
                              max_findings_per_rule=0))
    if not report.complete:
        raise SourceError(f"the scan was incomplete ({report.errors[0]}); no baseline written")
    return report


def history_source(paths: tuple[Path, ...], max_file_size: int):  # type: ignore[no-untyped-def]
    """Every commit, through the same source-choosing function `scan --history` uses."""
    from scanner.cli.git_modes import GitMode
    from scanner.cli.main import choose_source

    return choose_source(paths, False, False, max_file_size, mode=GitMode(kind="history"))


def finding_entries(report: Report) -> set[str]:
    return {f.fingerprint for f in report.findings}


def baseline_file_options(default: str) -> Callable[[Command], Command]:
    """`-b/--baseline FILE` on every baseline command, as on `scan`, its help naming `default`; `-o/--output`
    (what `create` and `import` said before) still works, unlisted."""

    def add(fn: Command) -> Command:
        fn = click.option("-o", "--output", "old_output", type=click.Path(dir_okay=False, path_type=Path),
                          hidden=True)(fn)
        return click.option("-b", "--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path),
                            default=None, help=f"The baseline file (default: {default}).")(fn)
    return add


CONFIGURED_OR_DEFAULT = f"the configuration's `baseline:`, else {BASELINE_FILE}"


def given_file(baseline_file: Path | None, old_output: Path | None) -> Path | None:
    if baseline_file is not None and old_output is not None and baseline_file != old_output:
        raise click.UsageError("-b/--baseline and -o/--output name the same file; give one")
    return baseline_file or old_output


def chosen_file(given: Path | None, config: Config | None = None) -> Path:
    """The file given on the command line, else the one the configuration names (as `scan` reads it)."""
    configured = config.baseline if config is not None else None
    return given or configured or Path(BASELINE_FILE)


@baseline.command("create")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--history", is_flag=True, help="Record every secret in the git history, not just the tree.")
@baseline_file_options(CONFIGURED_OR_DEFAULT)
@config_option
def create(paths: tuple[Path, ...], history: bool, baseline_file: Path | None, old_output: Path | None,
           config_file: Path | None) -> None:
    """Scan, and record every finding's fingerprint (no secrets, no line numbers, no dates)."""
    given = given_file(baseline_file, old_output)
    with error_handler():
        from scanner.suppress.baseline import write_baseline

        setup = baseline_setup(paths, config_file)
        output = chosen_file(given, setup.config)
        entries = finding_entries(scan_for_baseline(paths, history, setup))
        write_baseline(output, entries)
        click.echo(f"{output}: {len(entries)} finding(s) recorded", err=True)


@baseline.command("update")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--history", is_flag=True, help="Scan the git history, as `create --history` did.")
@baseline_file_options(CONFIGURED_OR_DEFAULT)
@config_option
def update(paths: tuple[Path, ...], history: bool, baseline_file: Path | None, old_output: Path | None,
           config_file: Path | None) -> None:
    """Drop the entries whose secret no longer occurs; never adds any (new secrets must be looked at)."""
    given = given_file(baseline_file, old_output)
    with error_handler():
        from scanner.suppress.baseline import finding_keys, read_baseline, write_baseline

        setup = baseline_setup(paths, config_file)
        baseline_file = chosen_file(given, setup.config)
        known = read_baseline(baseline_file).entries
        report = scan_for_baseline(paths, history, setup)
        occurring = {key for f in report.findings for key in finding_keys(f)}
        kept = known & occurring
        write_baseline(baseline_file, kept)
        click.echo(f"{baseline_file}: {len(known) - len(kept)} entr{'y' if len(known) - len(kept) == 1 else 'ies'}"
                   f" pruned, {len(kept)} kept", err=True)


@baseline.command("import")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "tool", type=click.Choice(["detect-secrets", "gitleaks"]), required=True,
              help="detect-secrets: a .secrets.baseline; gitleaks: a JSON report (gitleaks --report-format json).")
@baseline_file_options(BASELINE_FILE)
def import_baseline(source: Path, tool: str, baseline_file: Path | None, old_output: Path | None) -> None:
    """Convert another scanner's baseline: its secrets' hashes are matched, never their positions.

    The leakstop baseline (-b) is added to, or created if missing."""
    output = chosen_file(given_file(baseline_file, old_output))
    with error_handler():
        from scanner.suppress.baseline import IMPORTERS, read_baseline, write_baseline

        if not source.is_file():
            from scanner.errors import ConfigError

            raise ConfigError(f"{source}: no such file")
        entries, warnings = IMPORTERS[tool](source)
        known = read_baseline(output).entries if output.exists() else frozenset()
        write_baseline(output, known | entries)
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(f"{output}: {len(entries - known)} entr{'y' if len(entries - known) == 1 else 'ies'} imported "
                   f"from {tool} ({len(known | entries)} in all)", err=True)
