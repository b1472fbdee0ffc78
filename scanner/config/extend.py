"""`extend:` chains: a file's configuration on top of its base's, lists merged base first and any other
value the extending file sets winning; a chain that loops or runs past a few files is an error."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from scanner.config.model import Config, RuleAllowlist, located
from scanner.config.one_file import own_config
from scanner.config.parsing import disk_text, validated_data
from scanner.errors import ConfigError

MAX_EXTEND_DEPTH = 8
"""How many files one `extend:` chain may hold: enough for a company, team and project policy."""


def config_from_data(path: Path, text: str, data: Mapping[str, Any],
                     read: Callable[[Path], str | None] | None = None, chain: tuple[Path, ...] = ()) -> Config:
    """The configuration a file's validated data makes, its `extend:` chain merged in. `read` gives a
    base file's text (None: no such file); a range scan passes one that reads the base revision."""
    own = own_config(path, text, data)
    if "extend" not in data:
        return own
    chain = (*chain, path.resolve())
    base_path = (path.parent / str(data["extend"])).resolve()
    where = located(path, text, "extend")
    if base_path in chain:
        raise ConfigError(f"{where}: extend: {data['extend']} is already in the chain "
                          f"({' -> '.join(str(p) for p in (*chain, base_path))}); extends cannot loop")
    if len(chain) >= MAX_EXTEND_DEPTH:
        raise ConfigError(f"{where}: extend: more than {MAX_EXTEND_DEPTH} files in one chain")
    base_text = (read or disk_text)(base_path)
    if base_text is None:
        raise ConfigError(f"{where}: extend: {base_path}: no such configuration file")
    base = config_from_data(base_path, base_text, validated_data(base_path, base_text), read, chain)
    return extended(base, own, data)


# Config fields that merge (base first, then this file's, each value once) and the key that sets each.
MERGED = {"disable": "disable", "rules": "rules", "exclude": "exclude", "allow_patterns": "allow.patterns",
          "stopwords": "allow.stopwords", "allowlists": "allowlists"}
# Fields this file's value replaces when it sets them.
REPLACED = {"use_builtin_rules": "use_builtin_rules", "max_file_size": "max_file_size",
            "min_confidence": "min_confidence", "min_severity": "min_severity", "baseline": "baseline"}


def extended(base: Config, own: Config, data: Mapping[str, Any]) -> Config:
    """`own` on top of `base`: lists merge, base first; any other value set in `own` wins."""
    values: dict[str, Any] = {}
    origins = dict(base.origins)
    for name, key in MERGED.items():
        if name == "allowlists":
            unique: dict[tuple[tuple[str, ...], ...], RuleAllowlist] = {}
            for allowlist in (*base.allowlists, *own.allowlists):
                unique.setdefault(allowlist.conditions(), allowlist)
            values[name] = tuple(unique.values())
        else:
            values[name] = tuple(dict.fromkeys((*getattr(base, name), *getattr(own, name))))
        if key in own.origins:
            origins[key] = f"{base.origins[key]} + {own.origins[key]}" if key in base.origins else own.origins[key]
    for name, key in REPLACED.items():
        set_here = key in own.origins
        values[name] = getattr(own if set_here else base, name)
        if set_here:
            origins[key] = own.origins[key]
    return replace(own, origins=origins, warnings=base.warnings + own.warnings,
                   extends=(base.path, *base.extends) if base.path else base.extends, **values)

