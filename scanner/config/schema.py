"""The configuration's JSON Schema, with the two mistakes people make most spelled out: a misspelt key
and a wrong type. Imported only when a file's validated data is not cached yet."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from scanner.config.model import located
from scanner.errors import ConfigError


@functools.lru_cache(maxsize=1)
def config_schema() -> dict[str, Any]:
    import json

    text = (Path(__file__).parent.parent / "config_schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate(path: Path, text: str, data: object) -> dict[str, Any]:
    """JSON Schema, with the two mistakes people make most spelled out: a misspelt key and a wrong type."""
    import difflib

    import jsonschema

    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of keys to values")
    schema = config_schema()
    entries = data.get("allowlists")
    entry_keys = schema["properties"]["allowlists"]["items"]["properties"]
    for where, keys, known in (("", data, schema["properties"]),
                               ("allow.", data.get("allow"), schema["properties"]["allow"]["properties"]),
                               *((f"allowlists.{i}.", entry, entry_keys)
                                 for i, entry in enumerate(entries if isinstance(entries, list) else ()))):
        for key in keys if isinstance(keys, dict) else ():
            if key not in known:
                near = difflib.get_close_matches(str(key), list(known), n=1)
                hint = f" (did you mean '{where}{near[0]}'?)" if near else f" (known keys: {', '.join(known)})"
                raise ConfigError(f"{located(path, text, str(key))}: unknown key '{where}{key}'{hint}")
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        key = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        if error.validator == "type":
            expected = " or ".join([error.validator_value] if isinstance(error.validator_value, str)
                                   else error.validator_value)
            message = f"expected {expected}, got {type_name(error.instance)}"
        else:
            message = error.message
        top = str(error.absolute_path[0]) if error.absolute_path else ""
        raise ConfigError(f"{located(path, text, top.split('.')[-1])}: {key}: {message}")
    return data


def type_name(value: object) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "mapping"}
    return "null" if value is None else names.get(type(value), type(value).__name__)

