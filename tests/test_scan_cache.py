"""The scan cache: a cached history scan reports exactly what an uncached one does, whatever state the
cache folder is in, and never writes a secret to disk."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from config_fixtures import ACME_RULE, ACME_TOKEN
from conftest import ROOT, Repo, run_leakstop
from secrets_fixtures import AWS_KEY_ID, AWS_SECRET, GITHUB, SLACK, STRIPE

from scanner.engine.scan_cache import FILE_NAME, ScanCache


def history(repo: Repo, cache: Path | None, *extra: str) -> tuple[dict[str, Any], str]:
    """The JSON report of a history scan (timings removed) and its stderr."""
    where = ("--cache-dir", str(cache)) if cache is not None else ("--no-cache",)
    result = run_leakstop("scan", "--history", repo.path, "--format", "json", *where, *extra)
    assert result.code in (0, 1), result.output
    return comparable(result.json()), result.stderr


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what differs between two runs of the same scan: timings, and how long a secret
    still in place has been exposed (counted up to now)."""
    report.pop("stats", None)
    for finding in report["findings"]:
        finding.pop("exposed_for", None)
    return report


def same_as_uncached(repo: Repo, cache: Path, *extra: str) -> dict[str, Any]:
    cached, _ = history(repo, cache, *extra)
    uncached, _ = history(repo, None, *extra)
    assert cached == uncached
    return cached


