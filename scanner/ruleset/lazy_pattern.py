"""LazyPattern: a module-level regular expression that is compiled the first time it is used.

The pre-commit hook imports the modules that hold the heuristics, decoders and markers on every commit,
but a one-file commit uses few of their patterns (often none); compiling them all at import was ~15 ms of
its start-up. After the first call the pattern's methods are the compiled pattern's own, so a hot loop
(a history scan) pays nothing for the laziness.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any


class LazyPattern:
    """Stands in for `re.compile(pattern, flags)` with the methods this package uses."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags

    def compiled(self) -> re.Pattern[str]:
        compiled = re.compile(self.pattern, self.flags)
        # Instance attributes shadow the methods below: later calls go straight to the compiled pattern.
        self.__dict__.update({name: getattr(compiled, name) for name in _METHODS})
        self.__dict__["compiled"] = lambda: compiled
        return compiled

    def match(self, string: str, *args: Any) -> re.Match[str] | None:
        return self.compiled().match(string, *args)

    def fullmatch(self, string: str, *args: Any) -> re.Match[str] | None:
        return self.compiled().fullmatch(string, *args)

    def search(self, string: str, *args: Any) -> re.Match[str] | None:
        return self.compiled().search(string, *args)

    def finditer(self, string: str, *args: Any) -> Iterator[re.Match[str]]:
        return self.compiled().finditer(string, *args)

    def findall(self, string: str, *args: Any) -> list[Any]:
        return self.compiled().findall(string, *args)

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        return self.compiled().sub(repl, string, count)


_METHODS = ("match", "fullmatch", "search", "finditer", "findall", "sub")
