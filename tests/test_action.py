"""The GitHub Action's script (action/run.sh) run as the runner would: fake event payloads, a local repo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, Repo
from sarif_validation import valid_sarif
from secrets_fixtures import GITHUB, STRIPE
from source_checkout import checkout_env, run_leakstop_anywhere

SCRIPT = ROOT / "action" / "run.sh"
ZERO = "0" * 40


@dataclass
class ActionRun:
    code: int
    stdout: str
    stderr: str
    sarif: Path
    outputs: dict[str, str]
    summary: str


def run_action(repo: Repo, tmp_path: Path, event: str, payload: dict[str, object] | None = None,
               leakstop: str = "", args: tuple[str, ...] = (), env: dict[str, str] | None = None,
               **inputs: str) -> ActionRun:
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(payload or {}))
    outputs, summary = tmp_path / "outputs.txt", tmp_path / "summary.md"
    outputs.write_text("")
    summary.write_text("")
    env = {
        **os.environ, **checkout_env(), **(env or {}),
        "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(event_file), "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary), "LEAKSTOP_PYTHON": sys.executable,
        "LEAKSTOP": leakstop or f"{sys.executable} -m scanner",
        **{f"INPUT_{name.upper()}": value for name, value in inputs.items()},
    }
    proc = subprocess.run(["bash", str(SCRIPT), *args], cwd=repo.path, env=env, capture_output=True, text=True,
                          timeout=300)
    sarif = repo.path / inputs.get("sarif_file", "leakstop.sarif")
    pairs = (line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return ActionRun(proc.returncode, proc.stdout, proc.stderr, sarif, dict(pairs), summary.read_text())


@pytest.fixture
def leaky_repo(repo: Repo) -> tuple[Repo, str, str]:
    """main with a clean commit, then a branch that adds a key: (repo, base sha, head sha)."""
    repo.write("README.md", "hello\n")
    base = repo.commit("start")
    repo.write("app/settings.py", f'STRIPE_SECRET_KEY = "{STRIPE}"\n')
    repo.commit("settings")
    repo.write("ci.env", "CI=true\n")
    head = repo.commit("ci")
    return repo, base, head


def pull_request_event(base: str, head: str) -> dict[str, object]:
    return {"pull_request": {"base": {"sha": base, "ref": "main"}, "head": {"sha": head, "ref": "feature"}},
            "repository": {"default_branch": "main"}}


def push_event(before: str, after: str) -> dict[str, object]:
    return {"before": before, "after": after, "ref": "refs/heads/main", "repository": {"default_branch": "main"}}


def test_action_yml_is_a_composite_action_that_runs_the_script_with_inputs_as_env():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"mode", "sarif-file", "fail", "config", "baseline", "extra-args",
                                     "trust-range-config", "cache"}
    assert action["inputs"]["fail"]["default"] == "true"
    steps = action["runs"]["steps"]
    assert 'install --quiet --disable-pip-version-check "$ACTION_PATH"' in steps[0]["run"]
    assert steps[0]["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    scan = next(step for step in steps if step.get("id") == "scan")
    assert scan["run"] == 'bash "$ACTION_PATH/action/run.sh"'
    for step in steps:
        assert "${{" not in step.get("run", ""), "inputs must reach the shell through env, never pasted into it"
    inputs = {f"INPUT_{name.upper().replace('-', '_')}" for name in action["inputs"]}
    assert inputs - {"INPUT_CACHE"} <= set(scan["env"])


def test_history_scans_restore_and_save_the_scan_cache_under_the_planned_key():
    steps = yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]
    names = [step.get("id") or step.get("uses", "").split("@")[0] for step in steps]
    assert names[1:] == ["plan", "actions/cache/restore", "scan", "actions/cache/save"]
    plan, restore, scan, save = steps[1:]
    assert plan["run"] == 'bash "$ACTION_PATH/action/run.sh" plan'
    assert plan["env"]["INPUT_CACHE"] == "${{ inputs.cache }}" and plan["env"]["INPUT_CONFIG"] == "${{ inputs.config }}"
    for step in (restore, save):
        assert step["if"].endswith("steps.plan.outputs.cache-key != ''")
        assert step["with"]["path"] == "${{ steps.plan.outputs.cache-dir }}"
        assert step["with"]["key"] == "${{ steps.plan.outputs.cache-key }}"
    assert restore["with"]["restore-keys"] == "${{ steps.plan.outputs.cache-restore-key }}"
    assert save["if"].startswith("always()"), "a scan that found secrets still saves what it learnt"
    assert scan["env"]["LEAKSTOP_CACHE_DIR"] == "${{ steps.plan.outputs.cache-dir }}"
    assert scan["env"]["PLANNED_TARGET"] == "${{ steps.plan.outputs.target }}"


def test_the_cache_key_names_the_version_and_the_rules_and_only_history_scans_get_one(leaky_repo, tmp_path):
    from scanner import __version__

    repo, base, head = leaky_repo
    env = {"RUNNER_OS": "Linux", "GITHUB_RUN_ID": "77", "GITHUB_RUN_ATTEMPT": "2", "RUNNER_TEMP": str(tmp_path)}
    plan = run_action(repo, tmp_path, "schedule", args=("plan",), env=env).outputs
    assert plan["target"] == "--history" and plan["cache-dir"] == f"{tmp_path}/leakstop-scan-cache"
    prefix = plan["cache-restore-key"]
    assert prefix.startswith(f"leakstop-history-Linux-{__version__}-") and plan["cache-key"] == prefix + "77-2"
    digest = prefix.split("-")[-2]
    assert len(digest) == 16
    again = run_action(repo, tmp_path, "workflow_dispatch", args=("plan",), env={**env, "GITHUB_RUN_ID": "78"})
    assert again.outputs["cache-restore-key"] == prefix and again.outputs["cache-key"] == prefix + "78-2"
    (repo.path / "leakstop.yaml").write_text("min_confidence: medium\n")
    configured = run_action(repo, tmp_path, "schedule", args=("plan",), env=env, config="leakstop.yaml").outputs
    assert configured["cache-restore-key"] != prefix, "other rules: another key"
    for event, payload, inputs in (("pull_request", pull_request_event(base, head), {}),
                                   ("schedule", {}, {"cache": "false"}), ("schedule", {}, {"mode": "tree"})):
        outputs = run_action(repo, tmp_path, event, payload, args=("plan",), env=env, **inputs).outputs
        assert "cache-key" not in outputs and outputs["target"], (event, inputs)


def test_a_planned_history_scan_keeps_its_cache_in_the_planned_folder(leaky_repo, tmp_path):
    repo, _, _ = leaky_repo
    env = {"RUNNER_TEMP": str(tmp_path)}
    plan = run_action(repo, tmp_path, "schedule", args=("plan",), env=env).outputs
    scan_env = {**env, "PLANNED_TARGET": plan["target"], "LEAKSTOP_CACHE_DIR": plan["cache-dir"]}
    first = run_action(repo, tmp_path, "schedule", env=scan_env)
    assert first.code == 1 and first.outputs["category"] == "leakstop/history"
    assert (Path(plan["cache-dir"]) / "scans.sqlite3").is_file()
    second = run_action(repo, tmp_path, "schedule", env=scan_env)
    assert second.code == 1 and second.outputs["findings"] == first.outputs["findings"] == "1"


def test_tree_mode_writes_valid_sarif_annotations_summary_and_fails(leaky_repo, tmp_path):
    repo, _, _ = leaky_repo
    run = run_action(repo, tmp_path, "workflow_dispatch", mode="tree", sarif_file="out/leakstop.sarif")
    assert run.code == 1, run.stderr
    log = valid_sarif(run.sarif.read_text())
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["stripe-secret-key"]
    assert run.stdout.startswith("::error file=app/settings.py,line=1,")
    assert "Stripe live secret key" in run.summary
    assert run.outputs == {"sarif-file": "out/leakstop.sarif", "findings": "1", "exit-code": "1",
                           "category": "leakstop/tree"}
    assert STRIPE not in run.stdout + run.stderr + run.summary + run.sarif.read_text()


def test_fail_false_reports_but_passes(leaky_repo, tmp_path):
    repo, _, _ = leaky_repo
    run = run_action(repo, tmp_path, "workflow_dispatch", mode="tree", fail="false")
    assert run.code == 0
    assert "::error file=app/settings.py" in run.stdout and run.outputs["findings"] == "1"
    assert "not failing" in run.stderr


def test_clean_scan_passes_with_an_empty_valid_sarif(repo, tmp_path):
    repo.write("README.md", "hello\n")
    repo.commit("start")
    run = run_action(repo, tmp_path, "workflow_dispatch", mode="tree")
    assert run.code == 0, run.stderr
    assert valid_sarif(run.sarif.read_text())["runs"][0]["results"] == []
    assert run.stdout == "" and "No secrets found" in run.summary and run.outputs["findings"] == "0"


def test_extra_args_reach_leakstop(leaky_repo, tmp_path):
    repo, _, _ = leaky_repo
    run = run_action(repo, tmp_path, "workflow_dispatch", mode="tree", extra_args="--exit-zero")
    assert run.code == 0 and run.outputs["exit-code"] == "0"


def test_unknown_mode_is_an_error(repo, tmp_path):
    run = run_action(repo, tmp_path, "push", push_event(ZERO, ZERO), mode="everything")
    assert run.code == 2 and "unknown mode 'everything'" in run.stderr


def test_a_deleted_branch_push_scans_nothing(repo, tmp_path):
    head = repo.commit("start")
    run = run_action(repo, tmp_path, "push", push_event(head, ZERO))
    assert run.code == 0 and "nothing to scan" in run.stderr and not run.sarif.exists()


@pytest.fixture
def recorder(tmp_path: Path) -> tuple[str, Path]:
    """A stand-in for leakstop that records its arguments: the event-to-range mapping is the script's own
    logic and is checked here independently of which scan flags exist."""
    log = tmp_path / "argv.txt"
    script = tmp_path / "record.sh"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexit 0\n')
    script.chmod(0o755)
    return str(script), log


def scan_arguments(log: Path) -> str:
    return log.read_text().splitlines()[0]


def test_event_decides_what_is_scanned(leaky_repo, tmp_path, recorder):
    repo, base, head = leaky_repo
    stub, log = recorder
    cases = [
        ("pull_request", pull_request_event(base, head), f"scan --range {base}..{head} "),
        ("push", push_event(base, head), f"scan --range {base}..{head} "),
        ("schedule", {}, "scan --history "),
        ("workflow_dispatch", {}, "scan --history "),
        ("push", push_event(ZERO, head), "scan --history "),  # a new branch with no default branch to diff to
    ]
    for event, payload, expected in cases:
        log.unlink(missing_ok=True)
        run = run_action(repo, tmp_path, event, payload, leakstop=stub)
        assert run.code == 0, run.stderr
        assert scan_arguments(log).startswith(expected), (event, scan_arguments(log))
        assert "--format github --output - --output " in scan_arguments(log)


def test_new_branch_push_scans_only_the_commits_not_on_the_default_branch(leaky_repo, tmp_path, recorder):
    repo, base, head = leaky_repo
    repo.git("update-ref", "refs/remotes/origin/main", base)
    stub, log = recorder
    run_action(repo, tmp_path, "push", push_event(ZERO, head), leakstop=stub, config="ls.yaml", baseline="b.json")
    assert scan_arguments(log).startswith(f"scan --range {base}..{head} --config ls.yaml --baseline b.json ")


def test_pull_request_event_scans_the_pr_commits(leaky_repo, tmp_path):
    repo, base, head = leaky_repo
    repo.write("app/settings.py", "STRIPE_SECRET_KEY = None\n")  # removed from the tree, still in the range
    repo.commit("remove")
    head = repo.git("rev-parse", "HEAD").strip()
    run = run_action(repo, tmp_path, "pull_request", pull_request_event(base, head))
    assert run.code == 1, run.stderr
    results = valid_sarif(run.sarif.read_text())["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["stripe-secret-key"]
    assert results[0]["properties"]["commitSha"]
    assert "::error file=app/settings.py" in run.stdout


def test_push_event_scans_only_the_pushed_commits(leaky_repo, tmp_path):
    repo, _, head = leaky_repo
    repo.write("token.txt", f"{GITHUB}\n")
    after = repo.commit("token")
    run = run_action(repo, tmp_path, "push", push_event(head, after))
    assert run.code == 1, run.stderr
    results = valid_sarif(run.sarif.read_text())["runs"][0]["results"]
    assert [r["ruleId"] for r in results] != [] and all(r["ruleId"] != "stripe-secret-key" for r in results)
    assert run.outputs["findings"] == str(len(results))


def test_baseline_input_accepts_known_secrets(leaky_repo, tmp_path):
    repo, _, _ = leaky_repo
    created = run_leakstop_anywhere("baseline", "create", "-o", "accepted.json", ".", cwd=repo.path)
    assert created.code == 0, created.output
    run = run_action(repo, tmp_path, "workflow_dispatch", mode="tree", baseline="accepted.json")
    assert run.code == 0, run.stderr
    assert valid_sarif(run.sarif.read_text())["runs"][0]["results"] == [] and run.stdout == ""


def remote_with(repo: Repo, tmp_path: Path) -> Path:
    """A bare copy of `repo` to clone from, as GitHub's side of actions/checkout."""
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(remote)], check=True)
    return remote


