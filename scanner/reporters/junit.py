"""JUnit XML: one failed test case per finding, so CI dashboards that chart test results chart secrets too.

A clean scan is one passing test case rather than an empty suite: several dashboards treat "no tests" as
a broken job.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from scanner.findings import Finding
from scanner.report import Report
from scanner.reporters import RenderOptions, Reporter
from scanner.reporters.text import place, summary_line

# XML 1.0 cannot hold most control characters, even escaped; a preview of a half-binary file may have them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def failure_body(f: Finding) -> str:
    lines = [f"{f.rule_name} ({f.rule_id}), severity {f.severity}, confidence {f.confidence}"]
    lines += [f"at {place(loc)}" for loc in f.locations]
    if f.first.preview:
        lines.append(f"line: {f.first.preview}")
    lines.append(f"fingerprint: {f.fingerprint}")
    if f.remediation:
        lines.append(f"fix: {f.remediation}")
    return xml_text("\n".join(lines))


def test_case(suite: ET.Element, f: Finding) -> None:
    first = f.first
    case = ET.SubElement(suite, "testcase", classname=xml_text(first.path),
                         name=xml_text(f"{f.rule_id} at {first.path}:{first.line}"), file=xml_text(first.path),
                         line=str(first.line))
    failure = ET.SubElement(case, "failure", type=f.severity,
                            message=xml_text(f"{f.rule_name} ({f.shown_secret})"))
    failure.text = failure_body(f)


class JunitReporter(Reporter):
    def render(self, report: Report, options: RenderOptions) -> str:
        errors = len(report.errors)
        tests = max(len(report.findings), 1) + errors
        root = ET.Element("testsuites", name="leakstop", tests=str(tests), failures=str(len(report.findings)),
                          errors=str(errors))
        suite = ET.SubElement(root, "testsuite", name=f"leakstop {report.stats.target}".strip(),
                              tests=str(tests), failures=str(len(report.findings)), errors=str(errors),
                              time=f"{report.stats.seconds:.3f}")
        for f in report.findings:
            test_case(suite, f)
        if not report.findings:
            ET.SubElement(suite, "testcase", classname="leakstop", name="no secrets found")
        for message in report.errors:
            case = ET.SubElement(suite, "testcase", classname="leakstop", name="scan incomplete")
            ET.SubElement(case, "error", message=xml_text(message))
        ET.SubElement(suite, "system-out").text = xml_text(summary_line(report))
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
