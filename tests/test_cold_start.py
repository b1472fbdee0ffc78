"""A first scan with an empty cache (a fresh install, every CI container) finds what a warm one finds.

On a cold start the rule gate is compiled in a background thread while the rules' patterns compile
(gate.start_building); these tests run the real CLI with a fresh cache folder and compare its findings
with a warm run's, and spoil the gate's cache entry every way it can be spoilt to see it rebuilt.
"""

from __future__ import annotations

import io
import json
import marshal
import os
import pickle
import random
import shutil
import stat
import string
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, Repo, run_leakstop
from secrets_fixtures import AWS_KEY_ID, GITHUB, OPENAI, SLACK, STRIPE

from scanner.ruleset import gate, gate_build, gate_later
from scanner.ruleset.rule_set import BUILD_LATER, GATE_AFTER, load_ruleset

FILLER = "def handler(request):\n    return render(request, 'page.html', {'key': request.key})\n"
FRESH = "ghp_" + "".join(random.SystemRandom().choices(string.ascii_letters + string.digits, k=36))
"""A token made for this run, which no rule file holds as an example: no cache entry may hold it."""
PLANTED = (f'STRIPE_KEY = "{STRIPE}"\n', f"github_token: {GITHUB}\n", f"OPENAI_API_KEY={OPENAI}\n",
           f"aws_access_key_id = {AWS_KEY_ID}\n", f'SLACK_BOT_TOKEN = "{SLACK}"\ngh_deploy_token = "{FRESH}"\n')


def findings(result: object) -> list[tuple[str, str, tuple[str, ...]]]:
    """Each finding's rule, fingerprint and every place it occurs (history: every commit too)."""
    data = result.json()  # type: ignore[attr-defined]
    return sorted((f["rule_id"], f["fingerprint"],
                   tuple(sorted(json.dumps(o, sort_keys=True) for o in f["occurrences"]))) for f in data["findings"])


