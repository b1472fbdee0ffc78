"""One self-contained HTML page of findings for people who triage them: no script or style from elsewhere.

The page is a table rendered here (readable with scripts off) plus the same findings as JSON, which the
page's own script sorts, filters and pages through. Every value comes from strangers (paths, notes, commit
messages' authors), so the markup is escaped, the JSON cannot close its script element, links are http(s)
only, and a Content-Security-Policy lets the page load nothing at all: its one script and one style are
allowed by hash.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timezone
from html import escape
from importlib.resources import files
from typing import Any

from scanner import __version__
from scanner.findings import SEVERITY_ORDER, Finding
from scanner.printable import visible
from scanner.report import Report
from scanner.reporters import RenderOptions, Reporter
from scanner.reporters.html_markup import page_body
from scanner.sha256 import sha256


@dataclass(frozen=True)
class HtmlLocation:
    """One place a finding occurs; `url` links it on the forge when the remote is known."""

    repository: str
    path: str
    line: int
    commit: str | None = None
    date: str | None = None
    """ISO 8601 date of the commit, when there is one."""
    url: str | None = None
    preview: str = ""
    """The line holding the secret, already redacted (or not, when the scan was asked to show secrets)."""
    in_head: bool | None = None
    """Whether HEAD still holds the secret here; None when nobody looked."""


@dataclass(frozen=True)
class HtmlFinding:
    """What a triager needs of one finding, secret-free: the preview is already redacted."""

    fingerprint: str
    rule_id: str
    provider: str
    severity: str
    repository: str
    redacted: str
    status: str = "new"
    note: str = ""
    first_commit: str | None = None
    first_date: str | None = None
    """ISO 8601 date the secret first appeared; the page derives its age from it."""
    remediation: str = ""
    locations: tuple[HtmlLocation, ...] = ()
    first_commit_url: str | None = None
    """The first commit on the forge, when the remote is known."""
    triaged_by: str = ""
    triaged_at: str = ""


@dataclass(frozen=True)
class HtmlFailure:
    """A repository that could not be audited, shown above the findings so nobody mistakes it for clean."""

    repository: str
    reason: str


DATA_VERSION = "1"
"""The shape of the page's embedded JSON (`<script id="leakstop-data">`), for tools that read it back."""

_ASSETS = files("scanner.reporters")


def render_html(findings: Sequence[HtmlFinding], *, title: str, generated_at: str,
                failures: Sequence[HtmlFailure] = ()) -> str:
    """The whole page; every value is escaped, because paths, notes and previews come from strangers."""
    now = parse_date(generated_at) or datetime.now(timezone.utc)
    ordered = sorted((clean_finding(f) for f in findings), key=_default_order)
    ages = [age_days(f.first_date, now) for f in ordered]
    failed = [HtmlFailure(visible(x.repository), multiline(x.reason)) for x in failures]
    style = _asset("html_page.css")
    script = _asset("html_page.js")
    csp = (f"default-src 'none'; script-src '{_hash(script)}'; style-src '{_hash(style)}'; img-src 'none'; "
           "base-uri 'none'; form-action 'none'")
    data = page_data(ordered, ages, title=visible(title), generated_at=visible(generated_at), failures=failed)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(visible(title))}</title>\n<style>{style}</style>\n</head>\n<body>\n"
        + page_body(ordered, ages, title=visible(title), generated_at=visible(generated_at), failures=failed,
                    version=__version__)
        + f'<script type="application/json" id="leakstop-data">{embed_json(data)}</script>\n'
        f"<script>{script}</script>\n</body>\n</html>\n"
    )


