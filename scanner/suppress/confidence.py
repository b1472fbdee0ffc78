"""Findings at `fixture` confidence: what a generic rule finds only in tests and docs, made-up examples."""

from __future__ import annotations

from scanner.findings import Finding
from scanner.fragment import Fragment
from scanner.ruleset.rules import FIXTURE_CONFIDENCE


def fixture_finding(finding: Finding, fragment: Fragment) -> str:
    """A suppressor, so what it hides is counted and listed like every other silence, never just gone.
    Only a fixture can be below --min-confidence: rules less confident than asked are not loaded at all."""
    if finding.confidence == FIXTURE_CONFIDENCE:
        return "fixture: only in test or documentation paths (--min-confidence fixture lists it)"
    return ""
