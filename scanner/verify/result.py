"""Verification: what a provider said about one secret, as a value reporters can render."""

from __future__ import annotations

from dataclasses import dataclass

VALID = "valid"
INVALID = "invalid"
UNKNOWN = "unknown"
ERROR = "error"
STATUSES = (VALID, UNKNOWN, INVALID, ERROR)
"""In the order reports list them: the keys to rotate tonight first."""


@dataclass(frozen=True)
class Verification:
    """The answer for one finding; never holds the secret or a request/response body."""

    status: str
    """`valid`, `invalid`, `unknown` (rate-limited, 5xx, an answer the rule does not describe) or `error`
    (network)."""
    reason: str
    """A short sentence: `HTTP 200`, `HTTP 401`, `rate-limited (HTTP 429)`, `partner aws-access-key-id not
    found in the same file`."""
    identity: str = ""
    """What the key can reach, from a read-only call: `login=octocat; scopes=repo, gist`."""
    endpoint: str = ""
    """The request that decided, without the secret: `GET https://api.github.com/user`."""
    advice: str = ""
    """For a valid key: where to revoke it, and for history findings that rewriting history is not enough."""

    def as_dict(self) -> dict[str, str]:
        out = {"status": self.status, "reason": self.reason}
        extra = {"endpoint": self.endpoint, "identity": self.identity, "advice": self.advice}
        out.update((k, v) for k, v in extra.items() if v)
        return out


def status_rank(status: str) -> int:
    return STATUSES.index(status) if status in STATUSES else len(STATUSES)
