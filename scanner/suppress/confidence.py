"""Findings below the scan's --min-confidence: made-up examples a generic rule finds in tests and docs."""

from __future__ import annotations

from scanner.config import CONFIDENCE_ORDER, at_least
from scanner.findings import Finding
from scanner.fragment import Fragment
from scanner.ruleset.rules import FIXTURE_CONFIDENCE


class BelowConfidence:
    """A suppressor, so what it hides is counted and listed like every other silence, never just gone."""

    def __init__(self, minimum: str) -> None:
        self.minimum = minimum

    def __call__(self, finding: Finding, fragment: Fragment) -> str:
        if at_least(finding.confidence, self.minimum, CONFIDENCE_ORDER):
            return ""
        if finding.confidence == FIXTURE_CONFIDENCE:
            return "fixture: only in test or documentation paths (--min-confidence fixture lists it)"
        return f"confidence: {finding.confidence} is below --min-confidence {self.minimum}"
