"""Writing a custom rule takes one round trip: every problem of a file at once, with rule id, field and a
"did you mean"; a scaffold that says what to fill in; no duplicate keys; no findings in the rule's own
examples."""

from __future__ import annotations

import pytest
from conftest import git

RULE_WITH_THREE_PROBLEMS = """\
rules:
  - id: zephyr-api-key
    name: Zephyr API key
    keywords: [zph_]
    pattern: '\\bzph_[A-Za-z0-9]{30}\\b'
    exmaples: ['ZEPHYR_KEY=zph_Qm8vT2xLr5nW9cK4pZ7yH3sJ6dF1gB']
  - id: zephyr-admin-key
    provider: Zephyr
    name: Zephyr admin key
    pattern: '\\bzpa_[A-Za-z0-9]{30}\\b'
    examples: ['ZEPHYR_ADMIN=zpa_Xr4kP9mW2vN7cT5bL8qJ3hZ6yS1dF0']
    remediation: Revoke it in the Zephyr console.
    severity: urgent
"""

# Made up for these tests: 30 random letters and digits after the rule's prefix.
ZEPHYR_KEY = "zph_" + "Qm8vT2xLr5nW9cK4pZ7yH3sJ6dF1gB"
GOOD_RULE = f"""\
rules:
  - id: zephyr-api-key
    provider: Zephyr
    name: Zephyr API key
    keywords: [zph_]
    pattern: '\\bzph_[A-Za-z0-9]{{30}}\\b'
    min_entropy: 3.0
    examples: ['ZEPHYR_KEY={ZEPHYR_KEY}']
    remediation: Revoke it in the Zephyr console.
"""


def test_every_problem_of_a_rule_file_is_reported_at_once(tmp_path, leakstop):
    rule_file = tmp_path / "zephyr.yaml"
    rule_file.write_text(RULE_WITH_THREE_PROBLEMS)
    result = leakstop("rules", "check", "--rules-path", rule_file)
    assert result.code == 2, result.output
    head, *lines = result.stderr.splitlines()
    assert head == "leakstop: error: 5 problems in rule files; nothing was checked:"
    lines = [line.strip() for line in lines]
    assert f"{rule_file}: rule 'zephyr-api-key': exmaples: unknown field (did you mean 'examples'?)" in lines
    assert any(line.startswith(f"{rule_file}: rule 'zephyr-api-key': remediation: missing") for line in lines)
    assert any(line.startswith(f"{rule_file}: rule 'zephyr-api-key': provider: missing") for line in lines)
    assert any(line.startswith(f"{rule_file}: rule 'zephyr-admin-key': keywords: missing") for line in lines)
    assert any(line.startswith(f"{rule_file}: rule 'zephyr-admin-key': severity:") for line in lines)
    assert not any("examples: missing" in line for line in lines), "the misspelling already says it"
    assert len(lines) == 5
    # a scan says the same on one line, and again on the next run (the rule cache stores no failure)
    for _ in range(2):
        scan = leakstop("scan", tmp_path, "--rules-path", rule_file)
        assert scan.code == 2 and scan.stderr.startswith("leakstop: error: 5 problems in rule files: ")
        assert len(scan.stderr.strip().splitlines()) == 1 and "did you mean 'examples'" in scan.stderr


def test_negative_examples_and_a_file_level_provider_are_optional_for_a_custom_rule(tmp_path, leakstop):
    rule_file = tmp_path / "zephyr.yaml"
    rule_file.write_text(GOOD_RULE)
    result = leakstop("rules", "check", "--rules-path", rule_file)
    assert result.code == 0, result.output
    assert "1 rule checked, 0 problems" in result.stderr


def test_the_built_in_pack_still_demands_negative_examples(tmp_path):
    from scanner.cli.rules import builtin_problems
    from scanner.ruleset.rules import parse_rule_file

    rule_file = tmp_path / "zephyr.yaml"
    rule_file.write_text(GOOD_RULE)
    problems = builtin_problems(parse_rule_file(rule_file))
    assert [p.message.split(":")[0] for p in problems] == ["negative_examples"]


