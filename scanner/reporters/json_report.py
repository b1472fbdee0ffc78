"""JSON: the machine-readable report. Its shape is documented in the README and versioned."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from scanner import __version__
from scanner.findings import Finding, Location
from scanner.report import Report, Skipped
from scanner.reporters import RenderOptions, Reporter

JSON_FORMAT_VERSION = "1"


def location_dict(loc: Location) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(loc).items()
            if ((v != "" and v is not None) or k in ("path",)) and k not in ("order", "parent_blobs")}


def finding_dict(f: Finding) -> dict[str, Any]:
    first = f.first
    data: dict[str, Any] = {
        "rule_id": f.rule_id,
        "rule_name": f.rule_name,
        "provider": f.provider,
        "severity": f.severity,
        "confidence": f.confidence,
        "fingerprint": f.fingerprint,
        "secret": f.shown_secret,
        "entropy": f.entropy,
        **location_dict(first),
        "occurrences": [location_dict(loc) for loc in f.locations],
        "remediation": f.remediation,
    }
    if f.present_at_head is not None:
        data["present_at_head"] = f.present_at_head
    if f.exposed_for is not None:
        data.update(exposure_dict(f))
    if f.suppressed_by:
        data["suppressed_by"] = f.suppressed_by
    if f.verification is not None:
        data["verification"] = f.verification.as_dict()
    return data


def skipped_dict(s: Skipped) -> dict[str, Any]:
    """`limit` only when a limit left the item unscanned, so the common notes keep their shape."""
    data: dict[str, Any] = {"path": s.path, "reason": s.reason, "error": s.error}
    if s.limit:
        data["limit"] = True
    return data


def exposure_dict(f: Finding) -> dict[str, Any]:
    """History findings: the refs that reach the secret and its exposure window (`exposed_until` empty while
    it is still held somewhere; `exposed_for` in seconds, up to the scan then)."""
    return {"reachable_from": list(f.reachable_from), "exposed_since": f.exposed_since,
            "exposed_until": f.exposed_until, "exposed_for": f.exposed_for}


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "version": JSON_FORMAT_VERSION,
        "tool": {"name": "leakstop", "version": __version__},
        "complete": report.complete,
        "findings": [finding_dict(f) for f in report.findings],
        "suppressed": [finding_dict(f) for f in report.suppressed],
        "partial": report.partial,
        "skipped": [skipped_dict(s) for s in report.skipped],
        "warnings": report.warnings,
        "errors": report.errors,
        "stats": dataclasses.asdict(report.stats),
    }


class JsonReporter(Reporter):
    def render(self, report: Report, options: RenderOptions) -> str:
        return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
