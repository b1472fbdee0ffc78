"""The HTML report from the store: each finding per repository it is in, with links to the forge."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.git.forge import forge_for
from scanner.reporters.html import HtmlFailure, HtmlFinding, HtmlLocation, render_html
from scanner.store.queries import Failure, StoredFinding, StoredPlace


def store_page(findings: Sequence[StoredFinding], failures: Sequence[Failure], *, title: str,
               generated_at: str) -> str:
    rows = [html_finding(f, repository) for f in findings for repository in f.repositories]
    return render_html(rows, title=title, generated_at=generated_at,
                       failures=[HtmlFailure(x.repository, x.reason) for x in failures])


def html_finding(f: StoredFinding, repository: str) -> HtmlFinding:
    places = sorted((p for p in f.places if p.repository == repository), key=lambda p: (p.date, p.path, p.line))
    first = places[0] if places else None
    forge = forge_for(first.remote_url) if first and first.remote_url else None
    return HtmlFinding(
        fingerprint=f.fingerprint, rule_id=f.rule_id, provider=f.provider, severity=f.severity,
        repository=repository, redacted=f.redacted, status=f.status, note=f.note,
        first_commit=first.commit if first else None, first_date=first.date if first else None,
        remediation=f.remediation, locations=tuple(html_location(p) for p in places),
        first_commit_url=forge.commit_url(first.commit) if forge and first and first.commit else None,
        triaged_by=f.who, triaged_at=f.triaged_at,
    )


def html_location(p: StoredPlace) -> HtmlLocation:
    forge = forge_for(p.remote_url) if p.remote_url else None
    url = forge.line_url(p.commit, p.path, p.line) if forge and p.commit else None
    return HtmlLocation(repository=p.repository, path=p.path, line=p.line, commit=p.commit or None,
                        date=p.date or None, url=url, in_head=p.at_head)
