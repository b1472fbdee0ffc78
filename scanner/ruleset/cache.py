"""Load rule sets fast: a validated rule set is stored on disk, keyed by the rule files' identity.

Parsing ~300 YAML rules and validating them with JSON Schema costs ~300 ms; the pre-commit hook cannot
pay that on every commit. The cache holds rules only (never findings or secrets), lives in the user's
cache folder with owner-only permissions, and is rebuilt whenever a rule file's size or mtime changes.

The rule cache is written with `marshal` (plain tuples of the rules' fields), not pickle: the hook then
never imports pickle (~2 ms) and reads the file in less time. The cache key includes the Python version,
whose marshal format it is. The file's layout, read in parts, is cache_format.py's.
"""

from __future__ import annotations

import contextlib
import functools
import marshal
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from scanner import __version__
from scanner.errors import RuleError
from scanner.ruleset import cache_format
from scanner.ruleset.regex_engine import compile_arguments, vouch_for
from scanner.ruleset.rules import (
    LAZY_FIELDS,
    PRECOMPILED,
    PRECOMPILED_FOR,
    Rule,
    compile_pattern,
    load_rules,
    rule_files,
)
from scanner.sha256 import sha256

CACHE_FORMAT = cache_format.FORMAT
PATTERN_MAKERS = ("rules.py", "context_names.py", "keyed_context.py", "token_shape.py", "key_leads.py",
                  "provider_keys.py", "named_provider.py", "claims.py", "branches.py")
"""The modules that turn a rule file into the patterns and keywords the cache keeps (in
PATTERN_MAKERS_FOLDER): a `provider_key` rule's keywords are the provider words of named_provider.py."""
PATTERN_MAKERS_FOLDER = Path(__file__).parent


def cache_dir() -> Path:
    """LEAKSTOP_CACHE_DIR, else the platform's user cache folder (platformdirs) for leakstop.

    On Linux and the BSDs that is the XDG folder, worked out here: importing platformdirs brings tempfile
    and shutil, which the pre-commit hook does not otherwise load (tests/test_staged_imports.py), and
    tests/test_scan_cache.py checks this answer is platformdirs' own."""
    override = os.environ.get("LEAKSTOP_CACHE_DIR")
    if override:
        return Path(override)
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        base = os.environ.get("XDG_CACHE_HOME", "").strip()
        return Path(base or os.path.expanduser("~/.cache")) / "leakstop"
    import platformdirs

    return Path(platformdirs.user_cache_dir("leakstop", appauthor=False))


def cached_rules(paths: Sequence[Path], once_compiled: Callable[[Sequence[Rule]], None] | None = None
                 ) -> list[Rule]:
    """The rules under `paths`, from the cache when the files are unchanged; else loaded, with
    `once_compiled` called as load_rules says."""
    try:
        path: Path | None = cache_dir() / f"rules-{cache_key(paths)}.marshal"
    except OSError:
        path = None  # a path that cannot be listed: loading names it, and nothing is cached
    stored = read_rules(path, paths) if path is not None else None
    if stored is not None:
        rules, regex_version = stored
        PRECOMPILED_FOR[0] = regex_version  # each rule's compiled patterns come with its pattern (cache_format)
        vouch_for(regex_version)  # the file's key names the installed regex: its blobs are for it
        return rules
    if path is not None:
        adopt_compiled(path)
    rules = load_rules(rule_files(paths), once_compiled)
    if path is not None:
        # ValueError: a value marshal cannot write (a custom rule's odd YAML): no cache, same rules.
        with contextlib.suppress(ValueError):
            write_private(path, cache_format.encode(rules, *precompile(rules)))
    return rules


def adopt_compiled(path: Path) -> None:
    """The compiled patterns of the newest other rule cache beside `path`, for a load that finds none of
    its own: another configuration (a rule file of one's own, a rule turned off) holds the same built-in
    patterns, and compiling them all again took 5 s of the first scan under it. Blobs are keyed by a
    pattern's exact text and used only by the `regex` version that made them; a damaged file gives none.
    One unused for PRUNE_AFTER_DAYS is left alone: reading it would keep it from being pruned."""
    import time

    cutoff = time.time() - PRUNE_AFTER_DAYS * 86400
    try:
        others = sorted(((p.stat().st_mtime, p) for p in path.parent.glob("rules-*.marshal") if p != path),
                        reverse=True)
    except OSError:
        return
    for _, other in [(used, p) for used, p in others if used > cutoff][:1]:
        opened = open_private(other)
        stored = cache_format.read_compiled(*opened) if opened is not None else None
        if stored is None:
            continue
        regex_version, compiled = stored
        import regex

        if regex_version == regex.__version__:
            PRECOMPILED.update(compiled)
            PRECOMPILED_FOR[0] = regex_version


