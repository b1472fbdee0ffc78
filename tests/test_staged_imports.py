"""The pre-commit path stays lean: what `scan --staged` imports, checked without timing anything.

The hook runs on every commit, and its start-up is mostly imports: each heavy module it does not need
(worker processes, schema validation, YAML, the prefilter engines, GitPython, reporters not asked for)
is tens of milliseconds on every commit. These tests run the real CLI in a fresh interpreter and look at
`sys.modules` afterwards; bench/run.py --only staged measures the time itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from config_fixtures import ACME_RULE, ACME_TOKEN
from conftest import ROOT
from secrets_fixtures import GITHUB

# Runs the CLI in this interpreter, then records which modules the CLI imported: the ones present at
# start-up (the interpreter's own, or a site hook's) are not its doing, and json is imported only after
# the snapshot, so the probe itself adds nothing to it.
PROBE = """
import sys
at_start = set(sys.modules)
record = sys.argv.pop(1)
from scanner.cli.main import main
try:
    main(sys.argv[1:], prog_name="leakstop")
except SystemExit as exit:
    code = exit.code
modules = sorted(set(sys.modules) - at_start)
import json
with open(record, "w", encoding="utf-8") as fh:
    json.dump({"code": code, "modules": modules}, fh)
"""

NEVER_ON_THE_STAGED_PATH = (
    "multiprocessing",  # workers start only for large histories
    "jsonschema", "yaml",  # rule and config validation: the caches serve the hook
    "hyperscan", "ahocorasick", "scanner.ruleset.prefilter",  # small texts use plain `in` tests
    "git",  # GitPython: scanner/git/runner.py runs git itself
    "scanner.reporters.json_report", "scanner.reporters.sarif", "scanner.reporters.csv_report",
    "scanner.reporters.junit", "scanner.reporters.github",
    "scanner.sources.files", "scanner.sources.history", "scanner.sources.commits", "scanner.engine.notebook",
    "scanner.suppress.ignore_file", "scanner.suppress.baseline", "scanner.suppress.allowlist",
    "scanner.cli.rules", "scanner.cli.baseline", "scanner.cli.hook", "scanner.cli.ignore", "scanner.cli.hook_install",
    "importlib.resources", "tempfile", "shutil", "pickle",
    "scanner.git.context", "scanner.ruleset.timeout",  # dataclasses only history, ranges and timeouts build
    "scanner.git.transfer",  # audit's clones and fetches: a dataclass the hook never builds
    "hashlib",  # loads OpenSSL; fingerprints and cache keys use scanner/sha256.py
    "regex", "regex._regex_core",  # cached patterns run on the C engine alone (regex_engine.py)
)


def imported_by(*args: str | Path, cwd: Path, tmp_path: Path, env: dict[str, str] | None = None
                ) -> tuple[int, set[str]]:
    record = tmp_path / "modules.json"
    proc = subprocess.run([sys.executable, "-c", PROBE, str(record), *map(str, args)], cwd=cwd,
                          capture_output=True, env=env, timeout=120)
    assert record.exists(), proc.stderr.decode("utf-8", "replace")
    data = json.loads(record.read_text(encoding="utf-8"))
    return data["code"], set(data["modules"])


def staged_secret(repo) -> None:
    repo.write("README.md", "hello\n")
    repo.commit("first")
    repo.write("app/settings.py", f'GITHUB_TOKEN = "{GITHUB}"\n')
    repo.git("add", "app/settings.py")


def with_root_on_path(env: dict[str, str] | None = None) -> dict[str, str]:
    merged = {**os.environ, **(env or {})}
    merged["PYTHONPATH"] = str(ROOT) + os.pathsep + merged.get("PYTHONPATH", "")
    return merged


@pytest.mark.parametrize("mode", [["--staged"], ["--pre-commit", "app/settings.py"]])
def test_staged_scan_imports_none_of_the_heavy_modules(leakstop, repo, tmp_path, mode):
    staged_secret(repo)
    assert leakstop("scan", "--staged", repo.path).code == 1  # warms the rule cache, as every later commit finds it
    code, modules = imported_by("scan", *mode, "-q", cwd=repo.path, tmp_path=tmp_path, env=with_root_on_path())
    assert code == 1  # the secret was found: the rules really ran
    assert {"regex._regex", "scanner.sources.staged", "scanner.reporters.text"} <= modules
    assert sorted(m for m in NEVER_ON_THE_STAGED_PATH if m in modules) == []


def test_the_probe_sees_what_a_scan_asks_for(leakstop, repo, tmp_path):
    """The guard above can fail: a reporter that is asked for, and an ignore file that exists, are imported."""
    staged_secret(repo)
    repo.write(".leakstopignore", "")
    _, modules = imported_by("scan", "--staged", "--format", "json", cwd=repo.path, tmp_path=tmp_path,
                             env=with_root_on_path())
    assert {"scanner.reporters.json_report", "scanner.suppress.ignore_file"} <= modules
    assert "scanner.reporters.sarif" not in modules


def test_only_a_cold_rule_cache_parses_and_validates_rule_files(repo, tmp_path):
    """The rule cache serves the hook: YAML and JSON Schema are imported to build it, never to use it."""
    staged_secret(repo)
    env = with_root_on_path({"LEAKSTOP_CACHE_DIR": str(tmp_path / "cold-cache")})
    cold_code, cold = imported_by("scan", "--staged", cwd=repo.path, tmp_path=tmp_path, env=env)
    warm_code, warm = imported_by("scan", "--staged", cwd=repo.path, tmp_path=tmp_path, env=env)
    assert cold_code == warm_code == 1
    assert {"yaml", "jsonschema"} <= cold
    assert not {"yaml", "jsonschema"} & warm
    [cache] = (tmp_path / "cold-cache").glob("rules-*.marshal")
    assert cache.stat().st_mode & 0o077 == 0
    assert GITHUB.encode() not in cache.read_bytes()


def test_the_rule_cache_follows_edits_to_rule_files(leakstop, repo, tmp_path):
    """The cache is keyed by every rule file's path, size and mtime: a rule file that is edited, or a new
    one in a nested folder, is used by the very next scan."""
    rules = tmp_path / "rules"
    repo.write("app.py", f'ACME = "{ACME_TOKEN}"\n')
    repo.git("add", "app.py")

    def rule_ids() -> list[str]:
        result = leakstop("scan", "--staged", repo.path, "--no-builtin-rules", "--rules-path", rules,
                          "--format", "json")
        return sorted(f["rule_id"] for f in result.json()["findings"])

    (rules / "nested").mkdir(parents=True)
    (rules / "acme.yaml").write_text(ACME_RULE, encoding="utf-8")
    assert rule_ids() == ["acme-token"]
    (rules / "acme.yaml").write_text(ACME_RULE.replace("acme-token", "acme-token-renamed"), encoding="utf-8")
    assert rule_ids() == ["acme-token-renamed"]
    (rules / "nested" / "more.yml").write_text(ACME_RULE.replace("acme-token", "acme-again"), encoding="utf-8")
    assert rule_ids() == ["acme-again", "acme-token-renamed"]
