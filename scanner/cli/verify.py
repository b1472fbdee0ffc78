"""`scan --verify` and its flags: ask providers whether found secrets still work (never by default).

Only this module and `scanner/verify/` know about verification; `cli.scan` hands it the finished report.
The flags are read from the scan's extra keyword arguments, as the git and config options are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import click

from scanner.cli import Command
from scanner.report import Report

RESULTS = ("valid", "unknown", "invalid", "error")


def result_set(text: str, flag: str) -> frozenset[str]:
    chosen = frozenset(t.strip().lower() for t in text.split(",") if t.strip())
    wrong = sorted(chosen - set(RESULTS))
    if wrong or not chosen:
        raise click.BadParameter(f"expected a comma-separated list of {', '.join(RESULTS)}; got {text!r}",
                                 param_hint=flag)
    return chosen


def verify_options(fn: Command) -> Command:
    options = [
        click.option("--verify", "verify", is_flag=True,
                     help="Ask each provider whether the secrets found still work (read-only calls; opt-in)."),
        click.option("--verify-dry-run", is_flag=True,
                     help="Print the requests --verify would send (secrets redacted) and send none."),
        click.option("--verify-providers", metavar="LIST", default="",
                     help="Only verify these providers or rule ids (comma-separated); `-name` excludes one "
                          "(e.g. `-aws`: AWS calls are logged in CloudTrail)."),
        click.option("--verify-timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
                     help="Seconds one verification request may take."),
        click.option("--only-verified", is_flag=True, help="Report only secrets verified as valid (implies --verify)."),
        click.option("--results", "verify_results", metavar="LIST", default="",
                     help="Report only these verification results: valid,unknown,invalid,error (implies --verify)."),
        click.option("--fail-on", "fail_on", metavar="LIST", default="",
                     help="Exit 1 only for findings with these results, e.g. `valid` (implies --verify)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def wants_verification(flags: Mapping[str, object]) -> bool:
    return any(flags.get(k) for k in ("verify", "verify_dry_run", "only_verified", "verify_results", "fail_on"))


def verified(report: Report, rule_sources: set[str], flags: Mapping[str, object]) -> Report:
    """The report with each finding's verification attached (valid first) and filtered by --results;
    unchanged when no verification flag was given."""
    if not wants_verification(flags):
        return report
    from scanner.verify.run import ProviderFilter, dry_run, plan, sender, verify_all
    from scanner.verify.spec import load_specs

    specs = load_specs(sorted(Path(s) for s in rule_sources))
    planned = plan(report.findings, report.suppressed, specs,
                   ProviderFilter.parse(str(flags.get("verify_providers") or "")))
    if flags.get("verify_dry_run"):
        lines = dry_run(planned)
        click.echo("\n".join(["leakstop: verify dry run, no request sent:", *lines]) if lines
                   else "leakstop: verify dry run: nothing to send", err=True)
        return report
    from scanner.verify.client import VerifyClient, base_url_override

    client = VerifyClient(timeout=float(flags.get("verify_timeout") or 10.0), override=base_url_override())  # type: ignore[arg-type]
    try:
        findings = verify_all(planned, sender(client))
    finally:
        client.close()
    wanted = chosen_results(flags)
    return replace(report, findings=[f for f in findings if f.verification and f.verification.status in wanted])


def chosen_results(flags: Mapping[str, object]) -> frozenset[str]:
    if flags.get("only_verified"):
        return frozenset({"valid"})
    text = str(flags.get("verify_results") or "")
    return result_set(text, "--results") if text else frozenset(RESULTS)


def verify_exit_code(report: Report, default: int, flags: Mapping[str, object]) -> int:
    """With --fail-on, findings count against the exit code only when their result is in the list."""
    text = str(flags.get("fail_on") or "")
    if not text or default != 1:
        return default
    fail_on = result_set(text, "--fail-on")
    return 1 if any(f.verification and f.verification.status in fail_on for f in report.findings) else 0


def validate_flags(flags: Mapping[str, object]) -> None:
    """Bad lists fail before the scan starts, not after it."""
    for key, flag in (("verify_results", "--results"), ("fail_on", "--fail-on")):
        if flags.get(key):
            result_set(str(flags[key]), flag)