def embed_json(value: object) -> str:
    """JSON that is inert inside a `<script>` element: `<`, `>` and `&` as \\u escapes, so no string can
    spell `</script>` or `<!--` (which would end the element or switch the parser's state)."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_data(findings: Sequence[HtmlFinding], ages: Sequence[int | None], *, title: str, generated_at: str,
              failures: Sequence[HtmlFailure]) -> dict[str, Any]:
    """The embedded JSON: every field of the findings, plus the `age_days` and severity `rank` that the
    page sorts and filters on."""
    rows = [{**_shallow(f), "locations": [_shallow(loc) for loc in f.locations], "age_days": age,
             "rank": SEVERITY_ORDER.get(f.severity, len(SEVERITY_ORDER))}
            for f, age in zip(findings, ages)]
    return {"version": DATA_VERSION, "title": title, "generated_at": generated_at,
            "failures": [_shallow(x) for x in failures], "findings": rows}


def _shallow(value: HtmlFinding | HtmlLocation | HtmlFailure) -> dict[str, Any]:
    """`asdict` without its deep copies, which took three quarters of the time of a 10,000-finding page."""
    return {field.name: getattr(value, field.name) for field in fields(value)}


def clean_finding(f: HtmlFinding) -> HtmlFinding:
    """Control characters shown as escapes (a bidi override could disguise a path), links http(s) only."""
    locations = tuple(
        replace(loc, repository=visible(loc.repository), path=visible(loc.path), commit=_opt(loc.commit),
                date=_opt(loc.date), url=safe_url(loc.url), preview=visible(loc.preview))
        for loc in f.locations
    )
    return replace(
        f, fingerprint=visible(f.fingerprint), rule_id=visible(f.rule_id), provider=visible(f.provider),
        severity=visible(f.severity), repository=visible(f.repository), redacted=visible(f.redacted),
        status=visible(f.status), note=multiline(f.note), first_commit=_opt(f.first_commit),
        first_date=_opt(f.first_date), remediation=multiline(f.remediation), locations=locations,
        first_commit_url=safe_url(f.first_commit_url), triaged_by=visible(f.triaged_by),
        triaged_at=visible(f.triaged_at),
    )


def safe_url(url: str | None) -> str | None:
    """Only web links: a `javascript:` or `data:` URL from a hostile remote would run in the page."""
    if url and url.lower().startswith(("https://", "http://")) and url.isprintable() and " " not in url:
        return url
    return None


def multiline(text: str) -> str:
    return "\n".join(visible(line) for line in text.splitlines())


def parse_date(text: str | None) -> datetime | None:
    """ISO 8601 as git and SQLite write it (`Z` too, which Python before 3.11 refuses); naive means UTC."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def age_days(first_date: str | None, now: datetime) -> int | None:
    first = parse_date(first_date)
    return max((now - first).days, 0) if first else None


def _default_order(f: HtmlFinding) -> tuple[int, str, str, str, str]:
    path = f.locations[0].path if f.locations else ""
    return SEVERITY_ORDER.get(f.severity, len(SEVERITY_ORDER)), f.repository, f.rule_id, path, f.fingerprint


def _opt(text: str | None) -> str | None:
    return visible(text) if text else None


def _asset(name: str) -> str:
    return _ASSETS.joinpath(name).read_text(encoding="utf-8")


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(sha256(text.encode("utf-8")).digest()).decode("ascii")


class HtmlReporter(Reporter):
    """`scan --format html`: the triage page for one scan, whose one repository is the scan's target."""

    def render(self, report: Report, options: RenderOptions) -> str:
        target = report.stats.target or "scan"
        findings = [scan_finding(f, target) for f in report.findings]
        findings += [scan_finding(f, target, status="suppressed") for f in report.suppressed]
        failures = [HtmlFailure(target, error) for error in report.errors]
        generated = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return render_html(findings, title=f"leakstop scan: {target}", generated_at=generated, failures=failures)


def scan_finding(f: Finding, repository: str, status: str = "new") -> HtmlFinding:
    """A scan's finding as the page shows it; `shown_secret` is redacted unless the scan shows secrets."""
    first = f.first
    return HtmlFinding(
        fingerprint=f.fingerprint, rule_id=f.rule_id, provider=f.provider, severity=f.severity,
        repository=repository, redacted=f.shown_secret, status=status,
        note=f"suppressed by {f.suppressed_by}" if f.suppressed_by else "",
        first_commit=first.commit or None, first_date=first.date or None, remediation=f.remediation,
        locations=tuple(
            HtmlLocation(repository, loc.path, loc.line, commit=loc.commit or None, date=loc.date or None,
                         preview=loc.preview, in_head=loc.in_head)
            for loc in f.locations
        ),
    )
