"""git.which_git finds git as shutil.which does (the hook no longer imports shutil to ask it)."""

from __future__ import annotations

import os
import shutil

import pytest

from scanner.git.runner import which_git


@pytest.mark.skipif(os.name == "nt", reason="Windows uses shutil.which itself")
def test_the_first_executable_git_on_path_wins_as_with_shutil_which(tmp_path, monkeypatch):
    folders = {name: tmp_path / name for name in ("plain-file", "a-folder", "real", "later")}
    for folder in folders.values():
        folder.mkdir()
    (folders["plain-file"] / "git").write_text("not executable\n")
    (folders["a-folder"] / "git").mkdir()
    for name in ("real", "later"):
        (folders[name] / "git").write_text("#!/bin/sh\n")
        (folders[name] / "git").chmod(0o755)
    monkeypatch.setenv("PATH", os.pathsep.join(str(f) for f in folders.values()))
    assert which_git() == shutil.which("git") == str(folders["real"] / "git")
    monkeypatch.setenv("PATH", os.pathsep.join(str(folders[n]) for n in ("plain-file", "a-folder")))
    assert which_git() is None and shutil.which("git") is None