def secret_history(repo: Repo) -> None:
    """Secrets added, removed and re-added, on two branches and a merge."""
    repo.write("README.md", "# service\n")
    repo.write("app/settings.py", f'STRIPE_KEY = "{STRIPE}"\n')
    repo.commit("stripe key")
    repo.write("app/settings.py", 'STRIPE_KEY = os.environ["STRIPE_KEY"]\n')
    repo.commit("key from the environment")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("deploy/.env", f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n")
    repo.write("ci/notify.sh", f'curl -H "Authorization: Bearer {SLACK}" https://slack.example.invalid\n')
    repo.commit("deploy")
    repo.git("checkout", "-q", "main")
    repo.write("app/settings.py", f'STRIPE_KEY = "{STRIPE}"\n')  # re-added: the same blob as before
    repo.commit("oops")
    repo.git("merge", "-q", "--no-edit", "feature")
    repo.git("rm", "-q", "deploy/.env")
    repo.commit("no env file")


def test_a_cached_rescan_reports_exactly_what_an_uncached_one_does(repo: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    secret_history(repo)
    cold = same_as_uncached(repo, cache)
    assert {f["rule_id"] for f in cold["findings"]} >= {"stripe-secret-key", "slack-bot-token"}
    # commits, a summary, refs containing, a snapshot
    assert rows(cache, "clean") > 0 and rows(cache, "listings") == 4
    warm = same_as_uncached(repo, cache)
    assert warm == cold
    assert same_as_uncached(repo, cache, "--show-secrets")["findings"][0]["secret"]
    repo.git("tag", "v1.0", "feature")  # no new commit, one more ref reaching the secrets
    tagged = same_as_uncached(repo, cache)
    assert tagged != warm

    # new commits: a secret back on another branch, a branch rewritten away, a blob at a new path
    repo.git("checkout", "-q", "-b", "hotfix", "HEAD~2")
    repo.write("deploy/.env", f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n")
    repo.write("docs/settings-example.py", f'STRIPE_KEY = "{STRIPE}"\n')
    repo.commit("hotfix")
    after_commit = same_as_uncached(repo, cache)
    assert after_commit != tagged
    repo.git("checkout", "-q", "main")
    repo.git("branch", "-D", "-q", "hotfix")
    repo.git("reflog", "expire", "--expire=now", "--all")
    assert same_as_uncached(repo, cache) == tagged
    assert same_as_uncached(repo, cache, "--branch", "feature")


def test_the_warm_scan_reads_no_clean_blob_again(repo: Repo, tmp_path: Path) -> None:
    """Shown by damaging a clean blob after the first scan: only a scan that reads it notices."""
    cache = tmp_path / "cache"
    repo.write("notes.txt", "nothing to see\n")
    repo.write("app.py", f'TOKEN = "{GITHUB}"\n')
    repo.commit("two files")
    first, _ = history(repo, cache)
    blob = repo.git("rev-parse", "HEAD:notes.txt").strip()
    loose = repo.path / ".git" / "objects" / blob[:2] / blob[2:]
    loose.chmod(0o644)
    loose.write_bytes(b"not a zlib stream")
    assert run_leakstop("scan", "--history", repo.path, "--no-cache").code == 2
    warm, _ = history(repo, cache)
    assert warm["findings"] == first["findings"]


def test_a_clean_blob_committed_again_at_a_path_with_its_own_rules_is_scanned_there(repo: Repo, tmp_path: Path
                                                                                   ) -> None:
    """The same content is clean as notes.txt and a password file as .pgpass (a rule limited to that
    path): a verdict is per set of paths, so the new commit's new path is scanned."""
    cache = tmp_path / "cache"
    line = "warehouse-db.internal:5432:orders:etl_loader:Vp8sK2qWz7Lm4x\n"
    repo.write("notes.txt", line)
    repo.commit("notes")
    assert same_as_uncached(repo, cache)["findings"] == []
    assert same_as_uncached(repo, cache)["findings"] == []
    repo.write("deploy/.pgpass", line)
    repo.commit("password file")
    found = same_as_uncached(repo, cache)["findings"]
    assert [f["rule_id"] for f in found] == ["pgpass-password"]


def test_a_commit_that_moves_no_ref_is_still_seen(repo: Repo, tmp_path: Path) -> None:
    """A detached worktree's new commit changes no ref, but `--all` walks every worktree's HEAD: the
    walk's stored order must not be reused."""
    cache = tmp_path / "cache"
    repo.write("README.md", "# service\n")
    repo.commit("start")
    assert same_as_uncached(repo, cache)["findings"] == []
    assert same_as_uncached(repo, cache)["findings"] == []
    other = tmp_path / "detached"
    repo.git("worktree", "add", "-q", "--detach", str(other))
    detached = Repo(other)
    detached.write("app.py", f'TOKEN = "{GITHUB}"\n')
    detached.commit("token")
    assert [f["rule_id"] for f in same_as_uncached(repo, cache)["findings"]] == ["github-pat-classic"]


def test_a_changed_rule_is_a_new_context(repo: Repo, tmp_path: Path) -> None:
    """Verdicts name the rules they were reached with: a rule that now matches sees the blob again."""
    cache = tmp_path / "cache"
    rules = tmp_path / "acme.yaml"
    rules.write_text(ACME_RULE.replace("acme_[a-z0-9]{24}", "acme_[a-z]{24}"))
    repo.write("client.py", f'ACME = "{ACME_TOKEN}"\n')
    repo.commit("client")
    assert same_as_uncached(repo, cache, "--rules-path", str(rules))["findings"] == []
    assert same_as_uncached(repo, cache, "--rules-path", str(rules))["findings"] == []
    rules.write_text(ACME_RULE)
    found = same_as_uncached(repo, cache, "--rules-path", str(rules))["findings"]
    assert [f["rule_id"] for f in found] == ["acme-token"]


FIXTURE_TEST = (
    "def test_login(client):\n"
    '    client.login(username="ada", password="Tq7vLm2xR9pK4wZsHb3")\n'
    '    api_key = "kR4mW9xT2qL7vZ8nB5cY1pD6"\n'
)


def test_findings_in_fixtures_are_rebuilt_from_the_cache_without_the_engine(
        repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Generic keys in a test file end as suppressed `fixture` findings, so the blob is not clean; what the
    engine found in it is kept (offsets, no text) and rebuilt from the blob, byte for byte."""
    from scanner.engine import parallel
    from scanner.ruleset.rule_set import load_ruleset
    from scanner.scan import ScanRequest, scan
    from scanner.sources.history import HistorySource

    cache = tmp_path / "cache"
    repo.write("tests/test_login.py", FIXTURE_TEST)
    repo.write("app/settings.py", f'STRIPE_KEY = "{STRIPE}"\n')
    repo.commit("login test")
    for extra in ((), ("--min-confidence", "fixture"), ("--min-confidence", "fixture", "--show-secrets")):
        assert same_as_uncached(repo, cache, *extra) == same_as_uncached(repo, cache, *extra)
    assert rows(cache, "found") == 2
    listed, _ = history(repo, cache, "--min-confidence", "fixture", "--show-secrets")
    assert {f["secret"] for f in listed["findings"]} >= {"Tq7vLm2xR9pK4wZsHb3", "kR4mW9xT2qL7vZ8nB5cY1pD6"}

    def scanned_once_more() -> list[tuple[str, tuple[tuple[str, int, str], ...]]]:
        store = ScanCache(cache)
        report = scan(ScanRequest(source=HistorySource(repo.path, max_file_size=1_000_000),
                                  ruleset=load_ruleset(), cache=store, keep_suppressed=True))
        store.close()
        return [(f.fingerprint, tuple((loc.path, loc.line, loc.commit) for loc in f.locations))
                for f in [*report.findings, *report.suppressed]]

    before = scanned_once_more()

    def no_engine(*args: object, **kwargs: object) -> None:
        raise AssertionError("the engine ran on a blob the cache knew")

    monkeypatch.setattr(parallel, "scan_fragment", no_engine)
    assert scanned_once_more() == before and len(before) >= 3


def test_a_note_about_a_capped_decoding_is_rebuilt_in_order(repo: Repo, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A text whose decoding stopped at the cap has a note to report, so it is not clean: the note is
    recorded with it and comes back where an uncached scan puts it, without decoding 500 runs again."""
    import base64

    from scanner.engine import parallel
    from scanner.ruleset.rule_set import load_ruleset
    from scanner.scan import ScanRequest, scan
    from scanner.sources.history import HistorySource

    cache = tmp_path / "cache"
    for name in ("settings_a.py", "settings_b.py"):
        repo.write(name, "".join(f'{name[9]}{i} = "{base64.b64encode(f"option {i} of {name}".encode()).decode()}"\n'
                                 for i in range(600)))
    repo.write("app/settings.py", f'STRIPE_KEY = "{STRIPE}"\n')
    repo.commit("generated settings")
    cold = same_as_uncached(repo, cache)
    assert len(cold["skipped"]) == 2 and same_as_uncached(repo, cache) == cold
    assert rows(cache, "found") == 3

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded a blob the cache knew")

    monkeypatch.setattr(parallel, "decoded_items", no_decoding)
    monkeypatch.setattr(parallel, "scan_fragment", no_decoding)
    store = ScanCache(cache)
    report = scan(ScanRequest(source=HistorySource(repo.path, max_file_size=1_000_000), ruleset=load_ruleset(),
                              cache=store))
    store.close()
    assert [(s.path, s.reason) for s in report.skipped] == [(s["path"], s["reason"]) for s in cold["skipped"]]


def rows(cache: Path, table: str) -> int:
    with sqlite3.connect(cache / FILE_NAME) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608 - our table names


@pytest.fixture
def scanned(repo: Repo, tmp_path: Path) -> tuple[Repo, Path, dict[str, Any]]:
    cache = tmp_path / "cache"
    secret_history(repo)
    report, _ = history(repo, cache)
    return repo, cache, report


def damage_truncate(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])


def damage_garbage(db: Path) -> None:
    db.write_bytes(os.urandom(8192))


def damage_newer_version(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE name = 'format'")


def damage_listing(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE listings SET data = x'e3000102'")


def damage_open_to_others(db: Path) -> None:
    db.chmod(0o666)


@pytest.mark.parametrize(("damage", "warning"), [
    (damage_truncate, "scan cache"),
    (damage_garbage, "replaced by an empty one"),
    (damage_newer_version, "another leakstop version"),
    (damage_listing, "damaged history listing"),
    (damage_open_to_others, "writable by no one else"),
])
def test_a_damaged_or_foreign_cache_is_a_warning_and_the_scan_is_whole(scanned, damage, warning) -> None:  # type: ignore[no-untyped-def]
    repo, cache, report = scanned
    damage(cache / FILE_NAME)
    after, stderr = history(repo, cache)
    assert after["findings"] == report["findings"]
    assert warning in stderr and "Traceback" not in stderr
    assert len([line for line in stderr.splitlines() if "scan cache" in line]) == 1


def test_a_truncated_cache_file_rescans_every_blob(scanned) -> None:  # type: ignore[no-untyped-def]
    """Truncated to one page: the header is whole, so it opens, and no verdict survives to skip a blob."""
    repo, cache, report = scanned
    db = cache / FILE_NAME
    db.write_bytes(db.read_bytes()[:4096])
    after, _ = history(repo, cache)
    assert after["findings"] == report["findings"]


def test_a_cache_folder_that_cannot_be_made_is_a_warning(repo: Repo, tmp_path: Path) -> None:
    secret_history(repo)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    report, stderr = history(repo, blocker / "cache")
    assert "scan cache" in stderr and "scanned without it" in stderr
    uncached, _ = history(repo, None)
    assert report["findings"] == uncached["findings"] and report["findings"]


def test_a_full_disk_is_a_warning(repo: Repo, tmp_path: Path) -> None:
    """The file size limit makes every write past 16 KB fail as a full disk does (EFBIG)."""
    import resource

    secret_history(repo)
    for i in range(60):
        repo.write(f"docs/page{i}.md", f"page {i}\n" * 20)
    repo.commit("docs")

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))

    cache = tmp_path / "cache"
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", "--history", str(repo.path), "--format", "json",
                           "--cache-dir", str(cache)], cwd=ROOT, capture_output=True, preexec_fn=small_disk,
                          timeout=120)
    assert proc.returncode == 1, proc.stderr.decode()
    assert b"scan cache" in proc.stderr and b"Traceback" not in proc.stderr
    report = comparable(json.loads(proc.stdout))
    uncached, _ = history(repo, None)
    assert report["findings"] == uncached["findings"]
    assert history(repo, cache)[0]["findings"] == uncached["findings"]


def test_two_scans_at_once_share_the_cache(repo: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    secret_history(repo)
    command = [sys.executable, "-m", "scanner", "scan", "--history", str(repo.path), "--format", "json",
               "--cache-dir", str(cache)]
    procs = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    uncached, _ = history(repo, None)
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 1, err.decode()
        assert comparable(json.loads(out))["findings"] == uncached["findings"]
    assert history(repo, cache)[0]["findings"] == uncached["findings"]


def fresh_tokens() -> tuple[str, ...]:
    """Tokens made now, so no rule's example (which the rule cache holds) can contain them."""
    import secrets
    import string

    def chars(n: int) -> str:
        return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))

    return ("ghp_" + chars(36), "sk_" + "live_" + chars(32), "AKIA" + "".join(
        secrets.choice(string.ascii_uppercase + "234567") for _ in range(16)))


