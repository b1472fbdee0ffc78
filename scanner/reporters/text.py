"""Text: the terminal report, grouped by file, calm by default, coloured only on a TTY."""

from __future__ import annotations

from collections import Counter
from itertools import groupby

import click

from scanner.findings import SEVERITY_ORDER, Finding, Location
from scanner.report import Report
from scanner.reporters import RenderOptions, Reporter

SEVERITY_COLORS = {"critical": "red", "high": "red", "medium": "yellow", "low": "cyan", "info": "blue"}
MAX_OCCURRENCES_SHOWN = 3
SKIPS_NAMED = 5
"""A few skips are named without --verbose: a hook's handful of skipped files is what a developer must see."""


class TextReporter(Reporter):
    def render(self, report: Report, options: RenderOptions) -> str:
        def style(text: str, **kw: object) -> str:
            return click.style(text, **kw) if options.color else text  # type: ignore[arg-type]

        out: list[str] = []
        for path, group in groupby(report.findings, key=lambda f: f.first.path):
            out.append(style(path, bold=True, underline=True))
            for f in group:
                out.extend(finding_lines(f, style))
            out.append("")
        if report.suppressed:
            out.append(style("suppressed (--show-suppressed):", bold=True))
            out.extend(f"  {f.first.path}:{f.first.line}: {f.rule_id} ({f.suppressed_by})" for f in report.suppressed)
            out.append("")
        if not options.quiet:
            out.extend(notes(report, options.verbose))
            out.append(summary_line(report))
        return "\n".join(out) + "\n" if out else ""


def finding_lines(f: Finding, style) -> list[str]:  # type: ignore[no-untyped-def]
    sev = style(f.severity.upper().ljust(8), fg=SEVERITY_COLORS.get(f.severity), bold=True)
    first = f.first
    lines = [
        f"  {sev} {f.rule_name} ({f.rule_id})",
        f"    {place(first)}",
        f"    │ {highlight(first.preview, f.shown_secret, style)}",
    ]
    for loc in f.locations[1:MAX_OCCURRENCES_SHOWN]:
        lines.append(f"    also at {place(loc)}")
    if len(f.locations) > MAX_OCCURRENCES_SHOWN:
        lines.append(f"    … and {len(f.locations) - MAX_OCCURRENCES_SHOWN} more places")
    if f.verification is not None:
        lines.extend(verification_lines(f, style))
    if f.present_at_head is not None:
        lines.append(f"    {exposure(f)}")
        lines.extend(f"    {line}" for line in exposure_details(f))
    lines.append(style(f"    fingerprint {f.fingerprint}", dim=True))
    if f.remediation:
        lines.append(f"    fix: {f.remediation}")
    return lines


VERIFICATION_COLORS = {"valid": "red", "unknown": "yellow", "invalid": "green", "error": "yellow"}


def verification_lines(f: Finding, style) -> list[str]:  # type: ignore[no-untyped-def]
    """`verified: VALID (HTTP 200) as login=octocat`, in red when the key works."""
    v = f.verification
    assert v is not None
    word = style(v.status.upper(), fg=VERIFICATION_COLORS.get(v.status), bold=v.status == "valid")
    lines = [f"    verified: {word} ({v.reason})" + (f" as {v.identity}" if v.identity else "")]
    if v.advice:
        lines.append(style(f"    {v.advice}", fg="red"))
    return lines


def exposure(f: Finding) -> str:
    """For history findings, the incident-response answer: is it still there, and since when."""
    since = f" since {f.first.date[:10]} (commit {f.first.commit[:12]})" if f.first.date else ""
    if f.present_at_head:
        return f"still at HEAD{since}: remove it and rotate it"
    if f.exposed_for is not None and not f.exposed_until:
        # a branch's or tag's files still hold it: "no longer" would send the reader to history alone
        held = sorted({loc.path for loc in f.locations if not loc.left_commit})
        where = ", ".join(held[:3]) + (f" and {len(held) - 3} more" if len(held) > 3 else "")
        return f"not at HEAD, but still in {where or 'a file'} on another branch or tag{since}: rotate it"
    return f"no longer at HEAD, but in history{since}: rotate it (history keeps it readable)"


MAX_REFS_SHOWN = 6


