"""The HTML report's markup, rendered here: the header, the failures, the counts and filters, the empty
table the page's script fills from the JSON (`html_page.js` builds its rows and opened findings with the
same classes), and, for readers with scripts off, every finding as a plain table inside `<noscript>`."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from html import escape as e
from typing import TYPE_CHECKING

from scanner.findings import SEVERITY_ORDER

if TYPE_CHECKING:
    from scanner.reporters.html import HtmlFailure, HtmlFinding, HtmlLocation

STATUSES = ("new", "confirmed", "false-positive", "revoked", "accepted-risk")
"""Triage states in the order a triager works through them; others (a scan's `suppressed`) follow."""

COLUMNS = (("severity", "Severity"), ("provider", "Provider"), ("rule_id", "Rule"), ("repository", "Repository"),
           ("where", "Location"), ("status", "Status"), ("age", "Age"), ("places", "Places"),
           ("redacted", "Secret"))
"""Sort keys (the script's names) and headers; the first column of each row is the details toggle."""

AGES = (("", "any age"), (">30", "older than 30 days"), (">90", "older than 90 days"),
        (">365", "older than 365 days"), ("<30", "newer than 30 days"))

SHORT_COMMIT = 12


def page_body(findings: Sequence[HtmlFinding], ages: Sequence[int | None], *, title: str, generated_at: str,
              failures: Sequence[HtmlFailure], version: str) -> str:
    repositories = len({f.repository for f in findings})
    header = (f"<header><h1>{e(title)}</h1><p class=\"meta\">Generated {e(generated_at)} by leakstop "
              f"{e(version)} &middot; {len(findings)} finding(s) in {repositories} repository(ies)"
              f"{f' &middot; {len(failures)} could not be audited' if failures else ''}</p></header>\n")
    return (
        header + failures_section(failures) + status_counts(findings) + controls(findings)
        + "<noscript><p class=\"meta\">Scripts are off: every finding is listed with its places and triage; "
          "the remediation of each rule follows the table. Sorting and filters need scripts.</p></noscript>\n"
        + live_table() + static_table(findings, ages)
        + '<nav class="pager" id="pager" hidden><button type="button" id="prev">&larr; Previous</button>'
          '<span id="page-info"></span><button type="button" id="next">Next &rarr;</button>'
          '<label>Rows per page <select id="page-size"><option>100</option><option>500</option>'
          "<option>1000</option></select></label></nav>\n"
    )


def failures_section(failures: Sequence[HtmlFailure]) -> str:
    if not failures:
        return ""
    rows = "".join(f"<tr><td><code>{e(x.repository)}</code></td><td class=\"note\">{e(x.reason)}</td></tr>"
                   for x in failures)
    return (f'<section class="failures" id="failures"><h2>{len(failures)} repository(ies) could not be audited'
            f"</h2><p>Their findings are missing from this report: they are not clean, they are unknown.</p>"
            f"<table><thead><tr><th>Repository</th><th>Why</th></tr></thead><tbody>{rows}</tbody></table>"
            "</section>\n")


def status_counts(findings: Sequence[HtmlFinding]) -> str:
    counts = Counter(f.status for f in findings)
    items = "".join(f'<li data-status="{e(s)}"><b>{counts[s]}</b> {e(s)}</li>' for s in ordered_statuses(counts))
    return (f'<div class="summary"><span>By status:</span><ul class="counts" id="status-counts">{items}</ul>'
            f'<span class="shown" id="shown" aria-live="polite">{len(findings)} of {len(findings)} findings shown'
            "</span></div>\n")


def ordered_statuses(present: Iterable[str]) -> list[str]:
    seen = set(present)
    return [s for s in STATUSES if s in seen] + sorted(seen - set(STATUSES))


def controls(findings: Sequence[HtmlFinding]) -> str:
    """Filters, hidden until the script shows them: without it they would do nothing."""
    severities = sorted({f.severity for f in findings}, key=lambda s: (SEVERITY_ORDER.get(s, 99), s))
    choices = {
        "severity": (severities, Counter(f.severity for f in findings)),
        "provider": (sorted({f.provider for f in findings}), Counter(f.provider for f in findings)),
        "repository": (sorted({f.repository for f in findings}), Counter(f.repository for f in findings)),
        "status": (ordered_statuses(f.status for f in findings), Counter(f.status for f in findings)),
    }
    selects = "".join(
        f'<label>{name.capitalize()}<select id="f-{name}"><option value="">all</option>'
        + "".join(f'<option value="{e(v)}">{e(v)} ({counts[v]})</option>' for v in values)
        + "</select></label>"
        for name, (values, counts) in choices.items()
    )
    ages = "".join(f'<option value="{e(v)}">{label}</option>' for v, label in AGES)
    return (f'<div class="controls" id="controls" hidden>{selects}<label>Age<select id="f-age">{ages}</select>'
            '</label><label>Search<input type="search" id="f-search" placeholder="path, rule, fingerprint, note'
            '&hellip;" autocomplete="off"></label><button type="button" id="f-reset">Reset</button></div>\n')


def live_table() -> str:
    """The table the script fills from the JSON; it stays hidden (and says why) if the script cannot run."""
    return (f'<table id="findings" hidden>{table_head()}<tbody id="rows"><tr><td colspan="{len(COLUMNS) + 1}" '
            'class="empty">The report\'s script did not run.</td></tr></tbody></table>\n')


def table_head() -> str:
    heads = "".join(f'<th data-key="{key}" scope="col">{label}</th>' for key, label in COLUMNS)
    return f'<thead><tr><th scope="col"><span hidden>Details</span></th>{heads}</tr></thead>'


def static_table(findings: Sequence[HtmlFinding], ages: Sequence[int | None]) -> str:
    """Every finding as one row, for readers with scripts off; remediation once per rule below it. Inside
    `<noscript>` a browser running scripts only skims it as text: 10,000 findings as live rows took 10 s to
    load in Chromium, as text under 1 s."""
    heads = "".join(f'<th scope="col">{label}</th>' for label in STATIC_COLUMNS)
    rows = "\n".join(static_row(f, age) for f, age in zip(findings, ages))
    if not findings:
        rows = f'<tr><td colspan="{len(STATIC_COLUMNS)}" class="empty">No findings.</td></tr>'
    fixes = sorted({(f.rule_id, f.remediation) for f in findings if f.remediation})
    remediation = "".join(f'<dt><code>{e(rule)}</code></dt><dd class="remediation">{e(text)}</dd>'
                          for rule, text in fixes)
    return (f'<noscript><table id="static-findings"><thead><tr>{heads}</tr></thead><tbody>\n{rows}\n</tbody>'
            f'</table><section class="detail"><h2>Remediation by rule</h2><dl>{remediation}</dl></section>'
            "</noscript>\n")


STATIC_COLUMNS = ("Severity", "Provider", "Rule", "Repository", "Status", "Age", "First commit", "Locations",
                  "Secret")


def static_row(f: HtmlFinding, age: int | None) -> str:
    triage = " ".join(x for x in (f"by {f.triaged_by}" if f.triaged_by else "",
                                  f"on {f.triaged_at}" if f.triaged_at else "") if x)
    places = "".join(f"<li>{location_item(loc)}</li>" for loc in f.locations)
    first = link(f.first_commit_url, f.first_commit[:SHORT_COMMIT]) if f.first_commit else ""
    return (
        f'<tr><td class="sev sev-{e(f.severity)}">{e(f.severity)}</td><td>{e(f.provider)}</td><td>{e(f.rule_id)}</td>'
        f'<td>{e(f.repository)}</td><td><span class="status status-{e(f.status)}">{e(f.status)}</span> {e(triage)}'
        + (f'<p class="note">{e(f.note)}</p>' if f.note else "")
        + f'</td><td class="num">{"" if age is None else f"{age} d"}</td><td>{first} {dated(f.first_date)}</td>'
        f'<td><ol class="places">{places}</ol></td><td><code>{e(f.redacted)}</code> <code>{e(f.fingerprint)}</code>'
        "</td></tr>"
    )


def location_item(loc: HtmlLocation) -> str:
    commit = f" <code>{e(loc.commit[:SHORT_COMMIT])}</code>" if loc.commit else ""
    return f"{link(loc.url, f'{loc.path}:{loc.line}')}{commit}"


def dated(date: str | None) -> str:
    """The day, with the time and offset it was written at in the tooltip (as the script shows dates)."""
    if not date:
        return ""
    shown = date[:10] if re.match(r"\d{4}-\d\d-\d\d[T ]", date) else date
    return f'<span title="{e(date)}">{e(shown)}</span>'


def link(url: str | None, text: str) -> str:
    """A link that opens apart from the report and tells the forge nothing about where it came from."""
    if not url:
        return f"<code>{e(text)}</code>"
    return f'<a href="{e(url)}" target="_blank" rel="noopener noreferrer"><code>{e(text)}</code></a>'