def shallow_checkout(remote: Path, tmp_path: Path, branch: str = "main") -> Repo:
    """What actions/checkout leaves by default: one commit of the pushed branch."""
    work = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", branch, f"file://{remote}", str(work)],
                   check=True)
    return Repo(work)


def test_force_push_whose_before_cannot_be_fetched_scans_the_pushed_commits(repo, tmp_path):
    repo.write("README.md", "hello\n")
    repo.commit("start")
    repo.write("app/settings.py", f'STRIPE_SECRET_KEY = "{STRIPE}"\n')  # old, already reported
    repo.commit("settings")
    repo.write("token.txt", f'token = "{GITHUB}"\n')
    forced = repo.commit("forced")
    checkout = shallow_checkout(remote_with(repo, tmp_path), tmp_path)
    event = {**push_event("e" * 40, forced), "forced": True, "commits": [{"id": forced}]}
    run = run_action(checkout, tmp_path, "push", event)
    assert run.code == 1, run.stderr
    results = valid_sarif(run.sarif.read_text())["runs"][0]["results"]
    assert [(r["ruleId"], r["properties"]["commitSha"]) for r in results] == [("github-pat-classic", forced)]
    assert "::warning title=leakstop::the push's previous tip" in run.stderr


def test_new_branch_on_a_shallow_checkout_scans_only_its_commits(repo, tmp_path):
    repo.write("app/settings.py", f'STRIPE_SECRET_KEY = "{STRIPE}"\n')  # on main long ago
    repo.commit("settings")
    for n in range(3):
        repo.write("notes.txt", f"note {n}\n")
        repo.commit(f"note {n}")
    repo.git("checkout", "-qb", "feature")
    repo.write("token.txt", f'token = "{GITHUB}"\n')
    tip = repo.commit("token")
    checkout = shallow_checkout(remote_with(repo, tmp_path), tmp_path, branch="feature")
    run = run_action(checkout, tmp_path, "push", {**push_event(ZERO, tip), "ref": "refs/heads/feature"})
    assert run.code == 1, run.stderr
    results = valid_sarif(run.sarif.read_text())["runs"][0]["results"]
    assert [(r["ruleId"], r["properties"]["commitSha"]) for r in results] == [("github-pat-classic", tip)]


