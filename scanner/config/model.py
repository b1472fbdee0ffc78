"""The configuration's data: the effective `Config`, its per-rule allowlists, the orders and defaults
other modules compare against, and where in its file a key was set (for errors that name a line)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT = "default"
CONFIDENCE_ORDER = ("high", "medium", "low", "fixture")
"""`fixture`: findings only in test and documentation paths (a rule's `fixture_paths`); hidden by default."""
SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
"""--max-file-size's default, which the sources take as their own."""


@dataclass(frozen=True)
class RuleAllowlist:
    """One per-rule allowlist: a finding of one of `rules` is not reported where any condition holds."""

    rules: tuple[str, ...]
    paths: tuple[str, ...] = ()
    """Globs, matched like `exclude` against each place the secret is seen."""
    regexes: tuple[str, ...] = ()
    """Searched in the secret."""
    lines: tuple[str, ...] = ()
    """Searched in the line the secret is on."""
    stopwords: tuple[str, ...] = ()
    """Lower-cased; a secret containing one is not reported."""
    description: str = ""
    where: str = ""
    """`file:line #n` of the entry, named in the suppression reason."""

    def conditions(self) -> tuple[tuple[str, ...], ...]:
        """Everything but where it was written: two files setting the same allowlist set one."""
        return self.rules, self.paths, self.regexes, self.lines, self.stopwords


@dataclass(frozen=True)
class Config:
    """The effective configuration. `origins` says, per key, which file set it (or `default`)."""

    root: Path
    """The project root: where the configuration, `.leakstopignore` and baselines live."""
    path: Path | None = None
    disable: tuple[str, ...] = ()
    use_builtin_rules: bool = True
    rules: tuple[Path, ...] = ()
    exclude: tuple[str, ...] = ()
    allow_patterns: tuple[str, ...] = ()
    stopwords: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    min_confidence: str = "low"
    min_severity: str = "info"
    allowlists: tuple[RuleAllowlist, ...] = ()
    baseline: Path | None = None
    """A baseline file the configuration names (absolute), used as --baseline is."""
    extends: tuple[Path, ...] = ()
    """The base files this one extends, nearest first (`extend:`, and theirs)."""
    origins: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    silencing: tuple[str, ...] = ()
    """The warnings that say this configuration silences (nearly) everything (an exclude or allow pattern
    that matches all, a tiny max_file_size): errors in range and CI scans."""
    text: str = field(default="", repr=False)
    """The file's text, so later errors (an unknown rule id in `disable`) can name a line."""

    def origin(self, key: str) -> str:
        return self.origins.get(key, DEFAULT)

    def line_of(self, key: str, value: str = "") -> str:
        """`file:line` of a key (or of a value under it) for error messages; just the file if unknown."""
        line = key_line(self.text, key, value) if self.text else None
        return f"{self.path}:{line}" if line else str(self.path)


def at_least(value: str, minimum: str, order: tuple[str, ...]) -> bool:
    """`high` is at least `medium`: orders run from most to least."""
    return order.index(value) <= order.index(minimum)


def located(path: Path, text: str, key: str) -> str:
    line = key_line(text, key) if key else None
    return f"{path}:{line}" if line else str(path)


def key_line(text: str, key: str, value: str = "") -> int | None:
    """The 1-based line where `key` is set (YAML `key:` or TOML `key =`), or where `value` appears after it."""
    lines = text.splitlines()
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[:=]|^\s*\[tool\.leakstop\.{re.escape(key)}\]")
    for i, line in enumerate(lines):
        if pattern.search(line):
            if not value:
                return i + 1
            for j in range(i, len(lines)):
                if value in lines[j]:
                    return j + 1
            return i + 1
    return None