def read_rules(path: Path, paths: Sequence[Path]) -> tuple[list[Rule], str] | None:
    """The rules (their LAZY_FIELDS read when first asked for) and regex version stored at `path`, the
    cache of the rule files `paths`; None when the file is missing, not private, unreadable, damaged or
    written for other Rule fields (then it is rebuilt)."""
    opened = open_private(path)
    if opened is None:
        return None
    return cache_format.read(*opened, reload=functools.partial(_reloaded, path, tuple(paths)))


def _reloaded(path: Path, paths: tuple[Path, ...], rule_id: str) -> tuple[object, ...]:
    """A rule's LAZY_FIELDS from its files, for a cache record found damaged after the cache was read
    (damaged in place while this scan used it). The file is removed, so that the next scan rebuilds it."""
    with contextlib.suppress(OSError):
        path.unlink()
    rule = _rules_by_id(paths).get(rule_id)
    if rule is None:  # the files no longer hold it: they changed since the cache was read
        raise RuleError(f"rule cache {path} was damaged while in use and the rule files changed: scan again")
    return tuple(getattr(rule, name) for name in LAZY_FIELDS)


@functools.cache
def _rules_by_id(paths: tuple[Path, ...]) -> dict[str, Rule]:
    return {rule.id: rule for rule in load_rules(rule_files(paths))}


def precompile(rules: Sequence[Rule]) -> tuple[str, dict[str, bytes]]:
    """Every pattern compiled once, stored as the arguments of the regex engine's own `compile` (what a
    pickled pattern holds), marshalled, for later processes."""
    import regex

    # a rule searched by alternatives keeps only theirs (the whole pattern is compiled when `rules check`
    # asks): both made the cache file 8.7 MB instead of 7, read by every pre-commit hook
    patterns = {p for rule in rules for p in (*rule.searched, *rule.allow_patterns)}
    blobs = {}
    for pattern in patterns:
        arguments = compile_arguments(compile_pattern(pattern))
        with contextlib.suppress(ValueError):  # not marshallable: compiled again when used
            if arguments is not None:
                blobs[pattern] = marshal.dumps(arguments)
    return regex.__version__, blobs


def cache_key(paths: Sequence[Path]) -> str:
    """A digest of every rule file's resolved path, size and mtime: editing, adding, removing or renaming
    a rule file changes it. Raises OSError for a path that cannot be listed (loading then reports it)."""
    digest = sha256(f"{CACHE_FORMAT}:{__version__}:{sys.version_info[:2]}:{regex_install()}".encode())
    # Context rules' patterns, and the context branches of keyword-pattern rules, are made by code, not read
    # from their files: a change to that code must not leave the cached patterns of the old one in use.
    for module in PATTERN_MAKERS:
        digest.update((PATTERN_MAKERS_FOLDER / module).read_bytes())
    for path in paths:
        root = os.path.realpath(path)
        if not os.path.isdir(root):
            st = os.stat(root)
            digest.update(f"{root}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
            continue
        for name, st in sorted(rule_file_stats(root, set())):
            digest.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return str(digest.hexdigest())[:24]


def regex_install() -> str:
    """Which `regex` installation this interpreter imports (path and mtime), found without importing it.

    The cache holds patterns compiled by one `regex` version, and another version ignores them and
    compiles every pattern it runs (~70 ms for a staged commit's few rules). Two environments sharing the
    cache folder (a project venv and the system Python, a pre-commit env and a CI tool) used to share one
    file, so the one that did not write it never had its patterns served; now each has its own."""
    from importlib.machinery import PathFinder

    spec = PathFinder.find_spec("regex")
    if spec is None or not spec.origin:
        return ""
    return f"{spec.origin}:{os.stat(spec.origin).st_mtime_ns}"


def rule_file_stats(folder: str, seen: set[tuple[int, int]]) -> list[tuple[str, os.stat_result]]:
    """(path, stat) of every `*.yaml`/`*.yml` file below `folder`, symlinked folders followed once.

    os.scandir instead of rule_files(): listing, stat-ing and resolving ~200 files through pathlib cost
    the pre-commit hook ~15 ms of its start-up, this ~1 ms. It may list more than rule_files() loads
    (a file named `.yaml`), never less, so a change to any loaded rule file changes the key."""
    st = os.stat(folder)
    if (st.st_dev, st.st_ino) in seen:
        return []
    seen.add((st.st_dev, st.st_ino))
    found: list[tuple[str, os.stat_result]] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir():
                found.extend(rule_file_stats(entry.path, seen))
            elif entry.name.endswith((".yaml", ".yml")) and entry.is_file():
                found.append((entry.path, entry.stat()))
    return found


def load(path: Path) -> object | None:
    """What `store` wrote there, or None when it is missing, unreadable or not ours (then it is rebuilt)."""
    import pickle

    data = read_private(path)
    if data is None:
        return None
    try:
        payload: object = pickle.loads(data)  # noqa: S301 - this user's, writable by no one else (read_private)
    except (pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError):
        return None
    return payload


def store(path: Path, payload: object) -> None:
    """Pickle `payload` to `path` for `load` (the rule gate's cache)."""
    import pickle

    write_private(path, pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))


