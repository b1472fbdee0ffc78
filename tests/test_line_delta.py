"""`scan --history` scans a file's next version as the lines it changed when the version before came out clean
(engine/line_delta.py), and still finds what a whole scan of that version finds."""

from __future__ import annotations

import base64
import random

import pytest
from conftest import Repo
from git_fixtures import commit_file
from secrets_fixtures import PRIVATE_KEY, STRIPE

from scanner.engine import parallel
from scanner.engine.line_delta import (
    CONTEXT_LINES,
    LineDeltas,
    changed_spans,
    common_prefix,
    common_suffix,
    line_changes,
)
from scanner.report import Report
from scanner.ruleset.rule_set import load_ruleset
from scanner.scan import ScanRequest, scan
from scanner.sources.history import HistorySource

CONFIG = "".join(f"setting_{i} = {i * 7}\n" for i in range(300))


def _naive_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _naive_suffix(a: str, b: str, limit: int) -> int:
    n = 0
    while n < limit and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _edited(rnd: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rnd.randint(0, 3)):
        if chars:
            at = rnd.randrange(len(chars))
            chars[at:at + rnd.randint(0, 5)] = list(rnd.choice(["x", "yy\n", "", "q\nq", "\n"]))
    return "".join(chars)


@pytest.mark.parametrize("seed", range(4))
def test_every_new_line_and_its_context_lies_in_a_span(seed):
    rnd = random.Random(seed)
    for _ in range(1500):
        before = "".join(rnd.choice("ab\n") for _ in range(rnd.randint(0, rnd.choice([30, 700]))))
        text = _edited(rnd, before)
        if rnd.random() < 0.5:
            before, text = text, before
        assert common_prefix(before, text) == _naive_prefix(before, text)
        limit = rnd.randint(0, min(len(before), len(text)))
        assert common_suffix(before, text, limit) == _naive_suffix(before, text, limit)
        context = rnd.randint(0, 4)
        spans, split = line_changes(before, before.split("\n"), text, context)
        assert split == text.split("\n")  # made from the common start and end of `before`'s split
        assert spans == changed_spans(before, text, context)
        old = set(before.split("\n"))
        lines = text.split("\n")
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        for number, line in enumerate(lines):
            if line and line not in old:  # an empty line holds nothing to find
                last = min(len(lines) - 1, number + context)
                low, high = starts[max(0, number - context)], min(len(text), starts[last + 1])
                assert any(start <= low and high <= end for start, end in spans), (before, text, context)
        for start, end in spans:  # whole lines only
            assert 0 <= start < end <= len(text)
            assert start == 0 or text[start - 1] == "\n"
            assert end == len(text) or text[end - 1] == "\n"


def test_a_version_equal_to_or_inside_the_one_before_has_nothing_to_rescan():
    assert changed_spans(CONFIG, CONFIG) == []
    assert changed_spans(CONFIG, CONFIG[: CONFIG.index("setting_100 ")]) == []
    one = CONFIG.replace("setting_150 = 1050\n", "setting_150 = 1051\n")
    [(start, end)] = changed_spans(CONFIG, one, context=1)
    assert one[start:end] == "setting_149 = 1043\nsetting_150 = 1051\nsetting_151 = 1057\n"


def _history(path, monkeypatch, without: str = "") -> Report:
    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    ruleset = load_ruleset()
    if without:
        ruleset = ruleset.subset([r for r in ruleset.rules if r.id != without])
    return scan(ScanRequest(source=HistorySource(path, max_file_size=1_000_000), ruleset=ruleset))


def _found(report: Report) -> list[tuple[str, str, str, int]]:
    return sorted((f.rule_id, loc.commit, loc.path, loc.line) for f in report.findings for loc in f.locations)


@pytest.fixture
def shortcuts(monkeypatch) -> list[str]:
    """The blobs that came out clean from their changed lines alone."""
    taken: list[str] = []
    original = LineDeltas._clean_runs

    def recording(self, fragment, part, keywords, scan):
        runs = original(self, fragment, part, keywords, scan)
        if runs is not None:
            taken.append(fragment.blob)
        return runs

    monkeypatch.setattr(LineDeltas, "_clean_runs", recording)
    return taken


