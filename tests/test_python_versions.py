"""leakstop installs where pyproject's requires-python says it does: every claimed Python on the machine
installs it from a clean venv and passes a smoke subset (.ci/python-versions; versions not on the machine
are named and skipped)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_every_claimed_python_installs_and_passes_the_smoke_subset():
    proc = subprocess.run(["bash", str(ROOT / ".ci" / "python-versions")], cwd=ROOT, capture_output=True,
                          text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "FAILED" not in proc.stdout