def read_private(path: Path) -> bytes | None:
    """A cache entry's bytes, or None when it is missing or someone else could have written it (see
    `open_private`)."""
    opened = open_private(path)
    if opened is None:
        return None
    with os.fdopen(opened[0], "rb") as fh:
        try:
            return fh.read()
        except OSError:
            return None


def open_private(path: Path) -> tuple[int, int] | None:
    """A descriptor open on a cache entry, and its size; None when it is missing or someone else could
    have written it.

    A cache entry decides what a scan looks for (rules, the gate) and the gate's is a pickle: one planted
    by another account (LEAKSTOP_CACHE_DIR=/tmp/... on a shared runner) could make every scan pass clean
    or run code. So only a regular file owned by this user and writable by no one else is read. Opening
    also marks the entry used, for `prune`."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
    except OSError:
        st = None
    if st is None or not _private(st):
        os.close(fd)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)
    return fd, st.st_size


def _private(st: os.stat_result) -> bool:
    import stat

    if not stat.S_ISREG(st.st_mode):
        return False
    return os.name != "posix" or (st.st_uid == os.geteuid() and not st.st_mode & 0o022)


def write_private(path: Path, data: bytes) -> None:
    """Owner-only, replaced atomically. Best effort: a read-only home or full disk only costs speed,
    never correctness. The temporary file is created exclusively and never through a symlink (another
    account could have planted one in a shared folder). Writing is also when old entries are pruned."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, flags, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            return
    except OSError:
        return
    prune(path.parent)


PRUNE_AFTER_DAYS = 30
MAX_ENTRY_BYTES = 64 * 1024 * 1024
"""Past this the least recently used rule, gate and config entries go, however recent: a day of editing
rules left 200+ MB of gate databases."""
_CACHE_ENTRY = r"(?:rules|gate|config)-[0-9a-f]{24}\.(?:marshal|pickle|json|\d+\.tmp)"
"""What `cached_rules`, the rule gate and the config cache write (and a write that died half way)."""


def prune(folder: Path, max_bytes: int = MAX_ENTRY_BYTES) -> None:
    """Delete cache entries not used for PRUNE_AFTER_DAYS (reading an entry touches it), then the least
    recently used ones until they take at most `max_bytes`: every change of the rules or a config leaves a
    new entry (a gate database is 2-5 MB), and nothing else ever removes the old ones. Only names this
    module writes, owned by this user, are touched, since LEAKSTOP_CACHE_DIR may be a folder shared with
    other files and other accounts (the scan cache's file prunes itself)."""
    import re
    import time

    entry = re.compile(_CACHE_ENTRY)
    cutoff = time.time() - PRUNE_AFTER_DAYS * 86400
    try:
        names = os.listdir(folder)
    except OSError:
        return
    kept: list[tuple[float, int, str]] = []
    for name in names:
        if entry.fullmatch(name):
            with contextlib.suppress(OSError):
                st = os.lstat(folder / name)
                if os.name == "posix" and st.st_uid != os.geteuid():
                    continue
                if st.st_mtime < cutoff:
                    os.unlink(folder / name)
                else:
                    kept.append((st.st_mtime, st.st_size, name))
    total = sum(size for _, size, _ in kept)
    for _, size, name in sorted(kept)[:-1]:  # the newest (just written) stays, whatever its size
        if total <= max_bytes:
            break
        with contextlib.suppress(OSError):
            os.unlink(folder / name)
            total -= size