def test_no_secret_reaches_the_cache_folder(repo: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    github, stripe, aws = fresh_tokens()
    repo.write("app/settings.py", f'GITHUB_TOKEN = "{github}"\nSTRIPE_KEY = "{stripe}"\n')
    repo.write("deploy/.env", f"AWS_ACCESS_KEY_ID={aws}\n")
    repo.commit(f"keys: the deploy token is {github}")  # a message holding a key the files also hold
    repo.write("app/settings.py", "GITHUB_TOKEN = os.environ['GITHUB_TOKEN']\n")
    repo.commit("no keys")
    subjects = []
    for _ in range(2):
        result = run_leakstop("scan", "--history", repo.path, "--show-secrets", "--cache-dir", cache,
                              env={"LEAKSTOP_CACHE_DIR": str(cache)})
        assert result.code == 1 and github in result.stdout and stripe in result.stdout
        redacted = run_leakstop("scan", "--history", repo.path, "--cache-dir", cache, "-f", "json")
        subjects.append(sorted({o["subject"] for f in redacted.json()["findings"] for o in f["occurrences"]}))
        assert github not in redacted.stdout
    assert subjects[0] == subjects[1] and any(s.startswith("keys: the deploy token is ") for s in subjects[1])
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert any(p.name == FILE_NAME for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in (github, stripe, aws):
            for piece in (secret, secret[-12:], secret.encode().hex(), secret[-12:].encode("utf-16-le")):
                raw = piece if isinstance(piece, bytes) else piece.encode()
                assert raw not in data, f"{path.name} holds a piece of a planted secret"


def test_the_cache_is_owner_only(scanned) -> None:  # type: ignore[no-untyped-def]
    _, cache, _ = scanned
    assert cache.stat().st_mode & 0o777 == 0o700
    for path in cache.iterdir():
        if path.name.startswith(FILE_NAME):
            assert path.stat().st_mode & 0o777 == 0o600, path.name


def test_pruning_drops_the_least_recently_used_rule_sets_first(tmp_path: Path) -> None:
    store = ScanCache(tmp_path)
    old, new = b"o" * 16, b"n" * 16
    store.add_clean(old, [os.urandom(16) for _ in range(20000)])
    store.save()
    store.add_clean(new, [os.urandom(16) for _ in range(20000)])
    store.save()
    assert store.clean_keys(old) and store.clean_keys(new)
    store.prune(max_bytes=1_200_000)
    store.close()
    reopened = ScanCache(tmp_path)
    assert not reopened.clean_keys(old) and reopened.clean_keys(new)
    assert not reopened.warnings


def test_the_rule_and_gate_entries_are_bounded_in_size(tmp_path: Path) -> None:
    from scanner.ruleset.cache import prune

    for age, name in enumerate(["gate-" + "a" * 24 + ".pickle", "gate-" + "b" * 24 + ".pickle",
                                "rules-" + "c" * 24 + ".marshal"]):
        path = tmp_path / name
        path.write_bytes(b"x" * 1000)
        os.utime(path, (1e9 + age * 1e8, 2e9 + age * 1000))
    (tmp_path / "someone-elses.pickle").write_bytes(b"x" * 5000)
    prune(tmp_path, max_bytes=2000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gate-" + "b" * 24 + ".pickle",
                                                          "rules-" + "c" * 24 + ".marshal", "someone-elses.pickle"]


def test_the_default_folder_is_platformdirs_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import platformdirs

    from scanner.ruleset.cache import cache_dir

    monkeypatch.delenv("LEAKSTOP_CACHE_DIR")
    for xdg in (None, str(tmp_path / "xdg")):
        if xdg is None:
            monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_CACHE_HOME", xdg)
        assert cache_dir() == Path(platformdirs.user_cache_dir("leakstop", appauthor=False))
    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
