"""The clone cache: each remote repository as a bare mirror, cloned once and fetched on later audits.

A mirror appears only complete: git clones into a temporary folder that is renamed into place when the
clone succeeded, so a killed clone leaves a `.partial` folder that the next run removes. One lock file
per mirror keeps two processes from updating it at once. Credentials come from the user's own git
configuration and environment, or from the URL the user gave; a URL's credentials reach git through a
credential helper that reads them from the environment of that one call, so they are never written to
the mirror's configuration, a command line or a message.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from scanner.audit.target import Target, redacted, refused_transport, strip_credentials
from scanner.errors import GitError, ScannerError
from scanner.git.runner import run_git
from scanner.git.transfer import Transfer, git_transfer
from scanner.printable import visible

CLONE_TIMEOUT = 3600.0
"""Seconds a clone or fetch may take: a large monorepo over a slow link, not a hung connection forever."""
LOCK_TIMEOUT = 2 * CLONE_TIMEOUT
"""Seconds to wait for another process updating the same mirror (its clone may take CLONE_TIMEOUT)."""

# Answers `get` only: `store` and `erase` are ignored, so no credential is ever saved anywhere.
_URL_CREDENTIALS_HELPER = ('!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" '
                           '"$LEAKSTOP_GIT_USERNAME" "$LEAKSTOP_GIT_PASSWORD"; }; f')


class MirrorError(ScannerError):
    """A remote repository could not be cloned or fetched (one line, never with credentials)."""


def default_cache_dir() -> Path:
    """Where mirrors live unless the user says: the platform's per-user cache folder."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("leakstop")) / "mirrors"


def mirror(target: Target, cache_dir: Path, *, timeout: float = CLONE_TIMEOUT) -> Path:
    """A git folder holding `target`'s history: a local repository's own path, or the mirror of a remote
    one, cloned on first use and brought up to date (`fetch --prune`) after."""
    if not target.remote:
        return Path(target.location)
    transport = refused_transport(target.location)
    if transport is not None:
        raise MirrorError(f"{target.name}: refused: git's '{visible(transport)}::' transport runs a program")
    try:
        # the mirrors hold whole histories, secrets and all: the folder is the user's alone
        cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise MirrorError(f"{cache_dir}: cannot create the clone cache: {exc.strerror or exc}") from None
    folder = cache_dir / mirror_folder_name(target.name)
    with _locked(cache_dir / f"{folder.name}.lock", timeout=max(timeout, LOCK_TIMEOUT)):
        _remove_partials(cache_dir, folder.name)
        transfer = _transfer(target, timeout)
        if _complete(folder):
            _fetch(target, folder, transfer)
        else:
            shutil.rmtree(folder, ignore_errors=True)
            _clone(target, cache_dir, folder, transfer)
    return folder


def mirror_folder_name(name: str) -> str:
    """A folder name for a target's mirror: readable, and unique through a hash of the full name."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")[:80]
    return f"{readable}-{hashlib.sha256(name.encode('utf-8', 'surrogateescape')).hexdigest()[:12]}.git"


def _complete(folder: Path) -> bool:
    """A mirror that was renamed into place (bare: HEAD, objects/, refs/ and its config)."""
    return all(p.exists() for p in (folder / "HEAD", folder / "objects", folder / "refs", folder / "config"))


def _remove_partials(cache_dir: Path, folder_name: str) -> None:
    """Clones of this mirror that a killed run left behind (the lock says no one is writing them)."""
    for partial in cache_dir.glob(f".{glob_escape(folder_name)}.*.partial"):
        shutil.rmtree(partial, ignore_errors=True)


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _clone(target: Target, cache_dir: Path, folder: Path, transfer: Transfer) -> None:
    partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=cache_dir))
    try:
        url = strip_credentials(target.location)[0]
        code, err = git_transfer(cache_dir, "clone", "--mirror", "--quiet", "--no-local", "--", url,
                                 str(partial), transfer=transfer)
        if code != 0:
            raise MirrorError(f"{target.name}: cannot clone: {_reason(err, code)}")
        os.replace(partial, folder)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _fetch(target: Target, folder: Path, transfer: Transfer) -> None:
    url = strip_credentials(target.location)[0]
    try:
        # the same repository may be named by another URL this time (ssh instead of https): use the latest
        run_git(folder, "remote", "set-url", "--", "origin", url)
    except GitError as exc:
        raise MirrorError(f"{target.name}: the mirror in {folder} is unusable: {redacted(str(exc))}") from None
    # The mirror's config is ours, but it is a file in the user's cache: what it could name to run is
    # pinned here (git's own upload-pack: the option, as git takes the first `uploadpack` it reads and
    # `-c` comes last; no submodules), and automatic gc stays inside the lock.
    code, err = git_transfer(folder, "-c", "gc.autoDetach=false", "fetch", "--upload-pack=git-upload-pack",
                             "--prune", "--quiet", "--no-recurse-submodules", "origin", transfer=transfer)
    if code != 0:
        raise MirrorError(f"{target.name}: cannot fetch: {_reason(err, code)}")


def _reason(stderr: str, code: int) -> str:
    """git's own first complaint, on one line, with any credentials in URLs it quotes masked."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    fatal = ([line for line in lines if line.startswith("fatal:")]
             or [line for line in lines if line.startswith("error:")] or lines)
    text = fatal[0] if fatal else f"git exited with {code}"
    return redacted(re.sub(r"(\w+://)[^/@\s]+@", r"\1***@", text))


