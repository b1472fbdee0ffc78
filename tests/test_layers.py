"""Imports flow one way (cli → scan → sources, suppress, reporters → engine, config → ruleset, git → data) and
never in a cycle: the import-linter contracts in pyproject.toml, checked on the real tree, and shown to fail
on a copy with an upward import or a cycle planted in it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True,
                          timeout=120)


def copy_of_the_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "scanner", tree / "scanner", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def plant(module: Path, line: str) -> None:
    module.write_text(module.read_text(encoding="utf-8") + f"\n{line}  # noqa: E402, F401\n", encoding="utf-8")


def test_the_tree_keeps_the_contracts():
    proc = lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Contracts: 2 kept, 0 broken." in proc.stdout


def test_an_upward_import_breaks_the_layers(tmp_path):
    tree = copy_of_the_tree(tmp_path)
    assert lint_imports(tree).returncode == 0
    plant(tree / "scanner" / "findings.py", "from scanner.cli import main")
    proc = lint_imports(tree)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "scanner.findings -> scanner.cli" in proc.stdout


def test_a_cycle_breaks_the_acyclic_contract(tmp_path):
    tree = copy_of_the_tree(tmp_path)
    plant(tree / "scanner" / "git" / "diff.py", "import scanner.git.runner")
    plant(tree / "scanner" / "git" / "runner.py", "import scanner.git.diff")
    proc = lint_imports(tree)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "No import cycles BROKEN" in proc.stdout