def test_warnings_reach_the_job_log(leaky_repo, tmp_path):
    repo, _, _ = leaky_repo
    repo.write("ls.yaml", 'exclude: ["**"]\n')
    run = run_action(repo, tmp_path, "workflow_dispatch", mode="tree", config="ls.yaml")
    assert run.code == 0, run.stderr
    assert "::warning title=leakstop::" in run.stdout and "nothing will be scanned" in run.stdout
    assert "nothing will be scanned" in run.summary


def test_each_mode_uploads_under_its_own_sarif_category(leaky_repo, tmp_path):
    repo, base, head = leaky_repo
    for event, payload, category in (("pull_request", pull_request_event(base, head), "leakstop/diff"),
                                     ("push", push_event(base, head), "leakstop/diff"),
                                     ("schedule", {}, "leakstop/history")):
        run = run_action(repo, tmp_path, event, payload)
        assert run.outputs["category"] == category
        assert valid_sarif(run.sarif.read_text())["runs"][0]["automationDetails"]["id"] == f"{category}/"


def test_one_scan_per_run_even_with_findings(leaky_repo, tmp_path):
    repo, _, _ = leaky_repo
    log = tmp_path / "argv.txt"
    stub = tmp_path / "finds.sh"
    stub.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexit 1\n')
    stub.chmod(0o755)
    run = run_action(repo, tmp_path, "workflow_dispatch", leakstop=str(stub), mode="tree")
    assert run.code == 1
    assert len(log.read_text().splitlines()) == 1


