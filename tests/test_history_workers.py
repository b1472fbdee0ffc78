"""History blobs are read by the processes that scan them: the worker pool reports exactly what one
process reports, and a blob a worker cannot read still fails the scan."""

from __future__ import annotations

import threading

import pytest
from conftest import Repo
from git_fixtures import commit_file, stripe_line
from secrets_fixtures import GITHUB, STRIPE

from scanner.engine import parallel, worker_pool
from scanner.errors import RuleError
from scanner.git import runner as git
from scanner.git.blobs import GitBlob
from scanner.report import Report, ScanStats
from scanner.ruleset.rule_set import RuleReference, RuleSet, load_ruleset
from scanner.scan import ScanRequest, scan
from scanner.sources.history import HistorySource

LFS = "version https://git-lfs.github.com/spec/v1\noid sha256:" + "a" * 64 + "\nsize 12\n"


def history_report(path, monkeypatch, pooled: bool, from_start: bool = True) -> Report:
    if pooled:
        # Everything goes to two worker processes, each reading its own blobs: from the start, as for a
        # history the repository's size announces as large, or after a first batch of two in this process.
        if not from_start:
            monkeypatch.setattr(HistorySource, "expected_bytes", lambda self: 0)
        monkeypatch.setattr(parallel, "BULK_BYTES", 0)
        monkeypatch.setattr(parallel, "CHUNK", 2)
        monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    else:
        monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    return scan(ScanRequest(source=HistorySource(path, max_file_size=1_000_000), ruleset=load_ruleset()))


def summary(report: Report) -> tuple[list[tuple[str, list[tuple[str, str, int]]]], list[tuple[str, str]]]:
    found = [(f.rule_id, [(loc.commit, loc.path, loc.line) for loc in f.locations]) for f in report.findings]
    return found, [(s.path, s.reason) for s in report.skipped]


@pytest.fixture
def busy_history(repo: Repo) -> Repo:
    """Secrets early and late, a copy in a second file, an LFS pointer, a binary blob and plenty of clean
    blobs between them, so that the pool gets many batches."""
    commit_file(repo, "README", "hello\n", "start")
    commit_file(repo, "app.py", stripe_line(STRIPE), "stripe key")
    for i in range(12):
        commit_file(repo, f"mod{i}.py", f"value = {i}\n" * (i + 1), f"module {i}")
    commit_file(repo, "model.bin", b"\x00\x01binary" * 50, "binary")
    commit_file(repo, "weights.pt", LFS, "lfs pointer")
    commit_file(repo, "ci.yml", f"token: {GITHUB}\n", "github token")
    commit_file(repo, "app.py", "clean = True\n", "remove the key")
    commit_file(repo, "copy.py", "# again\n" + stripe_line(STRIPE), "copy of the key")
    pgpass = "db.example.com:5432:app:admin:Tr0ub4dor-and-3\n"  # one blob, scanned once per path-rule group
    repo.write(".pgpass", pgpass)
    repo.write("notes.txt", pgpass)
    repo.commit("the same text where the .pgpass rule applies and where it does not")
    return repo


@pytest.mark.parametrize("start", ["forked", "by-reference", "shipped"])
@pytest.mark.parametrize("from_start", [True, False], ids=["pool-from-start", "pool-after-first-batch"])
def test_the_worker_pool_reports_what_one_process_reports(busy_history, monkeypatch, from_start, start):
    """Workers forked from the scan's process use its rules; others load them from the caches when the gate
    is stored there, and are sent them otherwise."""
    ruleset = load_ruleset()
    ruleset.build_gate()  # stored: the workers can load it
    assert ruleset.reference() is not None
    forks, threads = [], []

    def may_fork() -> bool:
        """The scan's own threads (reading blobs, walking the history) are gone or not yet started when the
        pool starts, after a first batch too: otherwise it could never fork."""
        threads.extend(t.name for t in threading.enumerate() if t.name.startswith("leakstop-"))
        forks.append(start == "forked")
        return forks[-1]

    monkeypatch.setattr(worker_pool, "may_fork", may_fork)
    if start == "shipped":
        monkeypatch.setattr(RuleSet, "reference", lambda self: None)
    one = summary(history_report(busy_history.path, monkeypatch, pooled=False))
    found, skipped = one
    places = {rule: [path for _, path, _ in where] for rule, where in found}
    assert places == {"pgpass-password": [".pgpass"], "stripe-secret-key": ["app.py", "copy.py"],
                      "github-pat-classic": ["ci.yml"]}
    assert any(path.startswith("weights.pt") and "LFS" in reason for path, reason in skipped)
    in_parent = []  # texts this process scans: none when the pool starts before the walk
    scanned_items = parallel._scanned_items
    monkeypatch.setattr(parallel, "_scanned_items", lambda *args: in_parent.append(1) or scanned_items(*args))
    assert summary(history_report(busy_history.path, monkeypatch, pooled=True, from_start=from_start)) == one
    assert bool(in_parent) is not from_start
    assert forks == [start == "forked"]
    assert threads == []


