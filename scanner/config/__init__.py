"""The project configuration: `.leakstop.yaml` or `[tool.leakstop]` in pyproject.toml.

One module per job, imported one way: `model` (the data), `parsing` (a file's text to validated data,
cached), `schema` (validation, on a cache miss only), `allowlists` and `silencing` (per-rule allowlists,
and settings that would silence everything), `one_file` (what one file sets), `extend` (`extend:` chains)
and `loading` (finding the file for a scan). Callers import from here.
"""

from __future__ import annotations

from scanner.config.extend import config_from_data
from scanner.config.loading import CONFIG_NAMES, find_config, find_upwards, load_config, project_top
from scanner.config.model import (
    CONFIDENCE_ORDER,
    DEFAULT_MAX_FILE_SIZE,
    SEVERITY_ORDER,
    Config,
    RuleAllowlist,
    at_least,
)
from scanner.config.parsing import disk_text, read_text, validated_data
from scanner.config.silencing import excludes_everything

__all__ = [
    "CONFIDENCE_ORDER",
    "CONFIG_NAMES",
    "DEFAULT_MAX_FILE_SIZE",
    "SEVERITY_ORDER",
    "Config",
    "RuleAllowlist",
    "at_least",
    "config_from_data",
    "disk_text",
    "excludes_everything",
    "find_config",
    "find_upwards",
    "load_config",
    "project_top",
    "read_text",
    "validated_data",
]
