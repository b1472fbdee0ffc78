"""The checks a value passes whether it came from a flag or from a configuration file, so the two paths
cannot disagree (a size the CLI refuses once slipped through the config and skipped every file)."""

from __future__ import annotations

import math
from pathlib import Path

SIZE_UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
LARGEST_SIZE = 1024**4
"""1 TB: past this a limit means nothing (and reading up to it would overflow an index)."""


class BadValue(ValueError):
    """A value no setting can take; its message completes `<setting>: ...`."""


def byte_size(value: object) -> int:
    """`5MB`, `512k`, `1048576`: the sizes people type, as a positive number of bytes."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadValue(f"{value!r} is not a size (try 5MB, 512k or a number of bytes)")
    if isinstance(value, int):
        size = value
    else:
        text = value.strip().lower()
        text = text[:-1] if text.endswith("b") else text
        unit = SIZE_UNITS.get(text[-1:], 1)
        number = text[:-1] if unit != 1 else text
        try:
            amount = float(number)
        except ValueError:
            amount = math.nan
        if not math.isfinite(amount):
            raise BadValue(f"{value!r} is not a size (try 5MB, 512k or a number of bytes)")
        size = int(min(amount * unit, LARGEST_SIZE + 1))
    if size <= 0:
        raise BadValue(f"{value!r}: must be positive")
    if size > LARGEST_SIZE:
        raise BadValue(f"{value!r}: at most 1TB")
    return size


def rule_location(value: str | Path) -> Path:
    """A rule file or folder named by a flag or a config: a path a rule loader can walk, never the root
    of a file system (every file on the machine would be walked for YAML)."""
    text = str(value)
    if "\0" in text or not text.strip():
        raise BadValue(f"{text!r} is not a path")
    path = Path(text)
    if path.anchor and path == Path(path.anchor):
        raise BadValue(f"{text!r} is the root of the file system, not a folder of rules")
    return path
