"""Dependencies earn their place: deptry finds every import declared and every declared dependency imported
(a dead dependency is installed on every user's machine for nothing)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def deptry(tree: Path, tmp_path: Path) -> tuple[int, list[tuple[str, str]]]:
    """deptry's exit code and its (rule, module) complaints."""
    out = tmp_path / "deptry.json"
    proc = subprocess.run([sys.executable, "-m", "deptry", ".", "--json-output", str(out)], cwd=tree,
                          capture_output=True, text=True, timeout=120)
    assert out.exists(), proc.stderr
    return proc.returncode, [(v["error"]["code"], v["module"]) for v in json.loads(out.read_text(encoding="utf-8"))]


def test_every_dependency_is_used_and_declared(tmp_path):
    assert deptry(ROOT, tmp_path) == (0, [])


def test_a_declared_dependency_nothing_imports_is_reported(tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "scanner", tree / "scanner", ignore=shutil.ignore_patterns("__pycache__"))
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '  "click>=8.0",\n' in pyproject
    (tree / "pyproject.toml").write_text(pyproject.replace('  "click>=8.0",\n', '  "click>=8.0",\n  "tabulate",\n'),
                                         encoding="utf-8")
    assert deptry(tree, tmp_path) == (1, [("DEP002", "tabulate")])