def exposure_details(f: Finding) -> list[str]:
    """Where it left each path it entered (worded apart from the `in commit` of places), how long it was
    exposed, and which refs still reach it."""
    lines = [f"removed from {loc.path} by commit {loc.left_commit[:12]}{on(loc.left_date)}"
             for loc in f.locations if loc.left_commit]
    if f.exposed_for is not None:
        until = f.exposed_until[:10] if f.exposed_until else "now"
        lines.append(f"exposed for {duration(f.exposed_for)} ({f.exposed_since[:10]} to {until})")
    if f.reachable_from:
        more = len(f.reachable_from) - MAX_REFS_SHOWN
        lines.append("reachable from " + ", ".join(f.reachable_from[:MAX_REFS_SHOWN])
                     + (f" and {more} more" if more > 0 else ""))
    return lines


def on(date: str) -> str:
    return f" on {date[:10]}" if date else ""


def duration(seconds: int) -> str:
    """Coarse on purpose: `3 days`, `5 hours`, `under a minute`."""
    for unit, size in (("year", 365 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "under a minute"


def place(loc: Location) -> str:
    where = f"{loc.path}:{loc.line}:{loc.column}"
    if loc.commit:
        who = f" by {loc.author}" if loc.author else ""
        who += f" <{loc.email}>" if loc.email else ""
        when = f" on {loc.date[:10]}" if loc.date else ""
        what = f" \"{loc.subject}\"" if loc.subject else ""
        where += f" in commit {loc.commit[:12]}{what}{who}{when}"
    if loc.cell:
        where += f" ({loc.cell})"
    if loc.decoded:
        where += f" (decoded from {loc.decoded})"
    return where


def highlight(preview: str, shown: str, style) -> str:  # type: ignore[no-untyped-def]
    return preview.replace(shown, style(shown, fg="red", bold=True)) if shown else preview


def notes(report: Report, verbose: bool) -> list[str]:
    out = [f"error: {e}" for e in report.errors]
    out.extend(f"warning: {w}" for w in report.warnings)
    # a limit's skips are warnings already (scan.unscanned); --verbose lists them with the rest
    notes_only = [s for s in report.skipped if not s.error and (verbose or not s.limit)]
    if verbose or len(notes_only) <= SKIPS_NAMED:
        out.extend(f"skipped {s.path}: {s.reason}" for s in notes_only)
    elif notes_only:
        reasons = Counter(s.reason.split(" (")[0] for s in notes_only)
        out.append("skipped " + ", ".join(f"{n} {r}" for r, n in reasons.most_common()) + " (--verbose lists them)")
    return out


def summary_line(report: Report) -> str:
    s = report.stats
    scanned = counted(s.files, "file")
    if s.commits or s.target.startswith(GIT_TARGETS):
        scanned = counted(s.commits, "commit") + (f", {counted(s.blobs, 'blob')}" if s.blobs else "")
    size = f"{s.bytes / 1e6:.1f} MB" if s.bytes >= 100_000 else f"{s.bytes} bytes"
    head = f"Scanned {scanned} ({size}) with {s.rules} rules in {s.seconds:.2f}s."
    if not report.findings:
        result = "No secrets found." if report.complete else "No secrets found in what could be read."
    else:
        counts = Counter(f.severity for f in report.findings)
        parts = ", ".join(f"{counts[k]} {k}" for k in sorted(counts, key=SEVERITY_ORDER.__getitem__))
        result = f"{counted(len(report.findings), 'secret')} found: {parts}."
    live = sum(1 for f in report.findings if f.verification is not None and f.verification.status == "valid")
    if any(f.verification is not None for f in report.findings):
        result += f" {live} verified valid."
    if s.suppressed:
        by = ", ".join(f"{n} {mechanism}" for mechanism, n in sorted(s.suppressed.items()))
        result += f" {sum(s.suppressed.values())} suppressed ({by})."
        if "fixture" in s.suppressed:
            result += " Generic matches only in tests or docs: --min-confidence fixture lists them."
    if s.excluded:
        result += f" {counted(s.excluded, 'file')} excluded by configuration."
    if s.config:
        result += f" Configuration: {s.config}."
    if not report.complete:
        result += " INCOMPLETE: see errors above."
    return f"{head} {result}"


GIT_TARGETS = ("history", "commits")
"""Descriptions of the sources that count commits (`history (all refs)`, `commits since v1.2`)."""


def counted(n: int, noun: str) -> str:
    """`1 commit`, `0 blobs`: English plurals of the summary's nouns (all take an `s`)."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