def test_rules_new_writes_a_scaffold_whose_check_lists_what_to_fill_in(tmp_path, leakstop):
    result = leakstop("rules", "new", "Zephyr Cloud", cwd=tmp_path)
    assert result.code == 0, result.output
    scaffold = tmp_path / "zephyr-cloud.yaml"
    text = scaffold.read_text()
    for field in ("id:", "name:", "severity:", "confidence:", "keywords:", "pattern:", "context:", "min_entropy:",
                  "filters:", "allow:", "paths:", "examples:", "negative_examples:", "remediation:"):
        assert field in text, field
    assert text.count("\n    # ") > 20, "every field is explained"
    check = leakstop("rules", "check", "--rules-path", scaffold)
    assert check.code == 2
    todo = [line.split(": ", 2)[2] for line in check.stderr.splitlines()[1:] if ": fill in: " in line]
    assert [line.split(":")[0] for line in todo] == ["name", "keywords", "pattern", "examples",
                                                      "negative_examples", "remediation"]
    # filled in, the same file passes
    filled = (text.replace('"FILL IN: the credential\'s name, e.g. Zephyr Cloud API key"', "Zephyr Cloud API key")
              .replace('["FILL IN: the token\'s fixed prefix, e.g. zephyr_cloud_"]', "[zph_]")
              .replace('"FILL IN: a regex, e.g. \\\\bzephyr_cloud_[A-Za-z0-9]{32}\\\\b"',
                       "'\\bzph_[A-Za-z0-9]{30}\\b'")
              .replace('"FILL IN: e.g. ZEPHYR_CLOUD_API_KEY=zephyr_cloud_<a made-up token of the real length>"',
                       f"ZEPHYR_KEY={ZEPHYR_KEY}")
              .replace('"FILL IN: e.g. ZEPHYR_CLOUD_API_KEY=zephyr_cloud_your-key-here"', "ZEPHYR_KEY=zph_yourkeyhere")
              .replace('"FILL IN: where to revoke the key and how to issue a new one"', "Revoke it."))
    assert "FILL IN" not in filled.replace("value that starts with \"FILL IN:\"", "")
    scaffold.write_text(filled)
    check = leakstop("rules", "check", "--rules-path", scaffold)
    assert check.code == 0, check.output
    assert leakstop("rules", "new", "Zephyr Cloud", cwd=tmp_path).code == 2, "an existing file is not overwritten"


@pytest.mark.parametrize("kind", ["rule file", "configuration"])
def test_a_key_given_twice_is_an_error_naming_key_and_line(tmp_path, leakstop, kind):
    git(tmp_path, "init", "-q")
    if kind == "rule file":
        target = tmp_path / "zephyr.yaml"
        target.write_text(GOOD_RULE.replace("    min_entropy: 3.0\n", "    min_entropy: 3.0\n    keywords: [zp]\n"))
        result = leakstop("scan", tmp_path, "--rules-path", target)
        line = 8
    else:
        target = tmp_path / ".leakstop.yaml"
        target.write_text('exclude: ["vendor/**"]\nmin_severity: low\nexclude: ["build/**"]\n')
        result = leakstop("scan", tmp_path)
        line = 3
    assert result.code == 2, result.output
    assert f"{target}: invalid YAML: line {line}: duplicate key '" in result.stderr
    assert "keywords" in result.stderr if kind == "rule file" else "'exclude'" in result.stderr


def test_a_custom_rule_files_own_examples_are_not_reported(tmp_path, leakstop):
    git(tmp_path, "init", "-q")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "zephyr.yaml").write_text(GOOD_RULE)
    (tmp_path / ".leakstop.yaml").write_text("rules: [rules]\n")
    (tmp_path / "app.env").write_text(f"ZEPHYR_KEY={ZEPHYR_KEY[:-4]}Wq7e\n")
    for extra in ((), ("--rules-path", tmp_path / "rules" / "zephyr.yaml")):
        if extra:
            (tmp_path / ".leakstop.yaml").unlink()  # the rule file through the flag alone
        result = leakstop("scan", tmp_path, "--format", "json", "--show-suppressed", *extra)
        report = result.json()
        assert [f["path"] for f in report["findings"]] == ["app.env"], result.output
        assert [f["path"] for f in report["suppressed"]] == ["rules/zephyr.yaml"]
        assert report["stats"]["suppressed"] == {"rule-example": 1}
