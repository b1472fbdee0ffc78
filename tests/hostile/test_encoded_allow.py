"""Allow markers count only where a person reads them: on the real line of the real file, never inside text
decoded out of it (base64), which no reviewer sees."""

from __future__ import annotations

import base64

import pytest
from git_fixtures import commit_file
from secrets_fixtures import GITHUB

from scanner.engine import parallel
from scanner.ruleset.rule_set import load_ruleset
from scanner.scan import ScanRequest, scan
from scanner.sources.history import HistorySource
from scanner.suppress.inline import InlineAllow


def encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


HIDDEN = f'payload: "{encoded(f"token={GITHUB}  # leakstop:allow")}"\n'
SHOWN = f'payload: "{encoded(f"token={GITHUB}")}"  # leakstop:allow\n'
SHOWN_ABOVE = f'# leakstop:allow-next-line\npayload: "{encoded(f"token={GITHUB}")}"\n'


def test_a_marker_inside_encoded_text_does_not_silence_the_key(tmp_path, leakstop):
    (tmp_path / "values.yaml").write_text(HIDDEN)
    result = leakstop("scan", tmp_path, "--no-git", "--format", "json")
    assert result.code == 1, result.output
    [finding] = result.json()["findings"]
    assert finding["rule_id"] == "github-pat-classic" and finding["decoded"] == "base64"


@pytest.mark.parametrize("text", [SHOWN, SHOWN_ABOVE], ids=["same-line", "line-above"])
def test_a_marker_on_the_real_line_still_allows_the_decoded_key(tmp_path, leakstop, text):
    (tmp_path / "values.yaml").write_text(text)
    result = leakstop("scan", tmp_path, "--no-git", "--format", "json", "--show-suppressed")
    assert result.code == 0, result.output
    [suppressed] = result.json()["suppressed"]
    assert suppressed["suppressed_by"].startswith("inline: leakstop:allow")


@pytest.mark.parametrize("text,reported", [(HIDDEN, True), (SHOWN, False)], ids=["hidden", "shown"])
def test_the_same_holds_in_worker_processes(repo, monkeypatch, text, reported):
    """Workers send back the plain text of a file whose decoded text has findings, so the parent can look
    for the marker on the real line."""
    commit_file(repo, "values.yaml", text)
    for i in range(4):
        commit_file(repo, f"other{i}.txt", f"x = {i}\n")
    monkeypatch.setattr(parallel, "BULK_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK", 2)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    report = scan(ScanRequest(source=HistorySource(repo.path, max_file_size=1_000_000), ruleset=load_ruleset(),
                              max_decode_depth=2, keep_suppressed=True, suppressors=(InlineAllow(),)))
    assert report.complete, report.errors
    assert bool(report.findings) is reported and bool(report.suppressed) is not reported
