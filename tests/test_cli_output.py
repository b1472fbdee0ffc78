"""Where the report goes: `-o` infers the format from the file's name, several `-o` render one scan, and a
target whose folder is missing fails before the scan."""

from __future__ import annotations

import json

from secrets_fixtures import GITHUB, STRIPE


def leaky_folder(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "settings.py").write_text(f'STRIPE_SECRET_KEY = "{STRIPE}"\n')
    return folder


def test_output_format_is_inferred_from_the_extension(leakstop, tmp_path):
    folder = leaky_folder(tmp_path)
    result = leakstop("scan", folder, "-o", tmp_path / "report.sarif")
    assert result.code == 1, result.output
    assert json.loads((tmp_path / "report.sarif").read_text())["version"] == "2.1.0"


def test_one_scan_renders_several_outputs(leakstop, tmp_path):
    folder = leaky_folder(tmp_path)
    result = leakstop("scan", folder, "--format", "github", "-o", "-", "-o", tmp_path / "r.sarif",
                      "-o", tmp_path / "r.json")
    assert result.code == 1, result.output
    assert result.stdout.startswith("::error file=settings.py")
    assert [f["rule_id"] for f in json.loads((tmp_path / "r.json").read_text())["findings"]] == \
        ["stripe-secret-key"]
    assert json.loads((tmp_path / "r.sarif").read_text())["runs"][0]["results"]


def test_a_missing_output_folder_fails_before_the_scan(leakstop, tmp_path):
    folder = leaky_folder(tmp_path)
    result = leakstop("scan", folder, "-o", tmp_path / "no" / "such" / "report.json")
    assert result.code == 2
    assert "folder" in result.stderr and "does not exist" in result.stderr
    assert "Scanned" not in result.output


def test_warnings_reach_stderr_whatever_the_format(leakstop, tmp_path):
    folder = leaky_folder(tmp_path)
    (folder / "token.txt").write_text(f"{GITHUB}\n")
    config = tmp_path / "ls.yaml"
    config.write_text('exclude: ["**"]\n')
    result = leakstop("scan", folder, "--config", config, "--format", "json")
    assert "leakstop: warning:" in result.stderr and "nothing will be scanned" in result.stderr
    in_actions = leakstop("scan", folder, "--config", config, "--format", "sarif", env={"GITHUB_ACTIONS": "true"})
    assert "::warning title=leakstop::" in in_actions.stderr
