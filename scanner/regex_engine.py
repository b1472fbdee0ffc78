"""Cached rule patterns run on `regex`'s C engine alone, without importing the `regex` package.

`import regex` costs the pre-commit hook ~10 ms, three quarters of it the pure-Python pattern parser
(`regex._regex_core`), yet the hook only runs patterns the rule cache compiled before. A pickled `regex`
pattern is one call to the C module's `compile` with the already compiled code, so the hook loads that
module by itself (~1.5 ms) and unpickles through it: the same pattern objects, the same matching.

The C module is registered under its own name, `regex._regex`, so a later `import regex` (a pattern the
cache did not hold, a configuration's allow-pattern) finds and uses this very module. Anything unexpected
(another layout of the package, a blob that is not a plain pattern) returns None, and the caller
imports `regex` as before.
"""

from __future__ import annotations

import io
import pickle
import sys
from types import ModuleType
from typing import Any

ENGINE = "regex._regex"

_VOUCHED: list[str] = [""]
"""The `regex` version whose blobs the rule cache vouches for: it read them from a file keyed by the
installed package's path and mtime (rule_cache.regex_install), so they were made by this installation."""


def vouch_for(regex_version: str) -> None:
    """Called by the rule cache when it loads blobs from a file keyed by the installed `regex`."""
    _VOUCHED[0] = regex_version


def precompiled_pattern(blob: bytes, made_by: str) -> Any | None:
    """The pattern pickled in `blob` by `regex` version `made_by`, or None when it cannot be used here
    (the caller then compiles the pattern)."""
    package = sys.modules.get("regex")
    if package is not None:
        return pickle.loads(blob) if made_by == package.__version__ else None  # noqa: S301 - our own cache
    if not made_by or made_by != _VOUCHED[0]:
        return None
    engine = c_engine()
    if engine is None:
        return None
    try:
        return _EngineUnpickler(io.BytesIO(blob), engine).load()
    except Exception:  # noqa: BLE001 - whatever went wrong, compiling the pattern instead is right
        return None


def c_engine() -> ModuleType | None:
    """`regex._regex`, loaded without running the package's `__init__` (None if it is not where the
    package keeps it)."""
    loaded = sys.modules.get(ENGINE)
    if loaded is not None:
        return loaded
    from importlib.machinery import ExtensionFileLoader, PathFinder
    from importlib.util import module_from_spec

    package = PathFinder.find_spec("regex")
    if package is None or not package.submodule_search_locations:
        return None
    spec = PathFinder.find_spec(ENGINE, list(package.submodule_search_locations))
    if spec is None or not isinstance(spec.loader, ExtensionFileLoader):
        return None
    try:
        module = module_from_spec(spec)
        spec.loader.exec_module(module)
    except ImportError:
        return None
    sys.modules[ENGINE] = module
    return module


class _EngineUnpickler(pickle.Unpickler):
    """Resolves exactly one global, the C module's `compile`: what a pickled pattern calls."""

    def __init__(self, file: io.BytesIO, engine: ModuleType) -> None:
        super().__init__(file)
        self.engine = engine

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == (ENGINE, "compile"):
            return self.engine.compile
        raise pickle.UnpicklingError(f"not a pickled regex pattern: {module}.{name}")
