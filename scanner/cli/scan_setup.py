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

from scanner.config import CONFIDENCE_ORDER, SEVERITY_ORDER, Config, at_least, find_upwards, load_config
from scanner.errors import ConfigError, RuleError
from scanner.report import Report
from scanner.ruleset.rule_set import RuleSet
from scanner.scan import Suppressor
from scanner.suppress import BASELINE_FILE, IGNORE_FILE

if TYPE_CHECKING:
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

    @property
    def exclude(self) -> tuple[str, ...]:
        return self.config.exclude

    def finish(self, report: Report) -> Report:
        """The report with what the configuration and ignore file have to say added as warnings."""
        extra = list(self.config.warnings)
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
    ruleset = effective_ruleset(config, flags.rules_paths, flags.no_builtin_rules, min_confidence, min_severity)
    setup = ScanSetup(config=config, ruleset=ruleset, min_confidence=min_confidence, min_severity=min_severity,
                      max_file_size=flags.max_file_size or config.max_file_size,
                      report_unused_ignores=flags.report_unused_ignores)
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
    if config.allow_patterns or config.stopwords:
        from scanner.suppress.allowlist import GlobalAllowlist

        suppressors.append(GlobalAllowlist(config.allow_patterns, config.stopwords))
    if min_confidence != CONFIDENCE_ORDER[-1]:
        from scanner.suppress.confidence import BelowConfidence

        suppressors.append(BelowConfidence(min_confidence))
    baseline_file = flags.baseline if flags.baseline is not None else find_upwards(start, (BASELINE_FILE,))
    if baseline and baseline_file is not None:
        from scanner.suppress.baseline import read_baseline

        suppressors.append(read_baseline(baseline_file))
    setup.suppressors = tuple(suppressors)
    return setup


def effective_ruleset(config: Config, rules_paths: Sequence[Path], no_builtin_rules: bool,
                      min_confidence: str, min_severity: str) -> RuleSet:
    from scanner.ruleset.cache import load_ruleset

    builtin = config.use_builtin_rules and not no_builtin_rules
    ruleset = load_ruleset([*config.rules, *rules_paths], builtin=builtin)
    known = {rule.id for rule in ruleset.rules}
    for rule_id in config.disable:
        if rule_id not in known:
            raise ConfigError(f"{config.line_of('disable', rule_id)}: disable: no rule has the id '{rule_id}'")
    if not config.disable and at_least("low", min_confidence, CONFIDENCE_ORDER) and min_severity == SEVERITY_ORDER[-1]:
        return ruleset  # the defaults keep every rule; the pre-commit hook need not look at each of them
    keep = [r for r in ruleset.rules if r.id not in config.disable
            and at_least(r.confidence, min_confidence, CONFIDENCE_ORDER)
            and at_least(r.severity, min_severity, SEVERITY_ORDER)]
    if not keep:
        raise RuleError(f"no rules left after disable, min_confidence={min_confidence} and "
                        f"min_severity={min_severity}: a scan with no rules would find nothing")
    return ruleset.subset(keep) if len(keep) != len(ruleset) else ruleset
