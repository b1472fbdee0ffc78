"""`audit --config FILE`: one configuration, read and checked where the audit starts, made into the plain
values each task applies (`scanner.audit.settings`). A configuration that would silence the audit is an
error, and settings an audit cannot apply are named, never dropped quietly."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.audit.settings import AuditSettings
from scanner.config import Config
from scanner.errors import ConfigError
from scanner.scan import Suppressor
from scanner.sha256 import sha256_hex

NOT_APPLIED = {"baseline": "triage the store's findings instead", "max_file_size": "use --max-file-size"}
"""Keys an audit leaves alone, and what takes their place."""


def audit_settings(config_file: Path) -> AuditSettings:
    """The configuration in `config_file` (and the files it extends and names) as an audit applies it."""
    from scanner.audit.policy import rule_text
    from scanner.cli.scan_setup import effective_ruleset
    from scanner.config import load_config
    from scanner.ruleset.rules import builtin_rules_dir

    if not config_file.is_file():
        raise ConfigError(f"{config_file}: no such configuration file")
    config = load_config(config_file.parent, config_file)
    if config.silencing:
        raise ConfigError(f"{config.silencing[0]}: an audit with this configuration would miss secrets")
    for warning in config.warnings:
        click.echo(f"leakstop: warning: {warning}", err=True)
    ignored = [key for key in NOT_APPLIED if config.origin(key) != "default"]
    if ignored:
        click.echo(f"leakstop: warning: {config.path}: {', '.join(ignored)}: not applied by audits "
                   f"({'; '.join(NOT_APPLIED[key] for key in ignored)})", err=True)
    ruleset = effective_ruleset(config, (), False, config.min_confidence, config.min_severity)
    builtin = str(builtin_rules_dir())
    own = tuple(rule for rule in ruleset.rules if not rule.source.startswith(builtin))
    kept = frozenset(rule.id for rule in ruleset.rules)
    suppressors = config_suppressors(config)
    # every field of the configuration's own rules: a worker keeps the rule set it built per key
    key = sha256_hex("\n".join([str(config.path), repr(config.exclude), repr(suppressors), *sorted(kept),
                                *(rule_text(rule) for rule in own)]))
    return AuditSettings(key=key, kept_rule_ids=kept, own_rules=own, builtin=config.use_builtin_rules,
                         exclude=config.exclude, suppressors=suppressors, policy=filters_digest(config))


def filters_digest(config: Config) -> str:
    """What the configuration's excludes and allowlists decide, as a digest: their conditions, not where
    they were written (a comment added above an entry changes no finding) nor their text in the store."""

    return sha256_hex(repr((config.exclude, config.allow_patterns, config.stopwords,
                            [entry.conditions() for entry in config.allowlists])))


def config_suppressors(config: Config) -> tuple[Suppressor, ...]:
    """The configuration's allowlists: the global one (patterns, stopwords) and the per-rule ones."""
    suppressors: list[Suppressor] = []
    if config.allow_patterns or config.stopwords:
        from scanner.suppress.allowlist import GlobalAllowlist

        suppressors.append(GlobalAllowlist(config.allow_patterns, config.stopwords))
    if config.allowlists:
        from scanner.suppress.rule_allowlist import RuleAllowlists

        suppressors.append(RuleAllowlists(config.allowlists))
    return tuple(suppressors)
