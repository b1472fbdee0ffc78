"""Gitignore globs over forward-slash paths: rule `paths`/`exclude_paths`, the configuration's `exclude`,
ignore-file entries' `path`, and `--exclude`. Call `path_matcher(globs)` once and the matcher per path.

The meaning is gitignore's, as the `pathspec` library implements it (tests/test_globs.py checks every
answer against pathspec): `*` and `?` stay within a folder, `**` crosses folders, `[ch]` and `[!a-z]` are
classes, `\\*` is a literal star, a glob without a slash matches at any depth, one with a slash is
anchored at the top, `docs/` matches only a folder (the files below it, never a file named `docs`), a
folder's match covers everything below it, and `!glob` re-includes what an earlier glob matched (the last
glob that matches decides). The translation is done here rather than by pathspec at run time: importing
pathspec takes 25 ms or more and loads Hyperscan, on the pre-commit hook's every commit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence


class Glob:
    """One glob, translated. (A plain class: the pre-commit hook imports this module, and a dataclass
    costs its definition at every start-up.)"""

    __slots__ = ("include", "pattern", "own", "name", "folder_only")

    def __init__(self, include: bool, pattern: str, own: str, name: str, folder_only: bool) -> None:
        self.include = include
        """False for a `!negation`."""
        self.pattern = pattern
        """The regex over a whole path (which also matches the paths below a folder it matches)."""
        self.own = own
        """The regex over one file or folder path itself, for globs tried level by level (negations)."""
        self.name = name
        """The regex over one path part when the glob names a file or folder at any depth (`.pgpass`,
        `**/.env.*`, `node_modules/`), else empty."""
        self.folder_only = folder_only
        """A trailing slash: only a folder matches, so `name` is tried on parts that are not the last."""


@functools.lru_cache(maxsize=4096)
def parse_glob(glob: str) -> Glob | None:
    """The glob translated, or None for a blank or a `#` comment (as in a .gitignore file)."""
    text = _without_trailing_spaces(glob)
    if not text or text.startswith("#"):
        return None
    include = not text.startswith("!")
    text = text if include else text[1:]
    folder_only = text.endswith("/")
    text = text.rstrip("/")
    if not text:
        return None
    anchored = "/" in text
    # a part of two or more stars alone crosses folders (git's wildmatch: `***` is `**`)
    parts = [p if len(p) < 2 or p.strip("*") else "**" for p in (text[1:] if text.startswith("/") else text).split("/")]
    parts = [p for i, p in enumerate(parts) if not (p == "**" and i and parts[i - 1] == "**")]  # `**/**` is `**`
    body = _parts_regex(parts)
    prefix = "" if anchored else "(?:.*/)?"
    suffix = "/.*" if folder_only else "(?:/.*)?"
    name = ""
    while parts and parts[0] == "**" and len(parts) > 1:
        parts = parts[1:]
    if len(parts) == 1 and parts[0] != "**" and (not anchored or text.startswith("**/")):
        name = _part_regex(parts[0])
    return Glob(include, f"^{prefix}{body}{suffix}\\Z", f"^{prefix}{body}\\Z", name, folder_only)


def _without_trailing_spaces(glob: str) -> str:
    """Trailing spaces are dropped unless escaped (`x\\ ` keeps one)."""
    text = glob.rstrip(" ")
    if text != glob and text.endswith("\\") and not text.endswith("\\\\"):
        text += " "
    return text


def _parts_regex(parts: list[str]) -> str:
    """`**` as a whole part: at the start any folders (or none), at the end anything below, between two
    parts any folders between them (or none)."""
    if all(p == "**" for p in parts):
        return ".+"
    out = ""
    for i, part in enumerate(parts):
        if part == "**":
            out += "(?:.*/)?" if i == 0 else "/.+" if i == len(parts) - 1 else "(?:/.+)?"
            continue
        if i and not (i == 1 and parts[0] == "**"):
            out += "/"
        out += _part_regex(part)
    return out


def _part_regex(part: str) -> str:
    return "".join(re.escape(piece) if literal else piece for literal, piece in _pieces(part))


def _pieces(text: str) -> Iterator[tuple[bool, str]]:
    """(is_literal, piece): single literal characters, or a wildcard or class as a regex fragment."""
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            yield True, text[i + 1]
            i += 2
        elif char == "*":
            while i < len(text) and text[i] == "*":
                i += 1
            yield False, "[^/]*"
        elif char == "?":
            yield False, "[^/]"
            i += 1
        elif char == "[":
            end = class_end(text, i)
            if end < 0:  # an unclosed class: git's wildmatch matches nothing
                yield False, "(?!)"
                return
            yield False, _class_regex(text[i + 1:end])
            i = end + 1
        else:
            yield True, char
            i += 1


def class_end(text: str, start: int, negations: str = "!^") -> int:
    """Where the class opened at `start` closes, or -1: a `]` right after `[` or its negation is a member
    (a glob's negation is `!` or `^`, a regular expression's `^`)."""
    i = start + 1
    if i < len(text) and text[i] in negations:
        i += 1
    if i < len(text) and text[i] == "]":
        i += 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "]":
            return i
        i += 1
    return -1


def _class_regex(inside: str) -> str:
    negated = inside[:1] in ("!", "^")
    inside = inside[1:] if negated else inside
    out = ""
    i = 0
    while i < len(inside):
        char = inside[i]
        if char == "\\" and i + 1 < len(inside):
            char = inside[i + 1]
            i += 1
        out += char if char == "-" and 0 < i < len(inside) - 1 else re.escape(char)
        i += 1
    return f"[^/{out}]" if negated else f"(?!/)[{out}]"


def glob_pieces(glob: str) -> Iterator[tuple[bool, str]]:
    """(is_literal, piece) of a glob in order, runs of literal characters joined; a leading `!`, the
    slashes at either end and the one after a `**` part (which may stand for no folder) are not part of
    the pieces."""
    text = _without_trailing_spaces(glob)
    text = (text[1:] if text.startswith("!") else text).strip("/")
    run = ""
    parts = text.split("/") if text else []
    for i, part in enumerate(parts):
        crossing = len(part) > 1 and not part.strip("*")
        if i and not (len(parts[i - 1]) > 1 and not parts[i - 1].strip("*")):
            run += "/"
        for literal, piece in _pieces(part):
            if literal:
                run += piece
                continue
            if run:
                yield True, run
                run = ""
            yield False, "(?:.*/)?" if crossing else piece
    if run:
        yield True, run


def glob_pattern(glob: str) -> str:
    """The regex of one glob over a whole path (of its positive form, for a `!negation`)."""
    parsed = parse_glob(glob)
    return parsed.pattern if parsed else "(?!)"


@functools.lru_cache(maxsize=4096)
def glob_regex(glob: str) -> re.Pattern[str]:
    return re.compile(glob_pattern(glob), re.DOTALL)


KNOWN_PARTS = 65536
"""Path parts a GlobSet remembers the answer for; past that it starts over (memory stays bounded)."""


class GlobSet:
    """Several globs matched as one. A glob that names a file or folder at any depth matches when one
    of the path's parts is that name, so those are one regex per part, each part answered once; the rest
    are one regex over the whole path. Per part, the rules' globs over a history's paths take a tenth of
    the time of one regex whose every branch is retried at every slash.

    With a `!negation` among them, git's order applies: each folder of the path, then the path itself, is
    decided by the last glob that matches it, and a path below an excluded folder stays excluded."""

    def __init__(self, globs: tuple[str, ...]) -> None:
        parsed = [g for g in map(parse_glob, globs) if g is not None]
        self.ordered = [(re.compile(g.own, re.DOTALL), g.include, g.folder_only) for g in reversed(parsed)] \
            if any(not g.include for g in parsed) else None
        self.names = _either([g.name for g in parsed if g.name and not g.folder_only])
        self.folders = _either([g.name for g in parsed if g.name and g.folder_only])
        self.others = _either([g.pattern for g in parsed if not g.name])
        self.parts: dict[str, tuple[bool, bool]] = {}

    def match(self, path: str) -> bool:
        if self.ordered is not None:
            return self._in_order(path)
        if self.names is not None or self.folders is not None:
            parts = path.split("/")
            for i, part in enumerate(parts):
                known = self.parts.get(part)
                if known is None:
                    if len(self.parts) >= KNOWN_PARTS:
                        self.parts.clear()
                    known = self.parts[part] = (_full(self.names, part), _full(self.folders, part))
                if known[0] or known[1] and i < len(parts) - 1:
                    return True
        return self.others is not None and self.others.match(path) is not None

    def _in_order(self, path: str) -> bool:
        assert self.ordered is not None
        end = -1
        while True:
            end = path.find("/", end + 1)
            level, folder = (path, False) if end < 0 else (path[:end], True)
            decided = next((include for regex, include, folder_only in self.ordered
                            if (folder or not folder_only) and regex.match(level)), False)
            if decided or not folder:
                return decided


def _either(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.DOTALL) if patterns else None


def _full(regex: re.Pattern[str] | None, part: str) -> bool:
    return regex is not None and regex.fullmatch(part) is not None


@functools.lru_cache(maxsize=1024)
def glob_set(globs: tuple[str, ...]) -> GlobSet:
    return GlobSet(globs)


@functools.lru_cache(maxsize=4096)
def glob_literals(glob: str) -> tuple[str, ...]:
    """The glob's literal runs (`*_test.py` → `_test.py`): a path that lacks one cannot match.

    Checking them first means a regex is compiled only for globs that might match the path: a one-file
    staged scan checks ~90 rule globs and matches none, and compiling them all was ~10 ms of the
    pre-commit hook's start-up."""
    return tuple(piece for literal, piece in glob_pieces(glob) if literal)


