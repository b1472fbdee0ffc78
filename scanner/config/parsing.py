"""Reading a configuration file into validated data: its text, TOML or YAML parsed, checked against the
schema, and the result cached by the file's text so the pre-commit hook never imports a validator."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from scanner.errors import ConfigError


def validated_data(path: Path, text: str) -> dict[str, Any]:
    """Parse and validate, or reuse the result for a file whose text was validated before.

    Importing PyYAML and jsonschema costs ~180 ms, more than the pre-commit hook's whole scan; the cached
    value is the validated data as JSON (no secrets: configuration only), keyed by the file's text."""
    import json

    from scanner.ruleset.cache import read_private

    cached = cache_file(path, text)
    stored = read_private(cached)
    try:
        data = json.loads(stored.decode("utf-8")) if stored is not None else None
        if isinstance(data, dict):
            return data
    except ValueError:
        pass
    from scanner.config.schema import validate

    data = validate(path, text, config_data(path, text))
    remember(cached, data)
    return data


def cache_file(path: Path, text: str) -> Path:
    from scanner import __version__
    from scanner.ruleset.cache import cache_dir
    from scanner.sha256 import sha256_hex

    key = sha256_hex(f"{__version__}\0{path.suffix}\0{text}")
    return cache_dir() / f"config-{key[:24]}.json"


def remember(cached: Path, data: dict[str, Any]) -> None:
    """Best effort, owner-only; data YAML made of dates or other non-JSON values is simply not cached."""
    import json

    from scanner.ruleset.cache import write_private

    try:
        encoded = json.dumps(data)
    except (TypeError, ValueError):
        return
    write_private(cached, encoded.encode("utf-8"))


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from exc


def disk_text(path: Path) -> str | None:
    return read_text(path) if path.is_file() else None


def config_data(path: Path, text: str) -> object:
    if path.suffix == ".toml":
        tool = parse_toml(path, text).get("tool", {})
        if not isinstance(tool, dict) or "leakstop" not in tool:
            raise ConfigError(f"{path}: no [tool.leakstop] table")
        return tool["leakstop"]
    from scanner.ruleset.yaml_io import load_yaml

    try:
        data = load_yaml(text)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return {} if data is None else data


def parse_toml(path: Path, text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on older Pythons only
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc

