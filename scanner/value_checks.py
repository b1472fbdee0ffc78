"""The checks a value passes whether it came from a flag or from a configuration file, so the two paths
cannot disagree (a size the CLI refuses once slipped through the config and skipped every file)."""

from __future__ import annotations

import math
import re
from pathlib import Path

SIZE_UNITS = {
    "": 1, "b": 1,
    "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
    "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4,
    "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4,
}
"""`MB` is decimal (SI, 1000²) and `MiB` binary (IEC, 1024²); a bare letter (`512k`, `10M`) is binary, as git's
own sizes (`core.bigFileThreshold=512m`) and `ls -h` read it."""
LARGEST_SIZE = 1024**4
"""1 TiB: past this a limit means nothing (and reading up to it would overflow an index)."""
_SIZE = re.compile(r"\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([a-z]*)\s*")


class BadValue(ValueError):
    """A value no setting can take; its message completes `<setting>: ...`."""


def byte_size(value: object) -> int:
    """`5MB`, `10MiB`, `512k`, `1048576`: the sizes people type, as a positive number of bytes."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadValue(f"{value!r} is not a size (try 5MB, 10MiB, 512k or a number of bytes)")
    if isinstance(value, int):
        size = value
    else:
        parsed = _SIZE.fullmatch(value.lower())
        unit = SIZE_UNITS.get(parsed[2]) if parsed else None
        amount = float(parsed[1]) if parsed and unit else math.nan
        if unit is None or not math.isfinite(amount):
            raise BadValue(f"{value!r} is not a size (try 5MB, 10MiB, 512k or a number of bytes)")
        size = int(min(amount * unit, LARGEST_SIZE + 1))
    if size <= 0:
        raise BadValue(f"{value!r}: must be positive")
    if size > LARGEST_SIZE:
        raise BadValue(f"{value!r}: at most 1TiB")
    return size


def human_size(size: int) -> str:
    """A byte count as people write it, exactly: `10MiB`, `5MB`, `1500` (a size no unit divides stays bytes)."""
    for units in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024),
                  ("TB", 1000**4), ("GB", 1000**3), ("MB", 1000**2), ("kB", 1000)):
        name, factor = units
        if size >= factor and size % factor == 0:
            return f"{size // factor}{name}"
    return f"{size}B"


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
