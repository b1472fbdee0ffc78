"""SARIF 2.1.0: the format GitHub code scanning (and most security dashboards) ingest.

GitHub is stricter than the schema in a few places, and each shapes a line below: regions must be
1-based with `endColumn` >= 1, `security-severity` is a string holding a number, and alerts are matched
across runs by `partialFingerprints`, so those come from the content fingerprint (rule + secret), never
from line numbers that move with every edit.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from scanner import __version__
from scanner.findings import Finding, Location
from scanner.report import Report
from scanner.reporters import RenderOptions, Reporter

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

# GitHub buckets security-severity as critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
PRECISION = {"high": "very-high", "medium": "high", "low": "medium"}
FINGERPRINT_KEY = "leakstopSecret/v1"


def artifact_uri(path: str) -> str:
    """A relative, percent-encoded URI reference; absolute paths become `file://` URIs."""
    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute():
        return "file://" + quote(posix, safe="/")
    return quote(posix, safe="/")


def region(loc: Location, snippet: str) -> dict[str, Any]:
    """Location.end_column is already exclusive and 1-based, as SARIF wants; the clamps only guard
    against a zero-width span, which GitHub rejects."""
    end_line = max(loc.end_line, loc.line)
    end_column = max(loc.end_column, 1)
    if end_line == loc.line and end_column <= loc.column:
        end_column = loc.column + 1
    out: dict[str, Any] = {"startLine": max(loc.line, 1), "startColumn": max(loc.column, 1),
                           "endLine": end_line, "endColumn": end_column}
    if snippet:
        out["snippet"] = {"text": snippet}
    return out


def physical_location(f: Finding, loc: Location) -> dict[str, Any]:
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": artifact_uri(loc.path), "uriBaseId": "%SRCROOT%"},
        "region": region(loc, f.shown_secret),
    }
    if loc.preview:
        # The whole (redacted) line, so a reader sees the secret's context without the secret.
        physical["contextRegion"] = {"startLine": max(loc.line, 1), "endLine": max(loc.end_line, loc.line),
                                     "snippet": {"text": loc.preview}}
    return {"physicalLocation": physical}


def git_properties(loc: Location) -> dict[str, str]:
    keys = {"commitSha": loc.commit, "commitUrl": loc.commit_url, "commitSubject": loc.subject,
            "author": loc.author, "authorEmail": loc.email, "date": loc.date, "blob": loc.blob,
            "decodedFrom": loc.decoded, "leftCommit": loc.left_commit}
    return {k: v for k, v in keys.items() if v}


def partial_fingerprint(f: Finding) -> str:
    """Content fingerprint plus a hash of the path: stable across rebases and line moves, and one secret in
    two files stays two alerts (GitHub merges results that share a fingerprint)."""
    path_hash = hashlib.sha256(f.first.path.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return f"{f.fingerprint}:{path_hash}"


def rule_name(rule_id: str) -> str:
    """SARIF wants an identifier-like name, not a sentence: `stripe-secret-key` → `StripeSecretKey`."""
    return "".join(part[:1].upper() + part[1:] for part in rule_id.replace("_", "-").split("-"))


def rule_descriptor(f: Finding) -> dict[str, Any]:
    full = f.description or f"{f.rule_name}: a {f.provider} credential found in source or history."
    references = "".join(f"\n- {ref}" for ref in f.references)
    help_text = f"{f.remediation or 'Revoke the secret, then remove it from the code.'}"
    descriptor: dict[str, Any] = {
        "id": f.rule_id,
        "name": rule_name(f.rule_id),
        "shortDescription": {"text": f.rule_name},
        "fullDescription": {"text": full},
        "help": {
            "text": help_text + (f"\n\nReferences:{references}" if references else ""),
            "markdown": f"**Remediation:** {help_text}" + (f"\n\n**References:**\n{references}" if references else ""),
        },
        "defaultConfiguration": {"level": LEVEL.get(f.severity, "warning")},
        "properties": {
            "security-severity": SECURITY_SEVERITY.get(f.severity, "5.5"),
            "precision": PRECISION.get(f.confidence, "medium"),
            "problem.severity": "error" if LEVEL.get(f.severity) == "error" else "warning",
            "tags": ["security", "secret", f"provider/{f.provider}", f"severity/{f.severity}"],
        },
    }
    if f.references:
        descriptor["helpUri"] = f.references[0]
    return descriptor


def result(f: Finding, rule_index: int) -> dict[str, Any]:
    first = f.first
    where = where_of(first)
    data: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": LEVEL.get(f.severity, "warning"),
        "message": {"text": f"{f.rule_name} ({f.shown_secret}){where}. {f.remediation}".strip()},
        "locations": [physical_location(f, first)],
        "partialFingerprints": {FINGERPRINT_KEY: partial_fingerprint(f)},
        "properties": {"fingerprint": f.fingerprint, "severity": f.severity, "confidence": f.confidence,
                       "occurrences": len(f.locations), **git_properties(first)},
    }
    if len(f.locations) > 1:
        data["relatedLocations"] = [
            {"id": i, **physical_location(f, loc), "message": {"text": f"also here{where_of(loc)}"}}
            for i, loc in enumerate(f.locations[1:], start=1)
        ]
    if f.present_at_head is not None:
        data["properties"]["presentAtHead"] = f.present_at_head
    if f.exposed_for is not None:
        data["properties"].update(reachableFrom=list(f.reachable_from), exposedSince=f.exposed_since,
                                  exposedUntil=f.exposed_until, exposedFor=f.exposed_for)
    if f.verification is not None:
        data["properties"]["verification"] = f.verification.as_dict()
    if f.suppressed_by:
        kind = "inSource" if f.suppressed_by.startswith("inline") else "external"
        data["suppressions"] = [{"kind": kind, "justification": f.suppressed_by}]
    return data


def where_of(loc: Location) -> str:
    return f" in commit {loc.commit[:12]}" if loc.commit else ""


def sarif_log(report: Report) -> dict[str, Any]:
    findings = report.findings + report.suppressed
    index: dict[str, int] = {}
    rules: list[dict[str, Any]] = []
    for f in findings:
        if f.rule_id not in index:
            index[f.rule_id] = len(rules)
            rules.append(rule_descriptor(f))
    notifications = [{"level": "error", "message": {"text": e}} for e in report.errors]
    notifications += [{"level": "warning", "message": {"text": w}} for w in report.warnings]
    invocation: dict[str, Any] = {"executionSuccessful": report.complete}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "leakstop", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",
            "results": [result(f, index[f.rule_id]) for f in findings],
            "properties": {"target": report.stats.target, "files": report.stats.files,
                           "commits": report.stats.commits, "suppressed": report.stats.suppressed,
                           "excluded": report.stats.excluded, "partial": report.partial},
        }],
    }


class SarifReporter(Reporter):
    def render(self, report: Report, options: RenderOptions) -> str:
        return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"
