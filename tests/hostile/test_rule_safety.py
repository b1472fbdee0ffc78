"""A user's rule that backtracks catastrophically is named by `rules check`, and Ctrl-C during any long
scan ends with exit 130, the word "incomplete" and no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT
from test_bad_input import GOOD_RULE
from test_bad_input import write_rule as write_rule_file


def write_rule(tmp_path, pattern):
    return write_rule_file(tmp_path, GOOD_RULE.format(pattern=pattern))


@pytest.mark.parametrize("pattern", [r"acme_(\w|\w\w)+b", r"acme_([a-z0-9]+)+\s*=", r"acme_(\w+\s?)+;"])
def test_rules_check_names_a_catastrophic_pattern(leakstop, tmp_path, pattern):
    result = leakstop("rules", "check", "--rules-path", write_rule(tmp_path, pattern), timeout=60)
    assert "Traceback" not in result.output
    assert "rule 'acme-token' backtracks catastrophically" in result.stderr


BLOCK_RULE = r"""
provider: Acme
rules:
  - id: acme-block
    name: Acme key block
    keywords: [acme-key-file]
    multiline: true
    pattern: '(acme-key-file:\r?\n(?:[ \t]{0,8}[^\r\n]{0,80}\r?\n){0,60}?key: ([a-f0-9]{16})\nmac: [a-f0-9]{8})'
    examples: ["acme-key-file:\n  comment: x\nkey: 0123456789abcdef\nmac: 0a1b2c3d"]
    negative_examples: ["acme-key-file:\n  comment: x\n"]
    remediation: Revoke it.
"""


def test_rules_check_names_a_block_pattern_that_backtracks_when_its_end_is_missing(leakstop, tmp_path):
    """A key file cut short (or any text after its header that never completes the block) between indented
    lines: `[ \t]{0,8}` and `[^\r\n]` share each line's indentation, so every split of every line is tried.
    Two built-in PuTTY rules had this shape; keyword + filler probes never reached it."""
    rule = tmp_path / "block.yaml"
    rule.write_text(BLOCK_RULE)
    result = leakstop("rules", "check", "--rules-path", rule, timeout=60)
    assert "Traceback" not in result.output
    assert "rule 'acme-block' backtracks catastrophically" in result.stderr, result.stderr
    assert "between indented lines" in result.stderr
    rule.write_text(BLOCK_RULE.replace(r"(?:[ \t]{0,8}[^\r\n]{0,80}", r"(?:[^\r\n]{0,80}"))
    assert "backtracks" not in leakstop("rules", "check", "--rules-path", rule, timeout=60).output


def test_rules_check_is_quiet_about_a_linear_pattern(leakstop, tmp_path):
    result = leakstop("rules", "check", "--rules-path", write_rule(tmp_path, r"\b(acme_[A-Za-z0-9]{6,40})\b"))
    assert result.code == 0, result.output
    assert "backtracks" not in result.output


def test_no_builtin_rule_backtracks_catastrophically(leakstop):
    result = leakstop("rules", "check", timeout=300)
    assert result.code == 0 and "backtracks" not in result.output, result.stderr[-2000:]


def interrupt_after_start(args):
    """Start the CLI in its own process group and send SIGINT to the whole group, as a terminal's ^C does."""
    proc = subprocess.Popen([sys.executable, "-m", "scanner", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(3)  # not an assertion: only lets the scan get past start-up into the slow part
    assert proc.poll() is None, proc.communicate()
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out.decode(), err.decode()


def test_ctrl_c_during_a_stuck_rule_exits_130_and_says_incomplete(tmp_path):
    rule = write_rule(tmp_path, r"acme_(a|aa)+b")
    (tmp_path / "victim.txt").write_text("acme_" + "a" * 5000 + "!\n")
    code, out, err = interrupt_after_start(["scan", tmp_path / "victim.txt", "--rules-path", rule,
                                            "--rule-timeout", "300"])
    assert code == 130, err
    assert "incomplete" in err and "Traceback" not in out + err


@pytest.mark.slow
def test_ctrl_c_during_a_large_tree_scan_in_parallel(tmp_path):
    for d in range(40):
        folder = tmp_path / f"d{d}"
        folder.mkdir()
        for i in range(100):
            (folder / f"f{i}.py").write_text(("password = 'x'\n" + "a = 1\n" * 200) * 20)
    rule = write_rule(tmp_path, r"acme_(a|aa)+b")
    for i in range(8):  # a quick match first: the workers' rule gate lets through only texts the rule can match
        (tmp_path / f"stuck{i}.txt").write_text("acme_ab\n" + "acme_" + "a" * 5000 + "!\n")
    code, out, err = interrupt_after_start(["scan", tmp_path, "--no-git", "--rules-path", rule,
                                            "--rule-timeout", "300", "--format", "json"])
    assert code == 130, err
    assert "incomplete" in err and "Traceback" not in out + err
