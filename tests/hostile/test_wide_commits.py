"""A commit touching 10k files, staged and in history: every file is seen, the one secret is found once."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from secrets_fixtures import GITHUB

from scanner.engine.decode import encoded_runs


@pytest.mark.slow
def test_commit_touching_10k_files(repo, leakstop):
    for i in range(10_000):
        repo.write(f"pkg{i // 500}/m{i}.py", f"VALUE_{i} = {i}\n")
    repo.write("pkg7/m7777.py", f'TOKEN = "{GITHUB}"\n')
    repo.git("add", "--all")
    staged = leakstop("scan", "--staged", repo.path, "--format", "json")
    assert staged.code == 1, staged.stderr
    assert [f["path"] for f in staged.json()["findings"]] == ["pkg7/m7777.py"]
    repo.commit("ten thousand files")
    history = leakstop("scan", "--history", repo.path, "--format", "json")
    assert history.code == 1
    report = history.json()
    assert report["stats"]["blobs"] >= 10_000
    assert [f["path"] for f in report["findings"]] == ["pkg7/m7777.py"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_decoder_never_raises_and_runs_lie_inside_the_text(text):
    for run in encoded_runs(text):
        assert 0 <= run.start < run.end <= len(text)
        assert run.encoding in ("base64", "hex", "percent")


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60),
       st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_a_base64_encoded_token_is_decoded_wherever_it_sits(before, after):
    encoded = base64.b64encode(f"token={GITHUB}".encode()).decode()
    text = f"{before} {encoded} {after}"
    runs = [r for r in encoded_runs(text) if GITHUB in r.text]
    assert runs and text[runs[0].start:runs[0].end].startswith(encoded[:16])