def could_match(path: str, globs: Sequence[str]) -> bool:
    """Whether the path holds every literal run of at least one glob that includes (a necessary
    condition: a `!negation` only takes away)."""
    return any(all(run in path for run in glob_literals(g)) for g in globs if not g.startswith("!"))


LITERAL_ONLY_PATHS = 64
"""Paths a tuple of globs is checked against by its literal runs alone before its regex is compiled: a
staged scan sees a few paths, and most rule globs never match them; a history or tree sees thousands, and
there one regex per tuple is the faster test (half the time of literal runs alone on a history's paths)."""


class PathMatcher:
    """`matcher(path)`: whether the globs match the path (the last matching glob decides)."""

    def __init__(self, globs: tuple[str, ...]) -> None:
        self.globs = globs
        self.by_literals = LITERAL_ONLY_PATHS if globs else 0
        self.matched: Callable[[str], bool] | None = None if globs else _never

    def __call__(self, path: str) -> bool:
        if self.matched is not None:
            return self.matched(path)
        self.by_literals -= 1
        if self.by_literals <= 0:
            self.matched = glob_set(self.globs).match
        elif not could_match(path, self.globs):
            return False
        return glob_set(self.globs).match(path)


def _never(path: str) -> bool:
    return False


_MATCHERS: dict[tuple[str, ...], PathMatcher] = {}


def path_matcher(globs: Sequence[str]) -> Callable[[str], bool]:
    """One matcher per distinct list of globs, compiled on first need and kept: call it once per path."""
    key = tuple(globs)
    matcher = _MATCHERS.get(key)
    if matcher is None:
        if len(_MATCHERS) >= 4096:
            _MATCHERS.clear()
        matcher = _MATCHERS[key] = PathMatcher(key)
    return matcher


def path_matches(path: str, globs: Sequence[str]) -> bool:
    return path_matcher(globs)(path)
