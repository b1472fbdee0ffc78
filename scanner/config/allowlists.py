"""Per-rule allowlists (`allowlists:`) read from a file's validated data, and the check every allow
pattern passes: a regex that does not compile is an error naming its line when the file is loaded, not
in the middle of a scan."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scanner.config.model import RuleAllowlist, located
from scanner.errors import ConfigError


def rule_allowlists(path: Path, text: str, entries: Sequence[Mapping[str, Any]]) -> tuple[RuleAllowlist, ...]:
    where = located(path, text, "allowlists")
    out = []
    for number, entry in enumerate(entries, 1):
        rules = entry["rules"]
        allowlist = RuleAllowlist(
            rules=(rules,) if isinstance(rules, str) else tuple(rules), paths=tuple(entry.get("paths", ())),
            regexes=tuple(entry.get("regexes", ())), lines=tuple(entry.get("lines", ())),
            stopwords=tuple(w.lower() for w in entry.get("stopwords", ())),
            description=str(entry.get("description", "")), where=f"{where} #{number}")
        if not (allowlist.paths or allowlist.regexes or allowlist.lines or allowlist.stopwords):
            raise ConfigError(f"{where}: allowlists #{number}: give at least one of paths, regexes, lines, "
                              "stopwords (without one it would allow nothing)")
        check_patterns(path, text, allowlist.regexes + allowlist.lines, f"allowlists #{number}")
        out.append(allowlist)
    return tuple(out)


def check_patterns(path: Path, text: str, patterns: tuple[str, ...], key: str = "allow.patterns") -> None:
    if not patterns:
        return  # importing `regex` costs ~20 ms on the pre-commit path
    import regex

    for pattern in patterns:
        try:
            regex.compile(pattern)
        except regex.error as exc:
            line_key = "patterns" if key == "allow.patterns" else "allowlists"
            raise ConfigError(f"{located(path, text, line_key)}: {key}: '{pattern}' does not "
                              f"compile: {exc}") from exc

