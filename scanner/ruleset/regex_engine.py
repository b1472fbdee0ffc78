"""Cached rule patterns run on `regex`'s C engine alone, without importing the `regex` package.

`import regex` costs the pre-commit hook ~10 ms, three quarters of it the pure-Python pattern parser
(`regex._regex_core`), yet the hook only runs patterns the rule cache compiled before. A compiled `regex`
pattern is rebuilt by one call to the C module's `compile` with the already compiled code (that call is
what a pickled pattern holds), so the rule cache stores those arguments and the hook loads the C module
by itself (~1.5 ms) to make the call: the same pattern objects, the same matching.

The C module is registered under its own name, `regex._regex`, so a later `import regex` (a pattern the
cache did not hold, a configuration's allow-pattern) finds and uses this very module. Anything unexpected
(another layout of the package, arguments the engine rejects) returns None, and the caller imports
`regex` as before.
"""

from __future__ import annotations

import marshal
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


def compile_arguments(pattern: Any) -> tuple[Any, ...] | None:
    """The arguments that rebuild `pattern` through the C module's `compile`, as pickling reduces it (the
    package registers that reduction with copyreg); None for anything else."""
    import copyreg

    reduce = copyreg.dispatch_table.get(type(pattern))
    engine = sys.modules.get(ENGINE)
    if reduce is None or engine is None:
        return None
    reduced = reduce(pattern)
    if not isinstance(reduced, tuple) or reduced[0] is not engine.compile:
        return None
    return tuple(reduced[1])


def precompiled_pattern(blob: bytes, made_by: str) -> Any | None:
    """The pattern whose marshalled compile arguments `blob` holds, made by `regex` version `made_by`;
    None when it cannot be used here (the caller then compiles the pattern)."""
    if not made_by:
        return None
    if made_by != _VOUCHED[0]:
        import regex  # blobs handed over (a worker process's copy): the package says which version it is

        if made_by != regex.__version__:
            return None
    engine = c_engine()
    if engine is None:
        return None
    try:
        return engine.compile(*marshal.loads(blob))
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
