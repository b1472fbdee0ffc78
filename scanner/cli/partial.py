"""Fail closed on limits: in hook and CI modes a scan that a limit left partial is an error.

A hook or a CI job that says "Passed" is not looked at again, so there a file over the size limit, a text
whose decoding was capped or an archive past its limits must stop the commit, the push or the job, unless
the user said a partial scan is acceptable (`--allow-partial`). On a terminal they stay warnings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace

from scanner.report import Report

STRICT_MODES = frozenset({"staged", "pre-commit", "pre-push", "range", "since"})
"""The git modes that hooks and CI jobs run; `--history` and tree scans are strict in CI only."""


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """CI=true is what GitHub Actions, GitLab CI, CircleCI, Travis and Buildkite set."""
    env = os.environ if environ is None else environ
    return env.get("CI", "").lower() in ("true", "1", "yes") or env.get("GITHUB_ACTIONS") == "true"


def strict(mode_kind: str | None) -> bool:
    """Whether a limit that leaves content unscanned fails this scan."""
    return mode_kind in STRICT_MODES or in_ci()


def failed_on_limits(report: Report) -> Report:
    """The report with one error naming what limits left unscanned (exit 2), when they left anything."""
    hit = [s for s in report.skipped if s.limit]
    if not hit:
        return report
    more = f" and {len(hit) - 1} more" if len(hit) > 1 else ""
    error = (f"not scanned in full: {hit[0].path}: {hit[0].reason}{more}; a hook or CI scan fails on a limit "
             "(pass --allow-partial to accept a partial scan)")
    return replace(report, errors=[*report.errors, error])
