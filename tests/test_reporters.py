"""Every report format through the real CLI: what CI tools and people read, valid and redacted."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sarif_validation import valid_sarif
from secrets_fixtures import AWS_KEY_ID, GITHUB, PRIVATE_KEY, STRIPE
from source_checkout import run_leakstop_anywhere

from scanner.reporters.github import escape_data, escape_property

FORMATS = ["text", "json", "sarif", "csv", "junit", "github", "html"]


@pytest.fixture
def leakstop():
    return run_leakstop_anywhere


def plant(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    plant(root, {
        "app/settings.py": f'DEBUG = False\nSTRIPE_SECRET_KEY = "{STRIPE}"\n',
        "odd dir/a,b%c.env": f"GITHUB_TOKEN={GITHUB}\n",
        "keys/server.pem": PRIVATE_KEY,
        "copy.py": f'stripe_key = "{STRIPE}"\n',
    })
    return root


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reports_findings_without_printing_a_secret(tree, leakstop, fmt):
    result = leakstop("scan", tree, "--format", fmt)
    assert result.code == 1, result.stderr
    assert result.stdout.strip()
    for secret in (STRIPE, GITHUB, PRIVATE_KEY.splitlines()[1]):
        assert secret not in result.output


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_file_gets_the_report_and_the_terminal_one_summary_line(tree, tmp_path, leakstop, fmt):
    target = tmp_path / f"report.{fmt}"
    result = leakstop("scan", tree, "--format", fmt, "--output", target)
    assert result.code == 1
    assert result.stdout == ""
    assert "secrets found" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    written = target.read_text()
    assert "app/settings.py" in written and STRIPE not in written
    if fmt == "sarif":
        valid_sarif(written)


def test_sarif_of_a_tree_is_valid_and_describes_each_rule_once(tree, leakstop):
    log = valid_sarif(leakstop("scan", tree, "--format", "sarif").stdout)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    assert set(ids) == {r["ruleId"] for r in run["results"]}
    stripe = next(r for r in rules if r["id"] == "stripe-secret-key")
    assert stripe["properties"]["security-severity"] == "9.5"
    assert "Roll the key" in stripe["help"]["text"] and "Roll the key" in stripe["help"]["markdown"]
    assert stripe["shortDescription"]["text"] and stripe["fullDescription"]["text"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "odd%20dir/a%2Cb%25c.env" in uris
    # one Stripe key in two files is one finding: the second file is a related location, not lost.
    stripe_result = next(r for r in run["results"] if r["ruleId"] == "stripe-secret-key")
    related = stripe_result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert {related, stripe_result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]} == {
        "app/settings.py", "copy.py"}


def test_sarif_region_points_at_the_secret(tree, leakstop):
    log = valid_sarif(leakstop("scan", tree, "--format", "sarif").stdout)
    result = next(r for r in log["runs"][0]["results"]
                  if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "odd%20dir/a%2Cb%25c.env")
    region = result["locations"][0]["physicalLocation"]["region"]
    start = len("GITHUB_TOKEN=") + 1
    assert region == {**region, "startLine": 1, "startColumn": start, "endLine": 1,
                      "endColumn": start + len(GITHUB)}
    assert GITHUB not in region["snippet"]["text"]


def test_sarif_fingerprints_survive_a_line_move_and_a_rerun(tree, leakstop):
    def fingerprints() -> dict[str, tuple[str, int]]:
        log = valid_sarif(leakstop("scan", tree, "--format", "sarif").stdout)
        return {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]:
                (r["partialFingerprints"]["leakstopSecret/v1"],
                 r["locations"][0]["physicalLocation"]["region"]["startLine"])
                for r in log["runs"][0]["results"]}

    before = fingerprints()
    assert before == fingerprints()
    moved = tree / "odd dir" / "a,b%c.env"
    moved.write_text("# moved down\n\n\n" + moved.read_text())
    after = fingerprints()
    key = "odd%20dir/a%2Cb%25c.env"
    assert after[key][0] == before[key][0]
    assert after[key][1] == before[key][1] + 3


def test_sarif_of_stdin_is_valid(leakstop):
    result = leakstop("scan", "-", "--format", "sarif", input=f"key={AWS_KEY_ID}\n".encode())
    log = valid_sarif(result.stdout)
    assert result.code == 1
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "-"


def test_sarif_of_a_clean_scan_is_valid_and_empty(tmp_path, leakstop):
    (tmp_path / "ok.py").write_text("print('hello')\n")
    result = leakstop("scan", tmp_path, "--format", "sarif")
    assert result.code == 0
    log = valid_sarif(result.stdout)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["invocations"][0]["executionSuccessful"]


def test_sarif_of_staged_changes_is_valid(repo, leakstop):
    repo.write("README.md", "hello\n")
    repo.commit("init")
    repo.write("README.md", f"hello\n\nexport STRIPE_SECRET_KEY={STRIPE}\n")
    repo.git("add", "README.md")
    result = leakstop("scan", "--staged", "--format", "sarif", cwd=repo.path)
    assert result.code == 1, result.stderr
    log = valid_sarif(result.stdout)
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 3


def test_sarif_of_history_is_valid_and_names_the_commit(repo, leakstop):
    repo.write("config.py", f'KEY = "{STRIPE}"\n')
    introduced = repo.commit("add key")
    repo.write("config.py", "KEY = None\n")
    repo.commit("remove key")
    result = leakstop("scan", "--history", "--format", "sarif", cwd=repo.path)
    assert result.code == 1, result.stderr
    log = valid_sarif(result.stdout)
    props = log["runs"][0]["results"][0]["properties"]
    assert props["commitSha"] == introduced
    assert STRIPE not in result.stdout


def test_csv_has_one_row_per_place_and_defuses_formulas(tmp_path, leakstop):
    plant(tmp_path, {"a.py": f'k = "{STRIPE}"\n', "=cmd|' /C calc'!A0.py": f'k = "{STRIPE}"\n'})
    result = leakstop("scan", tmp_path, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert sorted(r["path"] for r in rows) == ["'=cmd|' /C calc'!A0.py", "a.py"]
    assert {r["fingerprint"] for r in rows} == {rows[0]["fingerprint"]}
    assert all(r["severity"] == "critical" and r["line"] == "1" for r in rows)


def test_junit_has_one_failing_case_per_finding(tree, leakstop):
    findings = leakstop("scan", tree, "--format", "json").json()["findings"]
    root = ET.fromstring(leakstop("scan", tree, "--format", "junit").stdout)
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(findings)
    assert all(case.find("failure") is not None for case in cases)
    assert root.get("failures") == str(len(findings))


def test_junit_of_a_clean_scan_is_one_passing_case(tmp_path, leakstop):
    (tmp_path / "ok.py").write_text("print('hello')\n")
    root = ET.fromstring(leakstop("scan", tmp_path, "--format", "junit").stdout)
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 1 and cases[0].find("failure") is None and root.get("failures") == "0"


@pytest.mark.parametrize(("raw", "data", "prop"), [
    ("plain", "plain", "plain"),
    ("100%", "100%25", "100%25"),
    ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
    ("dir,x/file:1.py", "dir,x/file:1.py", "dir%2Cx/file%3A1.py"),
    ("%0A", "%250A", "%250A"),
])
def test_github_workflow_command_escaping(raw, data, prop):
    assert escape_data(raw) == data
    assert escape_property(raw) == prop


def test_github_annotations_and_step_summary(tree, tmp_path, leakstop):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    result = leakstop("scan", tree, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert any(line.startswith("::error file=odd dir/a%2Cb%25c.env,line=1,col=14,endLine=1,title=") for line in lines)
    # the Stripe key is one finding but two files: each file gets its annotation
    assert sum("title=Stripe live secret key" in line for line in lines) == 2
    text = summary.read_text()
    assert text.startswith("earlier step\n## leakstop")
    assert "| severity | rule | where | secret | fingerprint |" in text and "`odd dir/a,b%c.env:1`" in text
    assert STRIPE not in text and GITHUB not in text


def test_github_format_without_step_summary_variable_writes_no_file(tree, leakstop):
    result = leakstop("scan", tree, "--format", "github", env={"GITHUB_STEP_SUMMARY": ""})
    assert result.code == 1 and "::error" in result.stdout


def test_text_report_is_grouped_by_file_with_remediation_and_severity_summary(tree, leakstop):
    result = leakstop("scan", tree)
    out = result.stdout
    assert "\x1b[" not in out
    assert out.index("copy.py\n") < out.index("keys/server.pem\n") < out.index("odd dir/a,b%c.env\n")
    assert "fix: Roll the key" in out
    assert "also at app/settings.py:2" in out
    assert "secrets found:" in out and "critical" in out and "Scanned" in out


def test_text_report_is_coloured_only_when_asked(tree):
    from scanner.findings import Finding, Location
    from scanner.report import Report, ScanStats
    from scanner.reporters import RenderOptions
    from scanner.reporters.text import TextReporter

    loc = Location("a.py", 1, 5, 1, 19, preview='k = "sk_liv********"')
    finding = Finding("stripe-secret-key", "Stripe live secret key", "Stripe", "critical", "high", "ls1:x",
                      "sk_liv********", (loc,), remediation="Roll it.")
    report = Report(findings=[finding], stats=ScanStats(files=1))
    coloured = TextReporter().render(report, RenderOptions(color=True))
    plain = TextReporter().render(report, RenderOptions(color=False))
    assert "\x1b[" in coloured and "\x1b[" not in plain
    assert "sk_liv********" in plain


def test_json_and_sarif_agree_on_fingerprints(tree, leakstop):
    findings = leakstop("scan", tree, "--format", "json").json()["findings"]
    log = json.loads(leakstop("scan", tree, "--format", "sarif").stdout)
    assert {f["fingerprint"] for f in findings} == {r["properties"]["fingerprint"] for r in log["runs"][0]["results"]}


def test_sarif_marks_suppressed_findings_in_source_or_external(tmp_path, leakstop):
    other = "sk_" + "live_" + "41H8xQ2Lk9PzT4vYb7RmN3cWq0aZe6Ft"
    plant(tmp_path / "t", {"a.py": f'k = "{STRIPE}"\n'})
    assert leakstop("baseline", "create", "-o", tmp_path / "b.json", tmp_path / "t").code == 0
    plant(tmp_path / "t", {"b.py": f'j = "{other}"  # leakstop:allow\n'})
    result = leakstop("scan", tmp_path / "t", "--baseline", tmp_path / "b.json", "--show-suppressed",
                      "--format", "sarif")
    assert result.code == 0, result.stderr
    results = valid_sarif(result.stdout)["runs"][0]["results"]
    kinds = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["suppressions"][0]["kind"]
             for r in results}
    assert kinds == {"a.py": "external", "b.py": "inSource"}


def test_quiet_text_prints_findings_alone(tmp_path, leakstop):
    (tmp_path / "clean.txt").write_text("nothing here\n")
    assert leakstop("scan", "--no-git", tmp_path / "clean.txt", "-q").stdout == ""
    (tmp_path / "settings.py").write_text(f"STRIPE_KEY = '{STRIPE}'\n")
    result = leakstop("scan", "--no-git", tmp_path / "settings.py", "-q")
    assert result.code == 1 and "stripe-secret-key" in result.stdout and "Scanned" not in result.stdout


def test_show_suppressed_lists_each_suppressed_finding_and_why_in_text(tmp_path, leakstop):
    (tmp_path / "settings.py").write_text(f"STRIPE_KEY = '{STRIPE}'  # leakstop:allow\n")
    result = leakstop("scan", "--no-git", tmp_path / "settings.py", "--show-suppressed")
    assert result.code == 0
    assert "settings.py:1: stripe-secret-key (inline: leakstop:allow" in result.stdout
