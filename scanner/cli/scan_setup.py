"""Turn command-line flags plus the project configuration into what a scan needs.

Precedence is always: a flag given on the command line, then the configuration file, then the default.
Rules are only ever added by configuration; they are removed only by ids named in `disable` (each must
exist) or by an explicit `use_builtin_rules: false`, so a config file cannot silently scan with less.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.config import (
    CONFIDENCE_ORDER,
    SEVERITY_ORDER,
    Config,
    at_least,
    excludes_everything,
    find_upwards,
    load_config,
)
from scanner.errors import ConfigError, RuleError
from scanner.report import Report
from scanner.ruleset.rule_set import RuleSet
from scanner.scan import Suppressor
from scanner.suppress import BASELINE_FILE, IGNORE_FILE

if TYPE_CHECKING:
    from scanner.ruleset.rules import Rule
    from scanner.suppress.ignore_file import IgnoreList


@dataclass(frozen=True)
class ScanFlags:
    """The configurable flags as given on the command line; None means "not given"."""

    config: Path | None = None
    rules_paths: tuple[Path, ...] = ()
    no_builtin_rules: bool = False
    max_file_size: int | None = None
    min_confidence: str | None = None
    min_severity: str | None = None
    baseline: Path | None = None
    inline_allow: bool = True
    report_unused_ignores: bool = False
    exclude: tuple[str, ...] = ()
    """`--exclude`: added to the configuration's `exclude`."""
    enable_rules: tuple[str, ...] = ()
    """`--enable-rule`: only the rules these name (an id, an id glob such as `generic-*`, or a provider)."""
    disable_rules: tuple[str, ...] = ()
    """`--disable-rule`: every rule these name, added to the configuration's `disable`."""


@dataclass
class ScanSetup:
    """What flags and configuration decided, ready for a scan; the ignore list is kept to report on it."""

    config: Config
    ruleset: RuleSet
    max_file_size: int
    suppressors: tuple[Suppressor, ...] = ()
    ignores: IgnoreList | None = None
    report_unused_ignores: bool = False
    min_confidence: str = "low"
    min_severity: str = "info"
    extra_exclude: tuple[str, ...] = ()

    @property
    def exclude(self) -> tuple[str, ...]:
        return self.config.exclude + self.extra_exclude

    def finish(self, report: Report) -> Report:
        """The report with what the configuration and ignore file have to say added as warnings."""
        extra = list(self.config.warnings)
        extra.extend(f"--exclude '{glob}' matches every path; nothing will be scanned"
                     for glob in self.extra_exclude if excludes_everything(glob))
        if self.ignores is not None:
            extra.extend(self.ignores.warnings(self.report_unused_ignores))
        return replace(report, warnings=report.warnings + extra) if extra else report


def start_folder(paths: Sequence[Path]) -> Path:
    """Where the configuration is looked for: the first scanned path (stdin: the current folder)."""
    first = next((p for p in paths if str(p) != "-"), Path("."))
    return first if first.is_dir() else first.parent


def setup_scan(paths: Sequence[Path], flags: ScanFlags, *, suppress: bool = True,
               baseline: bool = True) -> ScanSetup:
    start = start_folder(paths)
    config = load_config(start, flags.config)
    min_confidence = flags.min_confidence or config.min_confidence
    min_severity = flags.min_severity or config.min_severity
    ruleset = effective_ruleset(config, flags.rules_paths, flags.no_builtin_rules, min_confidence, min_severity,
                                flags.enable_rules, flags.disable_rules)
    setup = ScanSetup(config=config, ruleset=ruleset, min_confidence=min_confidence, min_severity=min_severity,
                      max_file_size=flags.max_file_size or config.max_file_size,
                      report_unused_ignores=flags.report_unused_ignores, extra_exclude=flags.exclude)
    if not suppress:
        return setup
    suppressors: list[Suppressor] = []
    ignore_file = find_upwards(start, (IGNORE_FILE,))
    if ignore_file is not None:
        from scanner.suppress.ignore_file import IgnoreList, read_ignore_file

        # First, so an entry that matches is counted as used even when a comment also allows the line.
        setup.ignores = IgnoreList(ignore_file, read_ignore_file(ignore_file))
        suppressors.append(setup.ignores)
    if flags.inline_allow:
        from scanner.suppress.inline import InlineAllow

        suppressors.append(InlineAllow())
    if config.rules or flags.rules_paths:
        suppressors.append(custom_rule_examples(setup.ruleset))
    if config.allow_patterns or config.stopwords:
        from scanner.suppress.allowlist import GlobalAllowlist

        suppressors.append(GlobalAllowlist(config.allow_patterns, config.stopwords))
    if min_confidence != CONFIDENCE_ORDER[-1]:
        from scanner.suppress.confidence import fixture_finding

        suppressors.append(fixture_finding)
    if config.allowlists:
        from scanner.suppress.rule_allowlist import RuleAllowlists

        suppressors.append(RuleAllowlists(config.allowlists))
    baseline_file = flags.baseline or config.baseline or find_upwards(start, (BASELINE_FILE,))
    if baseline and config.baseline is not None and baseline_file == config.baseline and not config.baseline.is_file():
        raise ConfigError(f"{config.line_of('baseline')}: baseline: {config.baseline}: no such file (write one "
                          f"with `leakstop baseline create -b {config.baseline}`)")
    if baseline and baseline_file is not None:
        from scanner.suppress.baseline import read_baseline

        suppressors.append(read_baseline(baseline_file))
    setup.suppressors = tuple(suppressors)
    return setup


