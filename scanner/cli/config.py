"""`leakstop config show`, and the configuration flags `scan` (and `baseline`) share."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from scanner.cli import Command
from scanner.cli.error_handler import error_handler
from scanner.cli.groups import CommandGroup

if TYPE_CHECKING:
    from scanner.cli.scan_setup import ScanFlags


def config_option(fn: Command) -> Command:
    return click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
                        envvar="LEAKSTOP_CONFIG", show_envvar=True,
                        help="Use this configuration file instead of the nearest .leakstop.yaml / pyproject.toml.")(fn)


def scan_config_options(fn: Command) -> Command:
    """The flags that override the configuration file, or add suppression to a scan."""
    options = [
        click.option("--min-confidence", type=click.Choice(["high", "medium", "low", "fixture"]),
                     help="Only findings at least this confident (default: low; `fixture` adds generic "
                          "matches found only in test and documentation paths; config: min_confidence)."),
        click.option("--min-severity", type=click.Choice(["critical", "high", "medium", "low", "info"]),
                     help="Only rules at least this severe (default: all; config: min_severity)."),
        click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
                     help="Report only findings not recorded in this baseline file."),
        click.option("--no-inline-allow", is_flag=True,
                     help="Ignore leakstop:allow (and gitleaks/detect-secrets) comments, for audits."),
        click.option("--report-unused-ignores", is_flag=True,
                     help="Warn about .leakstopignore entries that matched nothing."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return config_option(fn)


def named_config(ctx: click.Context, path: Path | None) -> Path | None:
    """--config FILE or LEAKSTOP_CONFIG; a missing file the environment names says so, since an export made
    long ago is easy to forget."""
    from_environment = ctx.get_parameter_source("config_file") == ParameterSource.ENVIRONMENT
    if path is not None and not path.exists() and from_environment:
        from scanner.errors import ConfigError

        raise ConfigError(f"{path}: no such configuration file (named by LEAKSTOP_CONFIG)")
    return path


def scan_flags(ctx: click.Context, given: dict[str, Any]) -> ScanFlags:
    """The configurable flags of the running command; a value left at its default does not override the
    configuration file."""
    from scanner.cli.scan_setup import ScanFlags

    params = ctx.params
    size_given = ctx.get_parameter_source("max_file_size") not in (ParameterSource.DEFAULT, None)
    return ScanFlags(
        config=named_config(ctx, given.get("config_file")),
        rules_paths=tuple(params.get("rules_paths", ())),
        no_builtin_rules=bool(params.get("no_builtin_rules")),
        max_file_size=params.get("max_file_size") if size_given else None,
        min_confidence=given.get("min_confidence"),
        min_severity=given.get("min_severity"),
        baseline=given.get("baseline"),
        inline_allow=not given.get("no_inline_allow", False),
        report_unused_ignores=bool(given.get("report_unused_ignores")),
        exclude=tuple(params.get("exclude_globs", ())),
        enable_rules=tuple(params.get("enable_rules", ())),
        disable_rules=tuple(params.get("disable_rules", ())),
    )


@click.group("config", cls=CommandGroup)
def config() -> None:
    """Inspect the configuration (.leakstop.yaml or [tool.leakstop] in pyproject.toml)."""


@config.command("show")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@config_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def show(path: Path | None, config_file: Path | None, as_json: bool) -> None:
    """Print the effective configuration, where each value came from, and the number of active rules."""
    with error_handler():
        import json

        from scanner.cli.scan_setup import ScanFlags, setup_scan
        from scanner.errors import SourceError

        if path is not None and not path.exists():
            # the configuration is looked for from this path up; a typo would otherwise show the defaults
            raise SourceError(f"{path}: no such file or folder")
        config_file = named_config(click.get_current_context(), config_file)
        setup = setup_scan([path] if path else [], ScanFlags(config=config_file), suppress=False)
        cfg = setup.config
        values: dict[str, Any] = {
            "disable": list(cfg.disable),
            "use_builtin_rules": cfg.use_builtin_rules,
            "rules": [str(p) for p in cfg.rules],
            "exclude": list(cfg.exclude),
            "allow.patterns": list(cfg.allow_patterns),
            "allow.stopwords": list(cfg.stopwords),
            "max_file_size": cfg.max_file_size,
            "min_confidence": cfg.min_confidence,
            "min_severity": cfg.min_severity,
            "baseline": str(cfg.baseline) if cfg.baseline else None,
            "allowlists": [{key: list(value) for key, value in (("rules", a.rules), ("paths", a.paths),
                            ("regexes", a.regexes), ("lines", a.lines), ("stopwords", a.stopwords)) if value}
                           for a in cfg.allowlists],
        }
        if as_json:
            click.echo(json.dumps({
                "file": str(cfg.path) if cfg.path else None,
                "extends": [str(p) for p in cfg.extends],
                "values": {k: {"value": v, "from": cfg.origin(k)} for k, v in values.items()},
                "active_rules": len(setup.ruleset), "warnings": list(cfg.warnings)}, indent=2))
            return
        from scanner.value_checks import human_size

        click.echo(f"configuration: {cfg.path if cfg.path else 'none found (defaults)'}")
        for base in cfg.extends:
            click.echo(f"  extends {base}")
        for key, value in values.items():
            shown = human_size(value) if key == "max_file_size" else json.dumps(value)
            click.echo(f"  {key:<18} {shown:<40} ({cfg.origin(key)})")
        for warning in cfg.warnings:
            click.echo(f"leakstop: warning: {warning}", err=True)
        builtin = "built-in rules on" if cfg.use_builtin_rules else "built-in rules OFF"
        click.echo(f"active rules: {len(setup.ruleset)} ({builtin}, {len(cfg.disable)} disabled)")
