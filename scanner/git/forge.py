"""Links to a commit or a line on the forge a repository came from, so a report points where people look."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

# Only hosts whose URL layout we know; anything else gets no link rather than a wrong one.
_KNOWN = {"github.com": "github", "gitlab.com": "gitlab"}

_SCP_LIKE = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>(?!/)[^\s]+)$")


@dataclass(frozen=True)
class Forge:
    """A repository's web home: `kind` says how its commit and file URLs are laid out."""

    kind: str
    """`github` or `gitlab` (self-hosted instances count when the host name says so)."""
    base: str
    """`https://host/owner/name`, without `.git` or credentials."""

    def commit_url(self, commit: str) -> str:
        middle = "/-/commit/" if self.kind == "gitlab" else "/commit/"
        return f"{self.base}{middle}{commit}"

    def line_url(self, commit: str, path: str, line: int) -> str:
        middle = "/-/blob/" if self.kind == "gitlab" else "/blob/"
        return f"{self.base}{middle}{commit}/{quote(path)}#L{line}"


def forge_for(remote_url: str) -> Forge | None:
    """The forge behind a remote URL (https, ssh or scp-like), or None when the host is not one we know."""
    host, path = _host_and_path(remote_url.strip())
    if not host or not path:
        return None
    kind = _KNOWN.get(host) or next((k for k in ("github", "gitlab") if host.startswith(f"{k}.")), None)
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")]
    if kind is None or path.count("/") < 1 or any(part in ("", ".", "..") for part in path.split("/")):
        return None
    return Forge(kind, f"https://{host}/{path}")


def _host_and_path(url: str) -> tuple[str, str]:
    if "://" in url:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http", "ssh", "git", "git+ssh"):
            return "", ""
        return (parts.hostname or "").lower(), parts.path
    scp = _SCP_LIKE.match(url)
    if scp:
        return scp["host"].lower(), scp["path"]
    return "", ""
