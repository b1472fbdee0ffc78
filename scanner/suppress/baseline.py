"""Baselines: the secrets a repository already had when it adopted leakstop, so only new ones are reported.

The file holds hashes only, sorted, one per line, with no line numbers and no timestamps: re-creating it
on an unchanged repository gives the same bytes, and two branches touch different lines. Entries are
`ls1:` fingerprints (rule + secret) or, for baselines imported from detect-secrets and gitleaks (which
do not know our rule ids), `sha1:` hashes of the secret alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.config import read_text
from scanner.errors import ConfigError
from scanner.findings import Finding
from scanner.fragment import Fragment

BASELINE_FORMAT = "leakstop-baseline"
BASELINE_VERSION = 1
ENTRY_RE = re.compile(r"^(?:ls1:[0-9a-f]{32}|sha1:[0-9a-f]{40})$")


def secret_sha1(secret: str) -> str:
    """The hash detect-secrets stores (`hashed_secret`): SHA-1 of the secret's UTF-8 bytes, hex."""
    return hashlib.sha1(secret.encode("utf-8", "surrogateescape")).hexdigest()  # noqa: S324 - a format, not security


def finding_keys(finding: Finding) -> tuple[str, str]:
    return finding.fingerprint, f"sha1:{secret_sha1(finding.secret)}"


@dataclass(frozen=True)
class Baseline:
    file: Path
    entries: frozenset[str]

    def __call__(self, finding: Finding, fragment: Fragment) -> str:
        """A suppressor: the finding's fingerprint, or the SHA-1 of its secret, is in the baseline."""
        if any(key in self.entries for key in finding_keys(finding)):
            return f"baseline: {self.file.name}"
        return ""


def read_baseline(file: Path) -> Baseline:
    text = read_text(file)
    data = parse_json(file, text)
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise ConfigError(f"{file}:1: not a leakstop baseline (expected \"format\": \"{BASELINE_FORMAT}\")")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ConfigError(f"{file}: version: expected an integer")
    if version > BASELINE_VERSION:
        raise ConfigError(f"{file}: baseline format version {version} is newer than this leakstop reads "
                          f"({BASELINE_VERSION}); upgrade leakstop")
    entries = data.get("entries")
    if not isinstance(entries, list):
        raise ConfigError(f"{file}: entries: expected a list of fingerprints")
    for entry in entries:
        if not isinstance(entry, str) or not ENTRY_RE.match(entry):
            raise ConfigError(f"{file}:{line_of(text, entry)}: entry {json.dumps(entry)} is neither "
                              "ls1:<32 hex> nor sha1:<40 hex>")
    return Baseline(file, frozenset(entries))


def parse_json(file: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{file}:{exc.lineno}: invalid JSON: {exc.msg}") from exc


def line_of(text: str, value: object) -> int:
    needle = json.dumps(value)
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    return 1


def render_baseline(entries: Iterable[str]) -> str:
    """One entry per line, sorted, so a diff shows exactly which secrets came and went."""
    body = ",\n".join(f"    {json.dumps(e)}" for e in sorted(set(entries)))
    return (f'{{\n  "format": "{BASELINE_FORMAT}",\n  "version": {BASELINE_VERSION},\n'
            f'  "entries": [\n{body}{chr(10) if body else ""}  ]\n}}\n')


def write_baseline(file: Path, entries: Iterable[str]) -> None:
    try:
        # Owner-only: a baseline holds no secret, but it maps where secrets were; git keeps no mode bits but +x.
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(render_baseline(entries))
    except OSError as exc:
        raise ConfigError(f"{file}: cannot write baseline: {exc.strerror}") from exc


def from_detect_secrets(file: Path) -> tuple[set[str], list[str]]:
    """detect-secrets keeps `results: {path: [{hashed_secret, line_number, type, ...}]}`; only the hash
    is worth keeping (its line numbers are what made those baselines churn)."""
    data = parse_json(file, read_text(file))
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict):
        raise ConfigError(f"{file}: not a detect-secrets baseline (no \"results\" mapping)")
    entries: set[str] = set()
    for path, items in results.items():
        for item in items if isinstance(items, list) else [items]:
            hashed = item.get("hashed_secret") if isinstance(item, dict) else None
            if not isinstance(hashed, str) or not re.fullmatch(r"[0-9a-fA-F]{40}", hashed):
                raise ConfigError(f"{file}:{line_of(read_text(file), path)}: result for {path} has no valid "
                                  "hashed_secret")
            entries.add(f"sha1:{hashed.lower()}")
    return entries, []


def from_gitleaks(file: Path) -> tuple[set[str], list[str]]:
    """A gitleaks JSON report: a list of findings with `Secret` (plaintext unless `--redact` was used) and a
    position-keyed `Fingerprint`. Plaintext secrets become hashes here; redacted ones cannot be converted."""
    data = parse_json(file, read_text(file))
    if not isinstance(data, list):
        raise ConfigError(f"{file}: not a gitleaks JSON report (expected a list of findings)")
    entries: set[str] = set()
    redacted: list[str] = []
    for item in data:
        if not isinstance(item, dict) or "Secret" not in item:
            raise ConfigError(f"{file}: not a gitleaks JSON report (a finding without \"Secret\")")
        secret = item["Secret"]
        if not isinstance(secret, str) or not secret or "REDACTED" in secret or secret.endswith("..."):
            redacted.append(str(item.get("Fingerprint") or item.get("RuleID") or "?"))
            continue
        entries.add(f"sha1:{secret_sha1(secret)}")
    warnings = []
    if redacted:
        warnings.append(f"{file}: {len(redacted)} finding(s) have a redacted Secret and cannot be converted (a "
                        f"gitleaks Fingerprint is a position, not the secret), e.g. {redacted[0]}; re-run gitleaks "
                        "without --redact to import them")
    return entries, warnings


IMPORTERS = {"detect-secrets": from_detect_secrets, "gitleaks": from_gitleaks}
