"""Gitignore-style globs over forward-slash paths, shared by rule `paths` and config `exclude`."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence


@functools.lru_cache(maxsize=None)
def glob_regex(glob: str) -> re.Pattern[str]:
    """`**` crosses folders, `*` and `?` do not; a glob without a slash matches a name at any depth,
    and a glob naming a folder matches everything below it (as in .gitignore)."""
    anchored = glob.startswith("/")
    glob = glob.strip("/") if glob != "/" else ""
    out = []
    i = 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        out.append({"*": "[^/]*", "?": "[^/]"}.get(c, re.escape(c)))
        i += 1
    body = "".join(out)
    prefix = "" if anchored or "/" in glob else "(?:.*/)?"
    return re.compile(f"^{prefix}{body}(?:/.*)?$", re.DOTALL)


@functools.lru_cache(maxsize=None)
def globs_regex(globs: tuple[str, ...]) -> re.Pattern[str]:
    """All globs as one pattern, so a path is matched once per rule, not once per glob: a history checks
    thousands of distinct paths against the rules' ~280 globs (2.1 M matches, 3 s on the bench history)."""
    return re.compile("|".join(f"(?:{glob_regex(g).pattern})" for g in globs), re.DOTALL)


def path_matches(path: str, globs: Sequence[str]) -> bool:
    return bool(globs) and globs_regex(tuple(globs)).match(path) is not None
