"""ruff and `mypy --strict` pass, run by the suite as by CI (.ci/run is the suite), with the versions the
test extra installs next to this interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT


def tool(name: str) -> str:
    path = Path(sys.executable).with_name(name)
    assert path.exists(), f"{name} is in the test extra: pip install -e '.[test]'"
    return str(path)


def test_ruff_passes():
    proc = subprocess.run([tool("ruff"), "check", "--no-cache", "scanner", "tests"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_mypy_strict_passes():
    proc = subprocess.run([tool("mypy"), "--strict", "scanner"], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
