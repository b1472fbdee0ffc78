"""The README's two commands stay true: CI runs exactly the README's test command, and the scan command
names flags the CLI has."""

from __future__ import annotations

import re

from conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_ci_runs_the_readme_test_command():
    scan_command, test_command = readme_commands()
    assert test_command in (ROOT / ".ci" / "run").read_text()
    assert "pytest" in test_command


def test_readme_scan_command_runs(leakstop):
    scan_command, _ = readme_commands()
    args = scan_command.split("leakstop ", 1)[1].split()
    result = leakstop(*args)
    assert result.code == 0, result.output
    assert "No secrets found" in result.output