@pytest.fixture(scope="module")
def large_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """More large text than GATE_AFTER, so that every scan of it uses the gate, with secrets among it."""
    tree = tmp_path_factory.mktemp("large")
    per_file = GATE_AFTER // 4 + 1
    for n in range(5):
        body = FILLER * (per_file // len(FILLER))
        (tree / f"module{n}.py").write_text(body[: len(body) // 2] + PLANTED[n] + body[len(body) // 2:])
    return tree


@pytest.fixture(scope="module")
def warm(large_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[object]]:
    """A cache folder filled by one cold scan of the large tree, and what a warm scan then finds."""
    cache = tmp_path_factory.mktemp("warm-cache")
    env = {"LEAKSTOP_CACHE_DIR": str(cache)}
    cold = run_leakstop("scan", large_tree, "--format", "json", env=env)
    assert cold.code == 1, cold.stderr
    again = run_leakstop("scan", large_tree, "--format", "json", env=env)
    assert findings(again) == findings(cold)
    return cache, findings(again)


def test_a_cold_scan_finds_what_a_warm_scan_finds(large_tree, warm, tmp_path):
    cache, expected = warm
    assert {rule for rule, _, _ in expected} >= {"github-pat-classic", "openai-project-key"}, expected
    result = run_leakstop("scan", large_tree, "--format", "json", env={"LEAKSTOP_CACHE_DIR": str(tmp_path / "c")})
    assert result.code == 1, result.stderr
    assert findings(result) == expected
    entries = sorted(p.name.split("-")[0] for p in (tmp_path / "c").iterdir())
    assert entries == ["gate", "rules"]
    for path in (tmp_path / "c").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert FRESH.encode() not in path.read_bytes()
    assert sum(rule == "github-pat-classic" for rule, _, _ in expected) == 2  # FRESH was found, and kept out


def test_a_cold_history_scan_finds_what_a_warm_one_finds(repo: Repo, tmp_path):
    """A small history: the scan may end before or after the background gate is ready; either way the
    findings are the same."""
    for n, line in enumerate(PLANTED):
        repo.write(f"src/config{n}.py", FILLER * 20 + line)
        repo.commit(f"config {n}")
        repo.write(f"src/config{n}.py", FILLER * 21)
        repo.commit(f"tidy {n}")
    env = {"LEAKSTOP_CACHE_DIR": str(tmp_path / "cache")}
    cold = run_leakstop("scan", "--history", repo.path, "--no-cache", "--format", "json", env=env)
    warm = run_leakstop("scan", "--history", repo.path, "--no-cache", "--format", "json", env=env)
    assert cold.code == warm.code == 1, cold.stderr + warm.stderr
    assert findings(cold) == findings(warm)
    assert len(findings(cold)) >= 4


def _gate_entry(cache: Path) -> Path:
    (entry,) = cache.glob("gate-*.pickle")
    return entry


def _spoil_damaged(entry: Path) -> None:
    entry.write_bytes(entry.read_bytes()[:1000])


def _spoil_foreign(entry: Path) -> None:
    os.chmod(entry, 0o664)  # another account could have written it: never read


def _spoil_first_part(entry: Path, change: Callable[[bytes], bytes]) -> None:
    """An entry of the right shape whose first database (Hyperscan's serialized form) is changed."""
    gated, blob = pickle.loads(entry.read_bytes())
    first, *rest = marshal.loads(blob)
    entry.write_bytes(pickle.dumps((gated, marshal.dumps((change(first), *rest)))))


def _spoil_other_hyperscan(entry: Path) -> None:
    """What another Hyperscan version left: its databases' version field differs."""
    _spoil_first_part(entry, lambda db: db[:4] + bytes(4) + db[8:])


def _spoil_other_cpu(entry: Path) -> None:
    """What a CPU with other features left (a cache folder shared by runners): the platform field."""
    _spoil_first_part(entry, lambda db: db[:16] + b"\xff" * 8 + db[24:])


def _spoil_newer(entry: Path) -> None:
    entry.write_bytes(pickle.dumps({"format": 99, "gates": []}))


@pytest.mark.parametrize("spoil", [_spoil_damaged, _spoil_foreign, _spoil_other_hyperscan, _spoil_other_cpu,
                                   _spoil_newer])
def test_a_spoilt_gate_entry_is_rebuilt_and_the_findings_stay(large_tree, warm, tmp_path, spoil):
    cache, expected = warm
    copy = tmp_path / "cache"
    shutil.copytree(cache, copy)
    entry = _gate_entry(copy)
    spoil(entry)
    result = run_leakstop("scan", large_tree, "--format", "json", env={"LEAKSTOP_CACHE_DIR": str(copy)})
    assert result.code == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") <= 2, result.stderr
    assert findings(result) == expected
    rebuilt = _gate_entry(copy)
    assert stat.S_IMODE(rebuilt.stat().st_mode) == 0o600
    assert rebuilt.read_bytes() == _gate_entry(cache).read_bytes()


def test_a_cold_rule_load_compiles_the_gate_meanwhile(tmp_path, monkeypatch):
    """The gate a scan asks for after a cold load is the build started then (the scan helps it along),
    not another one."""
    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(gate, "SERIALIZED", {})  # another test of this process may have built it
    monkeypatch.setattr(gate, "_BUILDS", {})  # or started it, in its own cache folder
    monkeypatch.setattr(gate, "usable_cores", lambda: 2)
    ruleset = load_ruleset()
    assert gate.building() or list(tmp_path.glob("gate-*.pickle"))
    builds_after_load: list[object] = []
    monkeypatch.setattr(gate, "GateBuild", lambda *args: builds_after_load.append(args))
    ruleset.build_gate()
    assert ruleset._gate is not None and not builds_after_load
    assert len(ruleset._gate.dbs) == gate_build.PARTS
    assert not gate.building()
    assert list(tmp_path.glob("gate-*.pickle"))


def test_one_core_compiles_the_gate_only_when_a_scan_needs_it(tmp_path, monkeypatch):
    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(gate, "SERIALIZED", {})
    monkeypatch.setattr(gate, "usable_cores", lambda: 1)
    load_ruleset()
    assert not gate.building() and not list(tmp_path.glob("gate-*.pickle"))


CHILDREN_COMPILE = """
import regex

from scanner.ruleset.forked_compile import compile_in_children
from scanner.ruleset.regex_engine import precompiled_pattern
from scanner.ruleset.rules import builtin_rules_dir, load_rules, rule_files

patterns = [rule.pattern for rule in load_rules(rule_files([builtin_rules_dir()]))][:900] + ["acme_(\\\\w+"]
own, collect = compile_in_children(patterns, 2)
blobs = collect()
assert len(own) < len(patterns) / 2, "children took their shares"
assert "acme_(\\\\w+" not in blobs
assert set(blobs) | set(own) >= set(patterns) - {"acme_(\\\\w+"}
for pattern, blob in blobs.items():
    rebuilt, compiled = precompiled_pattern(blob, regex.__version__), regex.compile(pattern)
    assert (rebuilt.pattern, rebuilt.flags, rebuilt.groups, rebuilt.groupindex) == (
        compiled.pattern, compiled.flags, compiled.groups, compiled.groupindex), pattern
print(len(blobs))
"""


def test_patterns_compiled_in_children_are_the_patterns_compiled_here(tmp_path):
    """In a process of its own: children are forked only while no other thread runs, and a test process
    may still hold another test's threads."""
    proc = subprocess.run([sys.executable, "-c", CHILDREN_COMPILE], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "LEAKSTOP_CACHE_DIR": str(tmp_path)}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) > 400


def test_a_custom_pattern_that_does_not_compile_fails_a_cold_load_as_it_always_did(tmp_path):
    """Built-in rules and a custom file together: enough patterns for children to take shares, one of
    which does not compile; the error is the one-line error it always was."""
    rules = tmp_path / "acme.yaml"
    rules.write_text("provider: Acme\nrules:\n  - id: acme-token\n    name: Acme token\n    keywords: [acme_]\n"
                     "    pattern: 'acme_(\\w+'\n    examples: ['acme_Zx81kQ']\n    remediation: Revoke it.\n")
    (tmp_path / "tree").mkdir()
    result = run_leakstop("scan", tmp_path / "tree", "--rules-path", rules,
                          env={"LEAKSTOP_CACHE_DIR": str(tmp_path / "cache")})
    assert result.code == 2, result.output
    assert "Traceback" not in result.output
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("leakstop: error:") and "acme-token" in line and "does not compile" in line


def _wait_for_gate(cache: Path, timeout: float = 120.0) -> Path:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if list(cache.glob("gate-*.pickle")) and not list(cache.glob("gate-*.building")):
            return _gate_entry(cache)
        time.sleep(0.1)
    raise AssertionError(f"no gate was left in {sorted(p.name for p in cache.iterdir())}")


@pytest.fixture(scope="module")
def middle_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """More large text than BUILD_LATER and less than GATE_AFTER: a scan that never waits for the gate."""
    tree = tmp_path_factory.mktemp("middle")
    body = FILLER * ((BUILD_LATER // 2) // len(FILLER) + 1)
    for n in range(3):
        (tree / f"module{n}.py").write_text(body + PLANTED[n])
    return tree


def test_a_tree_scan_without_a_gate_leaves_one_compiling_for_the_next(middle_tree, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    env = {"LEAKSTOP_CACHE_DIR": str(cache)}
    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(cache))
    planted = cache / "scanner"  # a shared cache folder could hold one: the child must not import it
    planted.mkdir(parents=True)
    (planted / "__init__.py").write_text(f"open({str(cache / 'planted-ran')!r}, 'w').close()\n")
    first = run_leakstop("scan", middle_tree, "--format", "json", env=env)
    assert first.code == 1, first.stderr
    assert list(cache.glob("gate-*.building")) or list(cache.glob("gate-*.pickle")), "no gate is on its way"
    entry = _wait_for_gate(cache)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert not (cache / "planted-ran").exists()
    ruleset = load_ruleset()
    assert entry.name == f"gate-{gate.gate_key(ruleset.rules, list(ruleset.by_keyword))}.pickle"
    second = run_leakstop("scan", middle_tree, "--format", "json", env=env)
    assert findings(second) == findings(first)
    assert sorted(p.name.split("-")[0] for p in cache.iterdir()) == ["gate", "rules", "scanner"]


def test_a_small_scan_leaves_no_gate_compiling(tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    (small / "app.py").write_text(FILLER * 2000 + PLANTED[0])
    cache = tmp_path / "cache"
    result = run_leakstop("scan", small, env={"LEAKSTOP_CACHE_DIR": str(cache)})
    assert result.code == 1, result.stderr
    assert not list(cache.glob("gate-*.building"))  # a child would hold it until its gate is stored


def test_one_gate_compiles_at_a_time_and_a_dead_builds_marker_is_taken_over(tmp_path, monkeypatch):
    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(gate, "SERIALIZED", {})
    ruleset = load_ruleset()
    started: list[list[str]] = []
    monkeypatch.setattr(subprocess, "Popen",
                        lambda args, **kw: started.append(args) or types.SimpleNamespace(stdin=io.BytesIO()))
    monkeypatch.setattr(gate, "usable_cores", lambda: 2)
    marker = gate.gate_path(gate.gate_key(ruleset.rules, list(ruleset.by_keyword))).with_suffix(".building")
    marker.touch()
    assert not gate_later.start(ruleset.rules, list(ruleset.by_keyword), ruleset.origin)
    assert not gate_later.start(ruleset.rules, list(ruleset.by_keyword), ())  # rules from nowhere to load
    old = time.time() - gate_later.STALE_AFTER - 1
    os.utime(marker, (old, old))
    assert gate_later.start(ruleset.rules, list(ruleset.by_keyword), ruleset.origin)
    assert started and started[0][-1] == "scanner.ruleset.gate_later" and marker.exists()


def test_a_child_builds_no_gate_for_rules_that_changed_since_the_scan(tmp_path, monkeypatch):
    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(tmp_path))
    ruleset = load_ruleset()
    key = gate.gate_key(ruleset.rules, list(ruleset.by_keyword))
    marker = gate.gate_path(key).with_suffix(".building")
    marker.touch()
    ids = [rule.id for rule in ruleset.rules]
    request = {"paths": list(ruleset.origin), "ids": ids[:-1], "key": key}
    assert not gate_later.build(request)
    assert not marker.exists() and not list(tmp_path.glob("gate-*.pickle"))