def _transfer(target: Target, timeout: float) -> Transfer:
    """The protocols, the user's credential helpers and ssh command, and the URL's credentials if any."""
    _, username, password = strip_credentials(target.location)
    env: dict[str, str] = {name: os.environ[name] for name in ("GIT_SSH_COMMAND", "GIT_SSH") if name in os.environ}
    config: list[str] = []
    if username is not None or password is not None:
        values = (username or "", password or "")
        if any(ch in value for value in values for ch in "\n\r\0"):
            raise MirrorError(f"{target.name}: the credentials in the URL hold a line break")
        env.update(LEAKSTOP_GIT_USERNAME=values[0], LEAKSTOP_GIT_PASSWORD=values[1])
        config += ["-c", "credential.helper=", "-c", f"credential.helper={_URL_CREDENTIALS_HELPER}"]
    else:
        for helper in _user_settings("credential.helper"):
            config += ["-c", f"credential.helper={helper}"]
    config += _ssh_config(env)
    return Transfer(protocols=frozenset({_protocol(target.location)}), timeout=timeout, config=tuple(config),
                    env=tuple(env.items()))


def _protocol(location: str) -> str:
    """The one transport a target's URL needs: an https remote cannot be steered to ssh or a local path."""
    scheme = location.partition("://")[0].lower() if "://" in location else "ssh"
    return "ssh" if scheme in ("ssh", "git+ssh", "ssh+git") else scheme


def _ssh_config(env: dict[str, str]) -> list[str]:
    """The ssh git would run for the user (SAFE_CONFIG's `core.sshCommand=false` undone): GIT_SSH_COMMAND
    wins over the config; the user's own `core.sshCommand`; GIT_SSH; else plain ssh in batch mode."""
    if "GIT_SSH_COMMAND" in env:
        return []
    commands = _user_settings("core.sshCommand")
    if commands:
        return ["-c", f"core.sshCommand={commands[-1]}"]
    if "GIT_SSH" in env:
        import shlex

        env["GIT_SSH_COMMAND"] = shlex.quote(env["GIT_SSH"])
        return []
    return ["-c", "core.sshCommand=ssh -o BatchMode=yes"]


def _user_settings(key: str) -> list[str]:
    """A multi-valued setting as the user's system and global configuration give it (an empty value
    clears the ones before, as git reads it); never a repository's."""
    values: list[str] = []
    for scope in ("--system", "--global"):
        try:
            out = run_git(Path.home() if Path.home().is_dir() else Path("/"), "config", scope, "-z", "--get-all",
                          key, check=False)
        except GitError:
            continue
        for value in out.decode("utf-8", "surrogateescape").split("\0")[:-1]:
            values = [] if value == "" else [*values, value]
    return values


@contextlib.contextmanager
def _locked(path: Path, *, timeout: float, poll: float = 0.2) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if needed); MirrorError after `timeout` seconds.

    Without fcntl (Windows) there is no lock: concurrent audits of one cache are a POSIX feature."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        handle = path.open("a")
    except OSError as exc:
        raise MirrorError(f"{path}: cannot open the mirror's lock file: {exc.strerror or exc}") from None
    with handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise MirrorError(f"{path}: another process has held this mirror for {timeout:g} s") from None
                time.sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
