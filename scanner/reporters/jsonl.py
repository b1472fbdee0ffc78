"""JSON Lines: one finding per line, each the object `--format json` lists under `findings`.

`scan --format jsonl` writes each line as the scan makes the finding (the CLI's stream), so `jq` or a log
shipper reads results while a long scan runs; rendered after a scan (`-o FILE.jsonl`, `--verify`,
`--history`, whose exposure fields need every place of a secret), the lines are the report's findings in
report order. Statistics and notes go to stderr.
"""

from __future__ import annotations

import json

from scanner.findings import Finding
from scanner.report import Report
from scanner.reporters import RenderOptions, Reporter
from scanner.reporters.json_report import finding_dict


def finding_line(finding: Finding) -> str:
    return json.dumps(finding_dict(finding), ensure_ascii=False) + "\n"


class JsonlReporter(Reporter):
    def render(self, report: Report, options: RenderOptions) -> str:
        return "".join(finding_line(f) for f in report.findings)