def test_workers_whose_rules_changed_under_the_scan_fail_it(busy_history, monkeypatch, capfd):
    """A rule file edited between the scan's start and a worker's: the worker's rules no longer give the
    scan's gate key, so it scans nothing, and the scan fails saying so (exit 2) instead of passing with
    other rules, or reporting a worker that died with a traceback on the terminal."""
    ruleset = load_ruleset()
    ruleset.build_gate()
    reference = ruleset.reference()
    assert reference is not None and reference.ruleset() is not None
    edited = RuleReference(reference.paths, reference.ids, "0" * len(reference.key))
    assert edited.ruleset() is None
    monkeypatch.setattr(worker_pool, "may_fork", lambda: False)  # a forked worker has the scan's own rules
    monkeypatch.setattr(RuleSet, "reference", lambda self: edited)
    with pytest.raises(RuleError, match="the rule files changed during the scan"):
        history_report(busy_history.path, monkeypatch, pooled=True)
    assert "Traceback" not in capfd.readouterr().err


def test_a_history_announces_its_size_before_the_walk(busy_history, tmp_path):
    """What the repository stores: enough to start the pool early on a large one; 0 (never an error)
    where there is no repository, which the scan itself then reports."""
    assert 1_000 < HistorySource(busy_history.path, max_file_size=1).expected_bytes() < 10_000_000
    assert HistorySource(tmp_path / "missing", max_file_size=1).expected_bytes() == 0
    assert HistorySource(tmp_path, max_file_size=1).expected_bytes() == 0


def test_a_blob_a_worker_cannot_read_fails_the_scan(busy_history, monkeypatch):
    """The blob's deflate checksum is broken: git lists it (the header inflates) but cannot stream it, so
    it is a worker's read that fails, and the scan must fail with it."""
    import random

    rng = random.Random(1)  # a blob id late in the listing (loose objects are listed by id)
    commit_file(busy_history, "big.txt", "".join(rng.choice("abcdef \n") for _ in range(20_000)), "big")
    blob = busy_history.git("rev-parse", "HEAD:big.txt").strip()
    source = HistorySource(busy_history.path, max_file_size=1_000_000)
    source.prepare(load_ruleset())
    order = [item.blob for item in source.items(ScanStats()) if isinstance(item, GitBlob)]
    assert order.index(blob) >= 2, "read by a worker: the parent reads only the first batch of two itself"
    path = busy_history.path / ".git" / "objects" / blob[:2] / blob[2:]
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[-4:] = bytes(b ^ 0xFF for b in data[-4:])
    path.write_bytes(bytes(data))
    report = history_report(busy_history.path, monkeypatch, pooled=True)
    assert not report.complete
    assert [e for e in report.errors if e.startswith(f"big.txt (blob {blob[:12]})") and blob in e], report.errors


def test_a_reader_serves_batch_after_batch_and_drops_an_abandoned_one(repo):
    commit_file(repo, "a.txt", "alpha\n")
    commit_file(repo, "b.txt", "beta\n")
    ids = [repo.git("rev-parse", f"HEAD:{name}").strip() for name in ("a.txt", "b.txt")]
    reader = git.BlobReader(repo.path)
    try:
        assert [data for _, data in reader.read(ids)] == [b"alpha\n", b"beta\n"]
        started = reader.proc
        assert [data for _, data in reader.read(ids[::-1])] == [b"beta\n", b"alpha\n"]
        assert reader.proc is started, "one git process for every batch"
        abandoned = reader.read(ids)
        next(abandoned)
        abandoned.close()  # b.txt's answer is still in the pipe: it must not become the next batch's first
        assert [data for _, data in reader.read(ids[:1])] == [b"alpha\n"]
    finally:
        reader.close()


@pytest.mark.parametrize("by_reference", [True, False], ids=["by-reference", "shipped"])
def test_workers_given_a_subset_of_the_rules_still_know_every_providers_name(monkeypatch, by_reference):
    """Only the generic rules enabled: a bare `key` under a provider's block is that provider's key in a
    worker as in the scan's own process (RuleSet.subset)."""
    import pickle

    loaded = load_ruleset()
    generic = loaded.subset([rule for rule in loaded.rules if rule.id.startswith("generic-")])
    assert generic.provider_words == loaded.provider_words != RuleSet(generic.rules).provider_words
    if by_reference:
        generic.build_gate()
        assert generic.reference() is not None
    else:
        monkeypatch.setattr(RuleSet, "reference", lambda self: None)
    sent = pickle.loads(pickle.dumps(parallel._worker_rules(generic, forked=False)))  # as a worker gets them
    monkeypatch.setattr(parallel, "_worker", {})
    parallel._start_worker(sent, 1.0, False, 0)
    started = parallel._worker["ruleset"]
    assert isinstance(started, RuleSet) and len(started) == len(generic)
    assert started.provider_words == loaded.provider_words
