"""Find and load the project configuration: `.leakstop.yaml` or `[tool.leakstop]` in pyproject.toml.

A configuration must never turn the scanner off by accident: unknown keys, wrong types and malformed
files are errors naming the file (and line), built-in rules stay active unless the file says otherwise
in so many words, and every value remembers where it came from so `leakstop config show` can tell.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner.config.extend import config_from_data
from scanner.config.model import Config
from scanner.config.parsing import parse_toml, read_text, validated_data
from scanner.errors import ConfigError

CONFIG_NAMES = (".leakstop.yaml", ".leakstop.yml")
PYPROJECT = "pyproject.toml"


def project_top(start: Path) -> Path:
    """The git work tree containing `start` (found by its `.git`, without running git), else `start`."""
    folder = start.resolve()
    folder = folder if folder.is_dir() else folder.parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def searched_folders(start: Path) -> tuple[Path, ...]:
    """Where configuration may be: `start` and its parents up to the git top; outside a work tree,
    `start` alone. A parent up to `/` (`/tmp` on a shared runner) may be written by another account."""
    folder = start.resolve()
    folder = folder if folder.is_dir() else folder.parent
    chain = (folder, *folder.parents)
    for i, candidate in enumerate(chain):
        if (candidate / ".git").exists():
            return chain[:i + 1]
    return (folder,)


def find_upwards(start: Path, names: tuple[str, ...]) -> Path | None:
    """The first of `names` in `start` or a parent folder, up to the git top (outside git: `start` only)."""
    for candidate in searched_folders(start):
        for name in names:
            if (candidate / name).is_file():
                return candidate / name
        if (candidate / ".git").exists():
            return None
    return None


def find_config(start: Path) -> Path | None:
    """`.leakstop.yaml` or a pyproject.toml with `[tool.leakstop]`, nearest first; both in one folder is
    an error (which one wins would be a guess)."""
    for candidate in searched_folders(start):
        found = [candidate / n for n in CONFIG_NAMES if (candidate / n).is_file()]
        pyproject = candidate / PYPROJECT
        # Only a file that mentions leakstop is parsed: an unrelated broken pyproject.toml is not our error.
        if pyproject.is_file() and "leakstop" in read_text(pyproject) and "leakstop" in tool_tables(pyproject):
            found.append(pyproject)
        if len(found) > 1:
            raise ConfigError(f"{candidate}: both {found[0].name} and {found[1].name} configure leakstop; keep one")
        if found:
            return found[0]
        if (candidate / ".git").exists():
            return None
    return None


def tool_tables(path: Path) -> Mapping[str, Any]:
    tool = parse_toml(path, read_text(path)).get("tool", {})
    return tool if isinstance(tool, dict) else {}


def load_config(start: Path, explicit: Path | None = None) -> Config:
    """The configuration for a scan of `start`: `explicit` (from --config) or the nearest one found."""
    path = explicit if explicit is not None else find_config(start)
    if path is None:
        return Config(root=project_top(start))
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    text = read_text(path)
    return config_from_data(path, text, validated_data(path, text))