def test_a_key_written_into_a_long_file_is_found_at_its_line(repo: Repo, monkeypatch, shortcuts):
    commit_file(repo, "settings.py", CONFIG, "settings")
    tidy = commit_file(repo, "settings.py", CONFIG.replace("setting_3 = 21", "setting_3 = 22"), "tidy")
    leaked = commit_file(repo, "settings.py", CONFIG.replace("setting_150 = 1050", f'stripe_key = "{STRIPE}"'),
                         "leak")
    report = _history(repo.path, monkeypatch)
    assert _found(report) == [("stripe-secret-key", leaked, "settings.py", 151)]
    assert repo.git("rev-parse", f"{tidy}:settings.py").strip() in shortcuts  # the clean edit took the shortcut


def test_a_base64_key_in_a_changed_line_is_decoded(repo: Repo, monkeypatch, shortcuts):
    commit_file(repo, "settings.py", CONFIG, "settings")
    encoded = base64.b64encode(f'stripe_key = "{STRIPE}"'.encode()).decode()
    leaked = commit_file(repo, "settings.py", CONFIG.replace("setting_200 = 1400", f'blob = "{encoded}"'), "blob")
    assert [(rule, commit) for rule, commit, _, _ in _found(_history(repo.path, monkeypatch))] == [
        ("stripe-secret-key", leaked)]


def test_a_multi_line_key_completed_far_from_its_first_line_is_found(repo: Repo, monkeypatch):
    """The END line added below a BEGIN line that is further up than the changed lines' context: only the
    multi-line rules' pass over the whole text sees the block."""
    body = PRIVATE_KEY.splitlines(keepends=True)
    assert len(body) - 1 > CONTEXT_LINES + 1  # BEGIN lies outside the END line's context
    unfinished = CONFIG + "".join(body[:-1])  # no END line yet: only a key cut short, whose rule is left out
    half = commit_file(repo, "deploy/key.txt", unfinished, "half a key")
    finished = commit_file(repo, "deploy/key.txt", unfinished + body[-1], "the rest")
    assert ("private-key-truncated", half, "deploy/key.txt", CONFIG.count("\n") + 1) in _found(
        _history(repo.path, monkeypatch))
    assert _found(_history(repo.path, monkeypatch, without="private-key-truncated")) == [
        ("private-key-rsa", finished, "deploy/key.txt", CONFIG.count("\n") + 1)]
    # without that pass, the changed lines alone hold nothing: the check above can fail
    monkeypatch.setattr(LineDeltas, "_multiline_hit", lambda self, fragment, keywords: False)
    assert _found(_history(repo.path, monkeypatch, without="private-key-truncated")) == []


def test_worker_processes_take_the_same_shortcuts_and_find_the_same(repo: Repo, monkeypatch):
    """Each worker keeps the clean texts it scanned; a version whose predecessor went to the other worker is
    scanned whole. Either way the findings are those of one process."""
    text = CONFIG
    for step in range(6):
        text = text.replace(f"setting_{step * 40} = ", f"setting_{step * 40} = 1 + ")
        commit_file(repo, "settings.py", text, f"edit {step}")
    leaked = commit_file(repo, "settings.py", text.replace("setting_150 = 1050", f'stripe_key = "{STRIPE}"'), "leak")
    commit_file(repo, "settings.py", text.replace("setting_151 = 1057", "setting_151 = 0"), "unleak")
    one = _found(_history(repo.path, monkeypatch))
    assert one == [("stripe-secret-key", leaked, "settings.py", 151)]
    monkeypatch.setattr(parallel, "BULK_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK", 3)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    pooled = scan(ScanRequest(source=HistorySource(repo.path, max_file_size=1_000_000), ruleset=load_ruleset()))
    assert _found(pooled) == one
