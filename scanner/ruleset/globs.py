"""Gitignore-style globs over forward-slash paths, shared by rule `paths` and config `exclude`."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence


def glob_pieces(glob: str) -> Iterator[tuple[bool, str]]:
    """(is_literal, piece) in order: a run of literal characters, or a wildcard as a regex fragment.

    `**` crosses folders, `*` and `?` do not; a leading or trailing slash is not part of the pieces. The
    wildcards are found by one regex split, in C: the pre-commit hook splits ~90 rule globs."""
    glob = glob.strip("/") if glob != "/" else ""
    for i, part in enumerate(_WILDCARD.split(glob)):
        if i % 2:
            yield False, _WILDCARD_REGEX[part]
        elif part:
            yield True, part


_WILDCARD = re.compile(r"(\*\*/|\*\*|\*|\?)")
_WILDCARD_REGEX = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}


@functools.cache
def glob_pattern(glob: str) -> str:
    """`**` crosses folders, `*` and `?` do not; a glob without a slash matches a name at any depth,
    and a glob naming a folder matches everything below it (as in .gitignore)."""
    anchored = glob.startswith("/")
    body = _body(glob)
    prefix = "" if anchored or "/" in glob.strip("/") else "(?:.*/)?"
    return f"^{prefix}{body}(?:/.*)?\\Z"  # not `$`, which also matches before a final newline


@functools.cache
def glob_regex(glob: str) -> re.Pattern[str]:
    return re.compile(glob_pattern(glob), re.DOTALL)


KNOWN_PARTS = 65536
"""Path parts a GlobSet remembers the answer for; past that it starts over (memory stays bounded)."""


class GlobSet:
    """Several globs matched as one. A glob that names a file or folder at any depth (`.pgpass`,
    `**/.env.*`, `node_modules/`) matches when one of the path's parts is that name, so those are one
    regex per part, each part answered once; the rest are one regex over the whole path. As one regex
    whose every branch started with `(?:.*/)?`, the bench history's 8.9k paths against the rules' globs
    took ~0.5 s (the branches were retried at every slash); by parts, ~0.05 s."""

    def __init__(self, globs: tuple[str, ...]) -> None:
        named = [(glob, _any_depth_name(glob)) for glob in globs]
        names = [name for _, name in named if name]
        others = [glob for glob, name in named if not name]
        self.names = re.compile("|".join(f"(?:{_body(n)})" for n in names), re.DOTALL) if names else None
        self.others = re.compile("|".join(f"(?:{glob_pattern(g)})" for g in others), re.DOTALL) if others else None
        self.parts: dict[str, bool] = {}

    def match(self, path: str) -> bool:
        if self.names is not None:
            for part in path.split("/"):
                known = self.parts.get(part)
                if known is None:
                    if len(self.parts) >= KNOWN_PARTS:
                        self.parts.clear()
                    known = self.parts[part] = self.names.fullmatch(part) is not None
                if known:
                    return True
        return self.others is not None and self.others.match(path) is not None


def _any_depth_name(glob: str) -> str:
    """The name a glob matches at any depth (`**/.env` → `.env`), or "" when it is anchored, spans
    folders or could match a slash."""
    if glob.startswith("/"):
        return ""
    name = glob.strip("/")
    while name.startswith("**/"):
        name = name[3:]
    return "" if not name or "/" in name or "**" in name else name


def _body(glob: str) -> str:
    return "".join(re.escape(piece) if literal else piece for literal, piece in glob_pieces(glob))


@functools.cache
def glob_set(globs: tuple[str, ...]) -> GlobSet:
    return GlobSet(globs)


@functools.cache
def glob_literals(glob: str) -> tuple[str, ...]:
    """The glob's literal runs (`*_test.py` → `_test.py`): a path that lacks one cannot match.

    Checking them first means a regex is compiled only for globs that might match the path: a one-file
    staged scan checks ~90 rule globs and matches none, and compiling them all was ~10 ms of the
    pre-commit hook's start-up."""
    return tuple(piece for literal, piece in glob_pieces(glob) if literal)


def could_match(path: str, globs: Sequence[str]) -> bool:
    """Whether the path holds every literal run of at least one glob (a necessary condition)."""
    return any(all(run in path for run in glob_literals(g)) for g in globs)


# Paths a tuple of globs is checked against by its literal runs alone before its regex is compiled: a
# staged scan sees a few paths, and most rule globs never match them; a history or tree sees thousands,
# and there one regex per tuple is the faster test (bench history's 8.9k paths against every rule's globs:
# about half the time of literal runs alone).
LITERAL_ONLY_PATHS = 64
_LITERAL_ONLY: dict[tuple[str, ...], int] = {}


def path_matches(path: str, globs: Sequence[str]) -> bool:
    key = tuple(globs)
    if not key:
        return False
    checked = _LITERAL_ONLY.get(key, 0)
    if checked < LITERAL_ONLY_PATHS:
        _LITERAL_ONLY[key] = checked + 1
        if not could_match(path, key):
            return False
    return glob_set(key).match(path)
