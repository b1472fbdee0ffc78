"""`.leakstopignore`: silence one secret, for a reason, keyed by its content fingerprint.

An entry names the fingerprint (a hash of rule id + secret), so it survives rebases, renames and line
moves, and can never hide a different secret. The file is YAML, one block per entry, sorted by
fingerprint, so two branches that each add an entry merge without a conflict in most cases and a person
can read and edit it:

    - fingerprint: ls1:0123456789abcdef0123456789abcdef
      reason: test fixture, revoked in 2024
      added: 2026-11-23
      path: tests/**          # optional: only there
      expires: 2027-01-31     # optional: stops applying after this day
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.config import read_text
from scanner.errors import ConfigError
from scanner.findings import Finding
from scanner.fragment import Fragment
from scanner.ruleset.globs import path_matches
from scanner.ruleset.lazy_pattern import LazyPattern

FINGERPRINT_RE = LazyPattern(r"^ls1:[0-9a-f]{32}$")
HEADER = ("# leakstop ignore file: one entry per block, sorted by fingerprint.\n"
          "# Add entries with `leakstop ignore FINGERPRINT --reason \"...\"`; see docs/configuration.md.\n")
KEYS = {"fingerprint", "reason", "added", "path", "expires"}


@dataclass(frozen=True)
class IgnoreEntry:
    fingerprint: str
    reason: str
    added: dt.date
    path: str = ""
    expires: dt.date | None = None
    line: int = 0
    """Where the entry starts in its file, for messages."""

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today

    def block(self) -> str:
        """The entry as it is written to the file: fixed key order, one value per line."""
        out = f"- fingerprint: {self.fingerprint}\n  reason: {json.dumps(self.reason, ensure_ascii=False)}\n"
        out += f"  added: {self.added.isoformat()}\n"
        if self.path:
            # A JSON string is a YAML double-quoted scalar: safe for globs starting with `*` or `!`.
            out += f"  path: {json.dumps(self.path, ensure_ascii=False)}\n"
        if self.expires:
            out += f"  expires: {self.expires.isoformat()}\n"
        return out


def parse_date(file: Path, line: int, key: str, value: object) -> dt.date:
    """YAML reads `2027-01-31` as a date already; a quoted one is accepted too."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{file}:{line}: {key}: '{value}' is not a date (YYYY-MM-DD)") from None


def parse_entry(file: Path, line: int, raw: object) -> IgnoreEntry:
    if not isinstance(raw, dict):
        raise ConfigError(f"{file}:{line}: an entry must be a mapping starting with '- fingerprint:'")
    unknown = sorted(set(map(str, raw)) - KEYS)
    if unknown:
        raise ConfigError(f"{file}:{line}: unknown key '{unknown[0]}' (known keys: {', '.join(sorted(KEYS))})")
    fingerprint = str(raw.get("fingerprint", ""))
    if not FINGERPRINT_RE.match(fingerprint):
        raise ConfigError(f"{file}:{line}: fingerprint '{fingerprint}' is not a leakstop fingerprint (ls1:<32 hex>)")
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f"{file}:{line}: entry {fingerprint} has no reason; every ignore needs one")
    if "added" not in raw:
        raise ConfigError(f"{file}:{line}: entry {fingerprint} has no 'added' date")
    path = raw.get("path", "")
    if not isinstance(path, str):
        raise ConfigError(f"{file}:{line}: path: expected a glob string")
    expires = parse_date(file, line, "expires", raw["expires"]) if raw.get("expires") is not None else None
    return IgnoreEntry(fingerprint, reason.strip(), parse_date(file, line, "added", raw["added"]), path, expires, line)


def entry_lines(text: str) -> list[int]:
    """The 1-based line of each top-level list item, so an error can point at the entry."""
    import yaml

    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]


def read_ignore_file(file: Path) -> list[IgnoreEntry]:
    return parse_ignore_text(file, read_text(file))


def parse_ignore_text(file: Path, text: str) -> list[IgnoreEntry]:
    """The entries of an ignore file's text (`file` names it in errors): also a past revision's text."""
    from scanner.ruleset.yaml_io import load_yaml

    try:
        data: Any = load_yaml(text)
    except ValueError as exc:
        raise ConfigError(f"{file}: {exc}") from exc
    if data is None:
        return []
    if not isinstance(data, list):
        raise ConfigError(f"{file}:1: expected a list of entries, each starting with '- fingerprint:'")
    lines = entry_lines(text) or [0] * len(data)
    return [parse_entry(file, line, raw) for line, raw in zip(lines, data)]


def add_entry(file: Path, entry: IgnoreEntry) -> None:
    """Insert the entry's block at its sorted place, leaving every other byte of the file as it was
    (comments and hand edits included)."""
    existing = read_ignore_file(file) if file.exists() else []
    for known in existing:
        if known.fingerprint == entry.fingerprint and known.path == entry.path:
            raise ConfigError(f"{file}:{known.line}: {entry.fingerprint} is already ignored")
    text = file.read_text(encoding="utf-8") if file.exists() else HEADER
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    insert_at = len(lines)
    header_end = existing[0].line - 1 if existing else len(lines)
    for known in existing:
        if (known.fingerprint, known.path) > (entry.fingerprint, entry.path):
            insert_at = known.line - 1
            while insert_at > header_end and lines[insert_at - 1].lstrip().startswith("#"):
                insert_at -= 1  # a comment above an entry belongs to that entry
            break
    lines.insert(insert_at, entry.block())
    file.write_text("".join(lines), encoding="utf-8")


class IgnoreList:
    """A suppressor over the entries of one ignore file that remembers which entries were used.

    Expired entries do not apply; they and (on request) unused ones come back as warnings."""

    def __init__(self, file: Path, entries: Sequence[IgnoreEntry], today: dt.date | None = None) -> None:
        self.file = file
        self.today = today or dt.date.today()
        self.active: dict[str, list[IgnoreEntry]] = {}
        self.expired = [e for e in entries if e.expired(self.today)]
        for entry in entries:
            if not entry.expired(self.today):
                self.active.setdefault(entry.fingerprint, []).append(entry)
        self.used: set[IgnoreEntry] = set()

    def __call__(self, finding: Finding, fragment: Fragment) -> str:
        for entry in self.active.get(finding.fingerprint, ()):
            # A path-limited entry covers a finding only where every place it occurs is in that path: one
            # history blob at tests/fixture.py and src/app.py is one finding, shown for its src/ copy.
            if not entry.path or all(path_matches(loc.path, (entry.path,)) for loc in finding.locations):
                self.used.add(entry)
                return f"ignore: {self.file.name}:{entry.line} ({entry.reason})"
        return ""

    def warnings(self, report_unused: bool) -> list[str]:
        out = [f"{self.file}:{e.line}: ignore entry {e.fingerprint} expired on {e.expires} and no longer "
               f"applies ({e.reason})" for e in self.expired]
        if report_unused:
            out.extend(f"{self.file}:{e.line}: ignore entry {e.fingerprint} matched nothing ({e.reason})"
                       for entries in self.active.values() for e in entries if e not in self.used)
        return out