def custom_rule_examples(ruleset: RuleSet) -> Suppressor:
    """Findings of a rule file's own examples, for the rule files not built in."""
    from scanner.ruleset.rules import builtin_rules_dir
    from scanner.suppress.rule_examples import rule_examples

    # Built-in rules' sources are paths below the folder they were listed from, as it was named then.
    builtin = str(builtin_rules_dir())
    return rule_examples((str(Path(rule.source).resolve()), (*rule.examples, *rule.negative_examples))
                         for rule in ruleset.rules if not rule.source.startswith(builtin))


def effective_ruleset(config: Config, rules_paths: Sequence[Path], no_builtin_rules: bool,
                      min_confidence: str, min_severity: str, enable: Sequence[str] = (),
                      disable: Sequence[str] = ()) -> RuleSet:
    """The rules a scan runs: those loaded, less the configuration's disable and thresholds, then narrowed by
    --enable-rule/--disable-rule, whose names are checked against every loaded rule (a flag that names a
    rule the configuration turned off is no typo)."""
    from scanner.ruleset.rule_set import load_ruleset

    builtin = config.use_builtin_rules and not no_builtin_rules
    ruleset = load_ruleset([*config.rules, *rules_paths], builtin=builtin)
    thresholded = configured_rules(ruleset, config, min_confidence, min_severity)
    check_rule_names(ruleset, enable, disable)
    return chosen_rules(thresholded, enable, disable) if enable or disable else thresholded


def configured_rules(ruleset: RuleSet, config: Config, min_confidence: str, min_severity: str) -> RuleSet:
    """The loaded rules less the configuration's disable and below its thresholds; an id it names that no
    rule has is an error naming its line."""
    known = {rule.id for rule in ruleset.rules}
    for rule_id in config.disable:
        if rule_id not in known:
            raise ConfigError(f"{config.line_of('disable', rule_id)}: disable: no rule has the id '{rule_id}'")
    for allowlist in config.allowlists:
        for rule_id in allowlist.rules:
            if rule_id not in known:
                raise ConfigError(f"{allowlist.where}: allowlists: no rule has the id '{rule_id}'")
    if not config.disable and at_least("low", min_confidence, CONFIDENCE_ORDER) and min_severity == SEVERITY_ORDER[-1]:
        return ruleset  # the defaults keep every rule; the pre-commit hook need not look at each of them
    keep = [r for r in ruleset.rules if r.id not in config.disable
            and at_least(r.confidence, min_confidence, CONFIDENCE_ORDER)
            and at_least(r.severity, min_severity, SEVERITY_ORDER)]
    if not keep:
        raise RuleError(f"no rules left after disable, min_confidence={min_confidence} and "
                        f"min_severity={min_severity}: a scan with no rules would find nothing")
    return ruleset.subset(keep) if len(keep) != len(ruleset) else ruleset


def check_rule_names(ruleset: RuleSet, enable: Sequence[str], disable: Sequence[str]) -> None:
    """A name that matches no loaded rule is an error: a typo must not scan with every rule (enable) or
    report a rule the user meant to turn off (disable)."""
    for flag, names in (("--enable-rule", enable), ("--disable-rule", disable)):
        for name in names:
            if not any(rule_named(rule, name) for rule in ruleset.rules):
                raise ConfigError(f"{flag} {name}: no rule has this id or provider (leakstop rules list shows them)")


def chosen_rules(ruleset: RuleSet, enable: Sequence[str], disable: Sequence[str]) -> RuleSet:
    """`--enable-rule` keeps only the rules it names, `--disable-rule` drops those it names; a name is a rule
    id, an id glob (`generic-*`) or a provider (`stripe`)."""
    keep = [r for r in ruleset.rules if (not enable or any(rule_named(r, n) for n in enable))
            and not any(rule_named(r, n) for n in disable)]
    if not keep:
        raise RuleError("no rules left after --enable-rule/--disable-rule and the configuration's disable, "
                        "min_confidence and min_severity: a scan with no rules would find nothing")
    return ruleset.subset(keep) if len(keep) != len(ruleset) else ruleset


def rule_named(rule: Rule, name: str) -> bool:
    from fnmatch import fnmatchcase

    lowered = name.lower()
    return rule.id == name or rule.provider.lower() == lowered or fnmatchcase(rule.id, name)
