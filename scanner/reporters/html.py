"""One self-contained HTML page of findings for people who triage them: no script or style from elsewhere."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass


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


@dataclass(frozen=True)
class HtmlFailure:
    """A repository that could not be audited, shown above the findings so nobody mistakes it for clean."""

    repository: str
    reason: str


def render_html(findings: Sequence[HtmlFinding], *, title: str, generated_at: str,
                failures: Sequence[HtmlFailure] = ()) -> str:
    """The whole page; every value is escaped, because paths, notes and previews come from strangers."""
    e = html.escape
    rows = "\n".join(
        f"<tr><td>{e(f.severity)}</td><td>{e(f.provider)}</td><td>{e(f.rule_id)}</td><td>{e(f.repository)}</td>"
        f"<td>{e(f.status)}</td><td><code>{e(f.redacted)}</code></td></tr>"
        for f in findings
    )
    failed = "".join(f"<li>{e(x.repository)}: {e(x.reason)}</li>" for x in failures)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title></head><body>'
        f"<h1>{e(title)}</h1><p>Generated {e(generated_at)}</p>"
        + (f"<ul>{failed}</ul>" if failed else "")
        + "<table><thead><tr><th>Severity</th><th>Provider</th><th>Rule</th><th>Repository</th><th>Status</th>"
        f"<th>Secret</th></tr></thead><tbody>\n{rows}\n</tbody></table></body></html>\n"
    )
