"""Fail closed where nobody looks twice: hooks and CI.

A hook or a CI job that says "Passed" is not looked at again. There, a scan that a limit left partial (a
file over the size limit, a text whose decoding was capped, an archive past its limits) stops the commit,
the push or the job unless the user said a partial scan is acceptable (`--allow-partial`), and a range or
CI scan refuses to run under a configuration that silences (nearly) everything. On a terminal both stay
warnings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace

from scanner.report import Report

STRICT_MODES = frozenset({"staged", "pre-commit", "pre-push", "range", "since"})
"""The git modes that hooks and CI jobs run; `--history` and tree scans are strict in CI only."""
JUDGING_MODES = frozenset({"pre-push", "range", "since"})
"""The modes that judge a change for others (a pull request, a push): a silencing configuration is an
error there, as in CI."""


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """CI=true is what GitHub Actions, GitLab CI, CircleCI, Travis and Buildkite set."""
    env = os.environ if environ is None else environ
    return env.get("CI", "").lower() in ("true", "1", "yes") or env.get("GITHUB_ACTIONS") == "true"


def fail_closed(report: Report, mode_kind: str | None, allow_partial: bool, silencing: Sequence[str]) -> Report:
    """The report with an error (exit 2) for each reason this mode must not pass."""
    errors: list[str] = []
    if report.partial and not allow_partial and (mode_kind in STRICT_MODES or in_ci()):
        errors.append(limits_error(report))
    if silencing and (mode_kind in JUDGING_MODES or in_ci()):
        more = f" (and {len(silencing) - 1} more)" if len(silencing) > 1 else ""
        errors.append(f"{silencing[0]}{more}: a range or CI scan does not pass under a configuration that "
                      "silences it; fix the configuration")
    return replace(report, errors=[*report.errors, *errors]) if errors else report


def limits_error(report: Report) -> str:
    """One line naming what limits left unscanned, and the way to accept it."""
    hit = [s for s in report.skipped if s.limit]
    more = f" and {len(hit) - 1} more" if len(hit) > 1 else ""
    return (f"not scanned in full: {hit[0].path}: {hit[0].reason}{more}; a hook or CI scan fails on a limit "
            "(pass --allow-partial to accept a partial scan)")
