"""CSV: one row per place a secret was seen, for spreadsheets and ad-hoc audits.

Named `csv_report` so it does not shadow the standard library's `csv` inside this package.
"""

from __future__ import annotations

import csv
import io

from scanner.findings import Finding, Location
from scanner.report import Report
from scanner.reporters import RenderOptions, Reporter

COLUMNS = ("rule_id", "rule_name", "provider", "severity", "confidence", "path", "line", "column", "end_line",
           "end_column", "commit", "author", "date", "secret", "fingerprint", "suppressed_by", "remediation")

# Spreadsheets run a cell that starts with one of these as a formula; a file path or a commit author is
# attacker-controlled text, so such cells are prefixed with a quote (the usual CSV-injection defence).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def row(f: Finding, loc: Location) -> list[str]:
    values = (f.rule_id, f.rule_name, f.provider, f.severity, f.confidence, loc.path, loc.line, loc.column,
              loc.end_line, loc.end_column, loc.commit, loc.author, loc.date, f.shown_secret, f.fingerprint,
              f.suppressed_by, f.remediation)
    return [cell(v) for v in values]


class CsvReporter(Reporter):
    def render(self, report: Report, options: RenderOptions) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for f in report.findings + report.suppressed:
            for loc in f.locations:
                writer.writerow(row(f, loc))
        return out.getvalue()
