"""One repository to audit, and how a git URL becomes one: its stable name, and the credentials kept out of it.

A target's name keys the findings store and every report line, so the same repository must get the same
name however it was written (https or scp-like, with or without `.git`, with or without a token in it),
and a token given in a URL must never reach a name, a message or a file: only `location` holds it, for the
clone itself.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from scanner.errors import ScannerError
from scanner.printable import visible


class TargetError(ScannerError):
    """A target cannot be audited as given (one line, never with the credentials of a URL)."""


@dataclass(frozen=True)
class Target:
    """A repository to audit."""

    name: str
    """Stable key in reports and the store: `host/path` (no scheme, credentials or `.git`) for a URL, the
    resolved absolute path for a local repository."""
    location: str
    """A local path or a clone URL; a URL keeps the credentials it was given with, for the clone only."""
    remote: bool
    """Whether the repository is cloned (a URL, `file://` included) rather than read where it is."""

    @property
    def safe_location(self) -> str:
        """`location` without a password or token: what may be shown, stored or written to git's config."""
        return strip_credentials(self.location)[0] if self.remote else self.location

    def __repr__(self) -> str:
        return f"Target(name={self.name!r}, location={self.safe_location!r}, remote={self.remote!r})"


# git's `<transport>::<address>` runs the remote helper `git-remote-<transport>`: `ext::` runs any
# command, `fd::` talks over inherited descriptors. No audit target needs one.
_TRANSPORT = re.compile(r"^(?P<transport>[A-Za-z0-9][A-Za-z0-9+.-]*)::")
_SCHEMES = {"https": 443, "ssh": 22, "git+ssh": 22, "ssh+git": 22}
# `user@host:path` as git reads it: a colon before any slash, no `://`.
# A one-letter host would be a Windows drive (`C:repo`), which git reads as a path.
_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/:\s]+)@)?(?P<host>[A-Za-z0-9][A-Za-z0-9.-]+):(?P<path>(?!//)\S+)$")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def refused_transport(arg: str) -> str | None:
    """The program-running transport `arg` names (`ext`, `fd`, any `X::`), or None."""
    found = _TRANSPORT.match(arg)
    return found["transport"] if found else None


def looks_like_url(arg: str) -> bool:
    return "://" in arg or refused_transport(arg) is not None


def scp_like(arg: str) -> bool:
    return _SCP_LIKE.match(arg) is not None


def remote_target(url: str) -> Target:
    """The target a git URL names (https, ssh, `file://` or scp-like `user@host:path`); TargetError for
    another scheme, a transport that runs programs, or a URL without a host or a repository path."""
    transport = refused_transport(url)
    if transport is not None:
        raise TargetError(f"refused: git's '{visible(transport)}::' transport runs a program; give an https, ssh "
                          "or file URL")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise TargetError(f"{redacted(url)}: a git URL has no spaces or control characters")
    if "://" not in url:
        scp = _SCP_LIKE.match(url)
        if scp is None:
            raise TargetError(f"{redacted(url)}: not a git URL")
        _check_user(scp["user"], url)
        return Target(_remote_name(scp["host"].lower(), None, scp["path"], url), url, True)
    parts = _split(url)
    if parts.scheme == "file":
        return _file_target(url, parts)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        raise TargetError(f"{redacted(url)}: the port is not a number") from None
    if parts.scheme != "https":
        _check_user(parts.username, url)
    if port == _SCHEMES[parts.scheme]:
        port = None
    return Target(_remote_name(host, port, parts.path, url), url, True)


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
    except ValueError:
        raise TargetError(f"{redacted(url)}: not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme == "http":
        raise TargetError(f"{redacted(url)}: plain http sends credentials and code in clear; use https")
    if scheme != "file" and scheme not in _SCHEMES:
        raise TargetError(f"{redacted(url)}: unsupported URL scheme '{visible(scheme)}' (https, ssh or file)")
    return parts._replace(scheme=scheme)


def _check_user(user: str | None, url: str) -> None:
    """ssh takes `user@host` as one argument: starting with `-`, it would be read as an option."""
    if user is not None and user.startswith("-"):
        raise TargetError(f"{redacted(url)}: a user name cannot start with '-'")


def _file_target(url: str, parts: SplitResult) -> Target:
    if parts.netloc not in ("", "localhost"):
        raise TargetError(f"{redacted(url)}: a file URL names a path on this machine (file:///path)")
    path = unquote(parts.path)
    if not path or not os.path.isabs(path):
        raise TargetError(f"{redacted(url)}: a file URL needs an absolute path")
    return Target(str(Path(path).resolve()), url, True)


def _remote_name(host: str, port: int | None, path: str, url: str) -> str:
    """`host[:port]/path` without `.git`: https, ssh and scp-like spellings of one repository agree."""
    if not host or host.startswith("-"):
        raise TargetError(f"{redacted(url)}: no valid host name")
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")].rstrip("/")
    if not path or any(part in ("", ".", "..") for part in path.split("/")):
        raise TargetError(f"{redacted(url)}: no repository path after the host")
    return f"{host.lower()}{f':{port}' if port else ''}/{path}"


def strip_credentials(url: str) -> tuple[str, str | None, str | None]:
    """(url without its password, username, password) for a `scheme://` URL. An https URL loses its whole
    user part (a token is often given as the user name); an ssh URL keeps its login user, who is no
    secret, and loses a password. Anything else comes back as it is."""
    if "://" not in url:
        return url, None, None
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, has_password, password = userinfo.partition(":")
    keep_user = user and parts.scheme.lower() not in ("https", "http")
    netloc = f"{user}@{hostport}" if keep_user else hostport
    stripped = urlunsplit(parts._replace(netloc=netloc))
    return stripped, unquote(user) or None, unquote(password) if has_password else None


def redacted(text: str) -> str:
    """`text` safe for a message: a URL's credentials replaced by `***`, control characters escaped,
    the length bounded (a targets file's line can be anything)."""
    if "://" in text:
        head, sep, rest = text.partition("://")
        netloc_end = len(rest) if "/" not in rest else rest.index("/")
        netloc = rest[:netloc_end]
        if "@" in netloc:
            rest = "***@" + netloc.rpartition("@")[2] + rest[netloc_end:]
        text = head + sep + rest
    shown = visible(text)
    return shown if len(shown) <= 200 else shown[:200] + "..."


def api_base(api_url: str) -> SplitResult:
    """A forge's API base URL, checked: https, or plain http on this machine only (a test's fake)."""
    parts = urlsplit(api_url.rstrip("/"))
    host = parts.hostname or ""
    if parts.scheme != "https" and not (parts.scheme == "http" and host in _LOOPBACK):
        raise TargetError(f"{redacted(api_url)}: the API URL must be https")
    if not host or "@" in parts.netloc:
        raise TargetError(f"{redacted(api_url)}: the API URL needs a host and no credentials")
    return parts
