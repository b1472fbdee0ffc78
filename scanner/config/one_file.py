"""The configuration one file sets by itself (its `extend:` aside): validated data turned into typed
values, paths made absolute relative to the file, and each key's origin recorded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scanner.config.allowlists import check_patterns, rule_allowlists
from scanner.config.model import Config, located
from scanner.config.silencing import silencing
from scanner.errors import ConfigError


def own_config(path: Path, text: str, data: Mapping[str, Any]) -> Config:
    """The configuration one file sets by itself (its `extend:` aside)."""
    here = str(path)
    allow = data.get("allow", {})
    origins = {key: here for key in data if key not in ("allow", "extend")}
    origins.update({f"allow.{key}": here for key in allow})
    values: dict[str, Any] = {
        "disable": tuple(data.get("disable", ())),
        "use_builtin_rules": data.get("use_builtin_rules", True),
        "rules": rule_locations(path, text, data.get("rules", ())),
        "exclude": tuple(data.get("exclude", ())),
        "allow_patterns": tuple(allow.get("patterns", ())),
        "stopwords": tuple(s.lower() for s in allow.get("stopwords", ())),
        "min_confidence": data.get("min_confidence", "low"),
        "min_severity": data.get("min_severity", "info"),
    }
    if "max_file_size" in data:
        values["max_file_size"] = byte_size(path, text, data["max_file_size"])
    if "baseline" in data:
        values["baseline"] = (path.parent / str(data["baseline"])).resolve()
    values["allowlists"] = rule_allowlists(path, text, data.get("allowlists", ()))
    check_patterns(path, text, values["allow_patterns"])
    warnings = silencing(path, text, values)
    return Config(root=path.parent.resolve(), path=path, origins=origins, warnings=warnings, silencing=warnings,
                  text=text, **values)


def byte_size(path: Path, text: str, value: int | str) -> int:
    from scanner.value_checks import BadValue
    from scanner.value_checks import byte_size as checked_size

    try:
        return checked_size(value)
    except BadValue as exc:
        raise ConfigError(f"{located(path, text, 'max_file_size')}: max_file_size: {exc}") from exc


def rule_locations(path: Path, text: str, values: Sequence[str]) -> tuple[Path, ...]:
    """The config's rule files and folders, relative to the config file."""
    from scanner.value_checks import BadValue, rule_location

    try:
        return tuple((path.parent / rule_location(value)).resolve() for value in values)
    except BadValue as exc:
        raise ConfigError(f"{located(path, text, 'rules')}: rules: {exc}") from exc

