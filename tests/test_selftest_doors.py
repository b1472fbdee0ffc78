"""`leakstop selftest` for every door: the pre-commit hook, the pre-push hook and the GitHub Action (its
script dry-run against a faked push and pull-request event), in temporary repositories, offline."""

from __future__ import annotations

import pytest
from source_checkout import run_leakstop_anywhere

from scanner.cli.selftest_action import action_env, judge_action


@pytest.fixture
def leakstop():
    return run_leakstop_anywhere


def test_selftest_action_dry_runs_the_script_on_a_push_and_a_pull_request(leakstop, tmp_path):
    job_output, job_summary = tmp_path / "job-output.txt", tmp_path / "job-summary.md"
    job_output.write_text("")
    job_summary.write_text("")
    # run inside a (real) job: the dry run must not write to the job's own outputs or summary
    result = leakstop("selftest", "--action", cwd=tmp_path,
                      env={"GITHUB_OUTPUT": str(job_output), "GITHUB_STEP_SUMMARY": str(job_summary),
                           "GITHUB_EVENT_NAME": "schedule", "GITHUB_EVENT_PATH": str(tmp_path / "none.json")})
    assert result.code == 0, result.output
    assert result.stdout.splitlines() == [
        "OK: the Action on a faked push event blocked a commit with a canary secret",
        "OK: the Action on a faked pull_request event blocked a commit with a canary secret",
    ]
    assert job_output.read_text() == "" and job_summary.read_text() == ""
    assert set(tmp_path.iterdir()) == {job_output, job_summary}  # the scratch repositories are gone


def test_selftest_all_proves_every_door(leakstop, repo):
    assert leakstop("hook", "install", "--pre-push", cwd=repo.path).code == 0
    result = leakstop("selftest", "--all", cwd=repo.path)
    assert result.code == 0, result.output
    assert [line.split(" blocked ")[0] for line in result.stdout.splitlines()] == [
        f"OK: the pre-commit hook at {repo.path / '.git' / 'hooks' / 'pre-commit'}",
        f"OK: the pre-push hook at {repo.path / '.git' / 'hooks' / 'pre-push'}",
        "OK: the Action on a faked push event", "OK: the Action on a faked pull_request event",
    ]


def test_selftest_all_fails_when_one_door_is_open(leakstop, repo):
    assert leakstop("hook", "install", cwd=repo.path).code == 0  # no pre-push hook
    result = leakstop("selftest", "--all", cwd=repo.path)
    assert result.code == 1
    assert "no pre-push hook" in result.stderr and result.stdout.count("OK:") == 3


@pytest.mark.parametrize(("code", "output", "outputs", "sarif", "says"), [
    (0, "", "findings=0\n", "", "passed a commit with a canary secret"),
    (2, "leakstop: error: no such commit\n", "", "", "not because of the canary secret: leakstop: error"),
    (1, "::error ...::Stripe live secret key\n", "findings=0\n", "stripe-secret-key", "did not count it"),
    (1, "::error ...::Stripe live secret key\n", "findings=1\n", "", "SARIF report does not hold it"),
])
def test_an_action_that_does_not_block_the_canary_fails_the_selftest(code, output, outputs, sarif, says):
    result = judge_action("push", code, output, outputs, sarif)
    assert not result.blocked and says in result.message


def test_the_dry_run_environment_is_fake_and_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_OUTPUT", "/real/job/output")
    monkeypatch.setenv("INPUT_EXTRA_ARGS", "--exit-zero")
    monkeypatch.setenv("RUNNER_TEMP", "/real/runner/temp")
    env = action_env(tmp_path, "push", tmp_path / "o", tmp_path / "s", tmp_path / "x.sarif")
    assert env["GITHUB_OUTPUT"] == str(tmp_path / "o") and env["RUNNER_TEMP"] == str(tmp_path)
    assert "INPUT_EXTRA_ARGS" not in env and env["GIT_ALLOW_PROTOCOL"] == ""
