"""`leakstop selftest --action`: the GitHub Action's script, dry-run against a faked push and pull request.

The Action is the third door a secret can walk through (after the two hooks), and the one whose logic is
most intricate: which range an event means, what a force-push or a new branch scans. This runs the very
script the Action runs (`action/run.sh`, shipped in the wheel) with this leakstop, in a throw-away
repository holding a canary commit, under a fake event and fake `GITHUB_*` files: nothing leaves the
machine (the repository has no remote, so a fetch the script tries fails at once).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from scanner.cli.selftest import CANARY_RULE, SelftestResult, plant_canary, prepare_repository
from scanner.git.runner import run_git

SCRIPT = Path("action") / "run.sh"


def action_script() -> Path | None:
    """The Action's script: in the wheel next to the package's modules, or in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / SCRIPT, package.parent / SCRIPT):
        if candidate.is_file():
            return candidate
    return None


def run_action_selftest() -> list[SelftestResult]:
    """One result per faked event (`push`, `pull_request`): blocked means exit 1, the canary reported as an
    annotation, counted in the outputs and present in the SARIF."""
    script = action_script()
    if script is None:
        return [SelftestResult(False, "the Action's script (action/run.sh) is not part of this installation")]
    with tempfile.TemporaryDirectory(prefix="leakstop-selftest-") as tmp:
        root = Path(tmp)
        repo = root / "work"
        repo.mkdir()
        prepare_repository(repo, None)
        base = run_git(repo, "rev-parse", "HEAD").decode("ascii").strip()
        plant_canary(repo)
        run_git(repo, "-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", "commit", "-q", "-m",
                "leakstop selftest canary")
        head = run_git(repo, "rev-parse", "HEAD").decode("ascii").strip()
        events: dict[str, dict[str, object]] = {
            "push": {"before": base, "after": head, "ref": "refs/heads/main", "commits": [{"id": head}],
                     "repository": {"default_branch": "main"}},
            "pull_request": {"pull_request": {"base": {"sha": base, "ref": "main"},
                                              "head": {"sha": head, "ref": "canary"}},
                             "repository": {"default_branch": "main"}},
        }
        return [dry_run(script, repo, root / name, name, payload) for name, payload in events.items()]


def dry_run(script: Path, repo: Path, scratch: Path, event: str, payload: dict[str, object]) -> SelftestResult:
    scratch.mkdir()
    (scratch / "event.json").write_text(json.dumps(payload), encoding="utf-8")
    outputs, summary, sarif = scratch / "outputs.txt", scratch / "summary.md", scratch / "leakstop.sarif"
    outputs.write_text("", encoding="utf-8")
    summary.write_text("", encoding="utf-8")
    try:
        proc = subprocess.run(["bash", str(script)], cwd=repo, capture_output=True, timeout=300,
                              env=action_env(scratch, event, outputs, summary, sarif))
    except (OSError, subprocess.TimeoutExpired) as exc:
        return SelftestResult(False, f"the Action's script could not run on a faked {event} event: {exc}")
    output = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    return judge_action(event, proc.returncode, output, outputs.read_text(encoding="utf-8"),
                        sarif.read_text(encoding="utf-8") if sarif.is_file() else "")


def action_env(scratch: Path, event: str, outputs: Path, summary: Path, sarif: Path) -> dict[str, str]:
    """The runner's environment, faked: a real one (selftest run inside a job) must not leak in, or the
    dry run would write to the job's own outputs and summary."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_"))}
    package_parent = str(Path(__file__).resolve().parent.parent.parent)
    env.update({
        "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(scratch / "event.json"), "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(scratch), "INPUT_MODE": "auto",
        "INPUT_SARIF_FILE": str(sarif), "INPUT_FAIL": "true",
        "LEAKSTOP": f"{sys.executable} -m scanner", "LEAKSTOP_PYTHON": sys.executable,
        "PYTHONPATH": os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p),
        # the script's own git calls: no transport at all (an empty allow-list refuses every protocol)
        "GIT_TERMINAL_PROMPT": "0", "GIT_ALLOW_PROTOCOL": "", "GIT_NO_LAZY_FETCH": "1",
    })
    return env


def judge_action(event: str, code: int, output: str, outputs: str, sarif: str) -> SelftestResult:
    """Blocked means: the step fails (exit 1), the annotation names the canary's rule, the `findings` output
    counts it and the SARIF for code scanning holds it. Anything less is a door left open."""
    where = f"the Action on a faked {event} event"
    if code == 0:
        return SelftestResult(False, f"{where} passed a commit with a canary secret")
    if code != 1 or "Stripe live secret key" not in output:
        tail = " | ".join(output.strip().splitlines()[-3:]) or f"exit {code}"
        return SelftestResult(False, f"{where} failed, but not because of the canary secret: {tail}")
    if "findings=1" not in outputs.splitlines():
        return SelftestResult(False, f"{where} blocked the canary but did not count it in its outputs")
    if CANARY_RULE not in sarif:
        return SelftestResult(False, f"{where} blocked the canary but its SARIF report does not hold it")
    return SelftestResult(True, f"OK: {where} blocked a commit with a canary secret")