def test_trust_range_config_input_applies_what_the_pull_request_adds(repo, tmp_path):
    repo.write("README.md", "hello\n")
    base = repo.commit("start")
    repo.write("pay.py", f'STRIPE_SECRET_KEY = "{STRIPE}"\n')
    repo.write(".leakstop.yaml", 'exclude: ["pay.py"]\n')
    head = repo.commit("pay, and quiet")
    judged = run_action(repo, tmp_path, "pull_request", pull_request_event(base, head))
    assert judged.code == 1 and "adds 1 exclude" in judged.stderr + judged.stdout, judged.stderr
    trusted = run_action(repo, tmp_path, "pull_request", pull_request_event(base, head), trust_range_config="true")
    assert trusted.code == 0 and trusted.outputs["findings"] == "0", trusted.stderr


def tag_push_event(tag: str, after: str) -> dict[str, object]:
    """What GitHub sends for a new tag: `before` all zeros, `after` the tag's object, no commits listed."""
    return {"before": ZERO, "after": after, "ref": f"refs/tags/{tag}", "commits": [], "created": True,
            "repository": {"default_branch": "main"}}


def tagged_release(repo: Repo, annotated: bool) -> str:
    """main with an old secret and a later clean commit that is tagged v1.0, then main moves on; the tag's
    object id."""
    repo.write("app/settings.py", f'STRIPE_SECRET_KEY = "{STRIPE}"\n')  # on main long ago, scanned then
    repo.commit("settings")
    repo.write("CHANGELOG.md", "1.0: first release\n")
    repo.commit("release 1.0")
    repo.git("tag", *(["-a", "-m", "Release 1.0"] if annotated else []), "v1.0")
    repo.write("CHANGELOG.md", "1.1: in progress\n")
    repo.commit("start 1.1")
    return repo.git("rev-parse", "v1.0").strip()


