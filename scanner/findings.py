"""Finding, Location, fingerprints, redaction and grouping: what users see of a match.

The secret is held in memory only (for filtering, grouping and `--show-secrets`); what leaves the process
is the fingerprint (a hash) and a redacted preview.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import TYPE_CHECKING

from scanner.sha256 import sha256_hex

if TYPE_CHECKING:
    from scanner.verify.result import Verification

FINGERPRINT_PREFIX = "ls1"


def fingerprint(rule_id: str, secret: str) -> str:
    """A stable id for (rule, secret): the same secret keeps it across commits, files, rebases and line moves.

    Only a hash leaves the process, so ignore files and baselines can be committed. The rule id is part of
    the key so one secret matched by two rules can be allowed for one and still reported by the other.
    """
    digest = sha256_hex(f"{rule_id}\0{secret}")
    return f"{FINGERPRINT_PREFIX}:{digest[:32]}"


def redact(secret: str, shown_percent: int | None = None) -> str:
    """Keep a short prefix (enough to recognise `sk_live_` or `AKIA`), mask the rest with a fixed width.

    The mask width does not depend on the secret's length, so the output does not leak it either.
    `shown_percent` (`--redact=N`) keeps that share of the secret instead, never all of it.
    """
    if shown_percent is None:
        keep = min(len(secret) // 4, 6)
    else:
        keep = min(len(secret) * shown_percent // 100, len(secret) // 2)
    return secret[:keep] + "*" * 8


def redact_line(line: str, secret: str, shown: str) -> str:
    """The line with every copy of the secret (or of each of its lines) replaced by `shown`."""
    for part in secret.splitlines() or [secret]:
        if part and len(part) >= 4:
            line = line.replace(part, shown)
    return line


@dataclass(frozen=True)
class Location:
    """One place a secret occurs."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    """Exclusive: one past the secret's last character, 1-based."""
    preview: str = ""
    """The secret's first line, trimmed, with the secret redacted unless secrets are shown."""
    commit: str = ""
    author: str = ""
    email: str = ""
    """The author's email, as git has it."""
    date: str = ""
    subject: str = ""
    """The commit message's first line."""
    commit_url: str = ""
    """The commit on its forge (GitHub, GitLab), when the repository's remote is one."""
    blob: str = ""
    decoded: str = ""
    """How the secret was decoded out of the file (`base64`, `base64 > hex`); line/column then point at
    the encoded run."""
    cell: str = ""
    """For notebooks: `cell 3, line 2` (line/column are still those of the raw .ipynb file)."""
    in_head: bool | None = None
    """History scans: whether HEAD's tree still holds this blob at this path; None for other scans."""
    order: int = field(default=0, compare=False)
    """History scans: where in history (oldest first) the place was written; 0 for other scans. A sort key
    only (history is scanned in storage order), never output."""
    parent_blobs: tuple[str, ...] = field(default=(), compare=False)
    """History scans: the blobs the path held just before this commit; never output. A place whose parent
    blob holds the same secret is a later edit of the file, not where the secret entered it."""
    left_commit: str = field(default="", compare=False)
    """History scans: the first commit after this one that took the secret out of this path (rewrote it
    without the secret, or deleted it); empty while the path still holds it."""
    left_date: str = field(default="", compare=False)


@dataclass(frozen=True)
class Finding:
    """One secret found by one rule, with every place it was seen."""

    rule_id: str
    rule_name: str
    provider: str
    severity: str
    confidence: str
    fingerprint: str
    shown_secret: str
    """Redacted, unless the scan was asked to show secrets."""
    locations: tuple[Location, ...]
    remediation: str = ""
    entropy: float = 0.0
    secret: str = field(default="", repr=False, compare=False)
    """The plaintext, kept in memory for filters and grouping; reporters never print it."""
    suppressed_by: str = ""
    """Why the finding is not reported (inline, ignore, baseline, allowlist); empty when it is."""
    description: str = ""
    """The rule's description; reporters that document rules (SARIF) show it."""
    references: tuple[str, ...] = ()
    """Where the secret's format and its rotation are documented (the rule's references)."""
    captures: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)
    """The rule's other named groups (in memory only, like `secret`): what verification substitutes."""
    verification: Verification | None = None
    """What the provider said about the secret, when the scan was asked to verify (`--verify`)."""
    reachable_from: tuple[str, ...] = ()
    """History scans: the branches and tags (local and remote-tracking) from which a commit that brought
    the secret in is reachable: where it must be purged from, if it is to be purged."""
    exposed_since: str = ""
    """History scans: the date the secret first entered the history (ISO 8601)."""
    exposed_until: str = ""
    """History scans: the date the secret left the last path that held it; empty while a path (at HEAD or
    on any branch) still holds it."""
    exposed_for: int | None = None
    """History scans: seconds from `exposed_since` to `exposed_until`, or to the scan when it is empty."""

    @property
    def first(self) -> Location:
        return self.locations[0]

    @property
    def present_at_head(self) -> bool | None:
        """Whether the secret is still in HEAD's tree (None when the scan did not look at history)."""
        known = [loc.in_head for loc in self.locations if loc.in_head is not None]
        return any(known) if known else None


SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def group_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Merge findings of the same (rule, secret) into one that lists every location.

    History sees one key in hundreds of commits; users want to rotate it once, so they get one finding.
    Locations are put in history order (`Location.order`; arrival order where it is equal, as in every
    other scan), so the first location is where the secret was introduced, however history was read.
    """
    merged: dict[str, Finding] = {}
    seen: dict[str, set[Location]] = {}
    for f in sorted(findings, key=first_order):
        known = merged.get(f.fingerprint)
        if known is None:
            merged[f.fingerprint] = f
            seen[f.fingerprint] = set(f.locations)
            continue
        new = tuple(loc for loc in f.locations if loc not in seen[f.fingerprint])
        seen[f.fingerprint].update(new)
        if new:
            merged[f.fingerprint] = replace(known, locations=known.locations + new)
    return sort_findings(replace(f, locations=entered(tuple(sorted(f.locations, key=attrgetter("order")))))
                         for f in merged.values())


def entered(locations: tuple[Location, ...]) -> tuple[Location, ...]:
    """The places where the secret entered its path: those whose path held no version with the same
    secret just before. Four unrelated edits of a file that keeps a key on line 1 are not four more
    places to look at; the commit that brought it in (again, if it left and came back) is."""
    held = {(loc.path, loc.blob) for loc in locations if loc.blob}
    kept = tuple(loc for loc in locations if not any((loc.path, blob) in held for blob in loc.parent_blobs))
    return kept or locations


def ungroup_findings(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per location, for `--no-group`; history's oldest first, as when grouped."""
    return sorted((replace(f, locations=(loc,)) for f in findings for loc in f.locations), key=first_order)


def first_order(f: Finding) -> int:
    return f.first.order


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (f.first.path, f.first.line, f.first.column, f.rule_id, f.first.commit),
    )
