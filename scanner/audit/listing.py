"""The store's findings as text, JSON, CSV or SARIF, and as `.leakstopignore` entries for one repository."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from scanner.printable import visible
from scanner.store.queries import StoredFinding

LIST_FORMATS = ("text", "json", "csv", "sarif")
SETTLED_FOR_IGNORE = ("accepted-risk", "false-positive")
"""Triage decisions that mean "this secret may stay in this repository": the ones exported as ignores."""

CSV_COLUMNS = ("fingerprint", "status", "severity", "rule_id", "provider", "redacted", "repository", "path", "line",
               "commit", "author", "date", "at_head", "first_seen", "note")


def render_findings(findings: Sequence[StoredFinding], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"findings": [asdict(f) for f in findings]}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return as_csv(findings)
    if fmt == "sarif":
        return as_sarif(findings)
    return as_text(findings)


def as_text(findings: Sequence[StoredFinding]) -> str:
    lines = []
    for f in findings:
        lines.append(f"{f.fingerprint}  {f.status:<14} {f.severity:<8} {f.rule_id}  {visible(f.redacted)}"
                     + (f"  ({visible(f.note)})" if f.note else ""))
        for p in f.places:
            where = f"{visible(p.repository)}: {visible(p.path)}:{p.line} ({p.commit[:12]}, {p.date[:10]})"
            lines.append(f"    {where}{' at HEAD' if p.at_head else ''}")
    return "".join(line + "\n" for line in lines)


def as_csv(findings: Sequence[StoredFinding]) -> str:
    from scanner.reporters.csv_report import cell

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for f in findings:
        for p in f.places:
            writer.writerow([cell(v) for v in (f.fingerprint, f.status, f.severity, f.rule_id, f.provider, f.redacted,
                                               p.repository, p.path, p.line, p.commit, p.author, p.date,
                                               str(p.at_head).lower(), f.first_seen_at, f.note)])
    return out.getvalue()


def as_sarif(findings: Sequence[StoredFinding]) -> str:
    """The SARIF reporter's output, each location's path prefixed with its repository's name."""
    from scanner.findings import Finding, Location
    from scanner.report import Report, ScanStats
    from scanner.reporters import RenderOptions
    from scanner.reporters.sarif import SarifReporter

    converted = [Finding(rule_id=f.rule_id, rule_name=f.rule_name, provider=f.provider, severity=f.severity,
                         confidence=f.confidence, fingerprint=f.fingerprint, shown_secret=f.redacted,
                         remediation=f.remediation,
                         locations=tuple(Location(path=f"{p.repository}/{p.path}", line=p.line, column=1,
                                                  end_line=p.line, end_column=2, commit=p.commit, author=p.author,
                                                  email=p.email, date=p.date, in_head=p.at_head)
                                         for p in f.places))
                 for f in findings]
    report = Report(findings=converted, stats=ScanStats(target="leakstop audit store"))
    return SarifReporter().render(report, RenderOptions())


def export_ignore(findings: Sequence[StoredFinding], repository: str, file: Path) -> int:
    """Add an entry to `file` for each finding of `repository` triaged as accepted risk or false positive
    (none already there); how many were added."""
    from scanner.suppress.ignore_file import IgnoreEntry, add_entry, read_ignore_file

    present = {e.fingerprint for e in read_ignore_file(file) if not e.path} if file.exists() else set()
    added = 0
    for f in findings:
        if f.status not in SETTLED_FOR_IGNORE or repository not in f.repositories or f.fingerprint in present:
            continue
        reason = f"{f.status}" + (f": {f.note}" if f.note else "") + f" (triaged by {f.who} on {f.triaged_at[:10]})"
        add_entry(file, IgnoreEntry(f.fingerprint, reason, dt.date.today()))
        added += 1
    return added
