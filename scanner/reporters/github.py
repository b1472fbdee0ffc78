"""GitHub Actions: workflow commands that become pull-request annotations, plus a Markdown job summary.

The annotations are the report (stdout, as any format); the summary is appended to the file named by
`$GITHUB_STEP_SUMMARY` because that is the only way a step can add one, so this reporter alone writes a
second channel when that variable is set.
"""

from __future__ import annotations

import os
from collections import Counter

from scanner.findings import SEVERITY_ORDER, Finding, Location
from scanner.report import Report
from scanner.reporters import RenderOptions, Reporter
from scanner.reporters.text import summary_line

COMMAND = {"critical": "error", "high": "error", "medium": "warning", "low": "notice", "info": "notice"}
MAX_SUMMARY_ROWS = 200


def escape_data(text: str) -> str:
    """The runner decodes %25, %0D and %0A in a command's message; anything else is taken literally."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Property values are also split on `,` and ended by `::`, so `:` and `,` are encoded as well."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, loc: Location) -> str:
    props = {"file": loc.path, "line": str(loc.line), "col": str(loc.column), "endLine": str(loc.end_line),
             "title": f"{f.rule_name} ({f.severity})"}
    rendered = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    commit = f" in commit {loc.commit[:12]}" if loc.commit else ""
    message = f"{f.rule_name}: {f.shown_secret}{commit}. {f.remediation}\nfingerprint {f.fingerprint}"
    return f"::{COMMAND.get(f.severity, 'error')} {rendered}::{escape_data(message.strip())}"


def first_per_path(f: Finding) -> list[Location]:
    """One annotation per file a secret is in: a key copied into three files needs fixing in three."""
    seen: dict[str, Location] = {}
    for loc in f.locations:
        seen.setdefault(loc.path, loc)
    return list(seen.values())


def markdown_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'").replace("\n", " ")


def step_summary(report: Report) -> str:
    lines = ["## leakstop", "", summary_line(report), ""]
    if report.findings:
        counts = Counter(f.severity for f in report.findings)
        lines += [" · ".join(f"**{counts[k]}** {k}" for k in sorted(counts, key=SEVERITY_ORDER.__getitem__)), ""]
        lines += ["| severity | rule | where | secret | fingerprint |", "|---|---|---|---|---|"]
        for f in report.findings[:MAX_SUMMARY_ROWS]:
            loc = f.first
            where = f"{loc.path}:{loc.line}" + (f" @ {loc.commit[:12]}" if loc.commit else "")
            lines.append(f"| {f.severity} | {markdown_cell(f.rule_name)} | `{markdown_cell(where)}` | "
                         f"`{markdown_cell(f.shown_secret)}` | `{f.fingerprint}` |")
        if len(report.findings) > MAX_SUMMARY_ROWS:
            lines.append(f"\n… and {len(report.findings) - MAX_SUMMARY_ROWS} more (see the SARIF or JSON report).")
    for error in report.errors:
        lines.append(f"- error: {markdown_cell(error)}")
    for warning in report.warnings:
        lines.append(f"- warning: {markdown_cell(warning)}")
    return "\n".join(lines) + "\n"


def append_step_summary(report: Report) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(step_summary(report))


class GithubReporter(Reporter):
    def render(self, report: Report, options: RenderOptions) -> str:
        lines = [annotation(f, loc) for f in report.findings for loc in first_per_path(f)]
        lines += [f"::error title=leakstop scan incomplete::{escape_data(e)}" for e in report.errors]
        lines += [f"::warning title=leakstop::{escape_data(w)}" for w in report.warnings]
        append_step_summary(report)
        return "".join(line + "\n" for line in lines)