@pytest.mark.parametrize("annotated", [False, True], ids=["lightweight", "annotated"])
def test_a_tag_on_a_commit_of_the_default_branch_scans_nothing(repo, tmp_path, annotated):
    tag = tagged_release(repo, annotated)
    checkout = shallow_checkout(remote_with(repo, tmp_path), tmp_path, branch="v1.0")
    run = run_action(checkout, tmp_path, "push", tag_push_event("v1.0", tag))
    assert run.code == 0, run.stderr
    assert "on the default branch main" in run.stderr and "nothing to scan" in run.stderr
    assert "whole history" not in run.stderr and not run.sarif.exists()


def test_a_tag_on_commits_no_default_branch_has_scans_exactly_those(repo, tmp_path):
    tagged_release(repo, annotated=False)
    repo.git("checkout", "-qb", "release-1.x")
    repo.write("deploy/ci.env", f"GITHUB_TOKEN={GITHUB}\n")
    hotfix = repo.commit("hotfix for 1.0")
    repo.git("tag", "-a", "-m", "Release 1.0.1", "v1.0.1")
    tag = repo.git("rev-parse", "v1.0.1").strip()
    repo.git("checkout", "-q", "main")
    checkout = shallow_checkout(remote_with(repo, tmp_path), tmp_path, branch="v1.0.1")
    run = run_action(checkout, tmp_path, "push", tag_push_event("v1.0.1", tag))
    assert run.code == 1, run.stderr
    results = valid_sarif(run.sarif.read_text())["runs"][0]["results"]
    assert [(r["ruleId"], r["properties"]["commitSha"]) for r in results] == [("github-pat-classic", hotfix)]
    assert "whole history" not in run.stderr


def test_a_tag_push_with_no_default_branch_to_compare_scans_the_history_and_says_so(repo, tmp_path, recorder):
    tag = tagged_release(repo, annotated=True)
    stub, log = recorder
    run = run_action(repo, tmp_path, "push", tag_push_event("v1.0", tag), leakstop=stub)  # no origin at all
    assert run.code == 0, run.stderr
    assert scan_arguments(log).startswith("scan --history ")
    assert "::warning title=leakstop::no commit to compare the push with" in run.stderr
