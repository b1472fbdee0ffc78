"""The history snapshot: a re-scan of a repository whose refs have not moved works from what the last scan
handed out, reports exactly what an uncached scan does, and a damaged or foreign snapshot is a warning
and a whole scan."""

from __future__ import annotations

import json
import marshal
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, run_leakstop
from secrets_fixtures import GITHUB, SLACK, STRIPE
from test_scan_cache import FIXTURE_TEST, secret_history

from scanner.engine.scan_cache import FILE_NAME, ScanCache
from scanner.findings import Finding
from scanner.report import Report
from scanner.sources.history_snapshot import SNAPSHOT_FORMAT, load_snapshot


def report_of(repo: Repo, cache: Path | None, *extra: str) -> tuple[dict[str, Any], str]:
    """The JSON report with its counts (time and exposure, which grow by the second, left out), and stderr."""
    where = ("--cache-dir", str(cache)) if cache is not None else ("--no-cache",)
    result = run_leakstop("scan", "--history", repo.path, "--format", "json", *where, *extra)
    assert result.code in (0, 1), result.output
    report = result.json()
    report["stats"].pop("seconds")
    for finding in report["findings"]:
        finding.pop("exposed_for", None)
    return report, result.stderr


def scanned_in_process(repo: Repo, cache: Path, max_file_size: int = 1_000_000) -> Report:
    from scanner.ruleset.rule_set import load_ruleset
    from scanner.scan import ScanRequest, scan
    from scanner.sources.history import HistorySource

    store = ScanCache(cache)
    try:
        return scan(ScanRequest(source=HistorySource(repo.path, max_file_size=max_file_size),
                                ruleset=load_ruleset(), cache=store, keep_suppressed=True))
    finally:
        store.close()


def rich_history(repo: Repo) -> None:
    """Secrets across branches, a fixture file (a blob with suppressed findings), a file over the size
    limit the tests scan with, and a submodule."""
    secret_history(repo)
    repo.write("tests/test_login.py", FIXTURE_TEST)
    repo.write("assets/big.txt", "lorem ipsum dolor sit amet\n" * 400)
    repo.git("add", "--all")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{repo.git('rev-parse', 'HEAD').strip()},vendor/lib")
    repo.git("commit", "-q", "-m", "fixtures, a big file and a submodule")  # without `add --all`, which drops it
    repo.write("app/settings.py", f'STRIPE_KEY = "{STRIPE}"\nGITHUB = "{GITHUB}"\n')
    repo.commit("one more")


def test_an_unchanged_history_is_rescanned_from_its_snapshot(repo: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    rich_history(repo)
    extra = ("--max-file-size", "4KB", "--show-suppressed")
    uncached, _ = report_of(repo, None, *extra)
    assert uncached["findings"] and uncached["suppressed"]
    assert {note["reason"].split()[0] for note in uncached["skipped"]} >= {"submodule", "larger"}
    assert report_of(repo, cache, *extra)[0] == uncached
    assert report_of(repo, cache, *extra)[0] == uncached  # from the snapshot: counts and notes too
    assert report_of(repo, cache, *extra, "--show-secrets")[0] == report_of(repo, None, *extra, "--show-secrets")[0]


def test_the_snapshot_spares_loading_the_listing_and_walking(repo: Repo, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.git import runner
    from scanner.sources import history_listing

    cache = tmp_path / "cache"
    rich_history(repo)
    first = scanned_in_process(repo, cache, 4000)

    def no_walk(*args: object, **kwargs: object) -> None:
        raise AssertionError("walked or loaded the listing of an unchanged history")

    for module, name in ((history_listing, "load_listing"), (runner, "commit_order"), (runner, "commit_trees"),
                         (runner, "trees_of_commits"), (runner, "blob_listing"), (runner, "head_tree"),
                         (runner, "stored_bytes")):
        monkeypatch.setattr(module, name, no_walk)
    again = scanned_in_process(repo, cache, 4000)
    assert timeless(again.findings) == timeless(first.findings)
    assert timeless(again.suppressed) == timeless(first.suppressed)
    assert again.skipped == first.skipped
    assert (again.stats.commits, again.stats.blobs, again.stats.bytes) == (
        first.stats.commits, first.stats.blobs, first.stats.bytes)


def timeless(findings: list[Finding]) -> list[dict[str, Any]]:
    """Every field (those findings do not compare on too), without how long each secret has been exposed,
    which is counted up to the second of the scan."""
    return [asdict(replace(finding, exposed_for=None)) for finding in findings]


def snapshot_rows(cache: Path) -> list[tuple[bytes, tuple[Any, ...]]]:
    """(name, fields) of each stored snapshot."""
    found = []
    with sqlite3.connect(cache / FILE_NAME) as db:
        for name, data in db.execute("SELECT repo, data FROM listings").fetchall():
            try:
                load_snapshot(data)
            except ValueError:
                continue
            found.append((name, marshal.loads(data)))
    return found


FIELDS = ("format", "state", "commit_count", "order_digest", "writes", "submodules", "clean_blobs", "clean_bytes",
          "commits", "introduced", "sizes", "around", "deletions", "blob_keys", "path_keys",
          "at_head")


def field(fields: tuple[Any, ...], name: str) -> Any:
    return fields[FIELDS.index(name)]


def rewritten(fields: tuple[Any, ...], name: str, value: Any) -> bytes:
    index = FIELDS.index(name)
    return marshal.dumps((*fields[:index], value, *fields[index + 1:]))


def newer_format(fields: tuple[Any, ...]) -> bytes:
    return rewritten(fields, "format", SNAPSHOT_FORMAT + 1)


def garbage(fields: tuple[Any, ...]) -> bytes:
    return b"\xe3\x00\x01\x02 not a snapshot"


def truncated(fields: tuple[Any, ...]) -> bytes:
    data = marshal.dumps(fields)
    return data[: len(data) // 2]


def commit_out_of_range(fields: tuple[Any, ...]) -> bytes:
    [(blob, places), *others] = field(fields, "introduced")
    order, _, path, parents = places[0]
    return rewritten(fields, "introduced",
                     ((blob, ((order, len(field(fields, "commits")), path, parents), *places[1:])), *others))


def sizes_without_their_blobs(fields: tuple[Any, ...]) -> bytes:
    return rewritten(fields, "sizes", field(fields, "sizes")[1:])


def wrong_types(fields: tuple[Any, ...]) -> bytes:
    return rewritten(fields, "clean_blobs", "many")


def head_files_of_another_shape(fields: tuple[Any, ...]) -> bytes:
    return rewritten(fields, "at_head", (("app/settings.py",),))


def blob_keys_cut(fields: tuple[Any, ...]) -> bytes:
    return rewritten(fields, "blob_keys", field(fields, "blob_keys")[:-3])


@pytest.mark.parametrize("damage", [newer_format, garbage, truncated, commit_out_of_range,
                                    sizes_without_their_blobs, wrong_types, blob_keys_cut,
                                    head_files_of_another_shape])
def test_a_damaged_snapshot_is_a_warning_and_the_scan_is_whole(
        repo: Repo, tmp_path: Path, damage: Callable[[tuple[Any, ...]], bytes]) -> None:
    cache = tmp_path / "cache"
    rich_history(repo)
    uncached, _ = report_of(repo, None)
    report_of(repo, cache)
    [(name, fields)] = snapshot_rows(cache)
    with sqlite3.connect(cache / FILE_NAME) as db:
        db.execute("UPDATE listings SET data = ? WHERE repo = ?", (damage(fields), name))
    after, stderr = report_of(repo, cache)
    assert after.pop("warnings") and after == {key: value for key, value in uncached.items() if key != "warnings"}
    [warning] = [line for line in stderr.splitlines() if "scan cache" in line]
    assert "damaged history listing (its snapshot" in warning
    assert report_of(repo, cache)[0] == uncached  # and it was written again
    assert "scan cache" not in report_of(repo, cache)[1]


def test_a_snapshot_of_other_refs_is_not_used(repo: Repo, tmp_path: Path) -> None:
    """A snapshot taken while the refs were elsewhere (another state of this repository, or a copy of
    another repository's cache) says nothing about this history: it is passed over without a warning."""
    cache = tmp_path / "cache"
    rich_history(repo)
    report_of(repo, cache)
    [(name, fields)] = snapshot_rows(cache)
    repo.write("ci/notify.sh", f'curl -H "Authorization: Bearer {SLACK}x" https://slack.example.invalid\n')
    repo.commit("another token")
    report_of(repo, cache)
    with sqlite3.connect(cache / FILE_NAME) as db:  # the old state's snapshot back under the name
        db.execute("UPDATE listings SET data = ? WHERE repo = ?", (marshal.dumps(fields), name))
    after, stderr = report_of(repo, cache)
    assert after == report_of(repo, None)[0] and "scan cache" not in stderr


def test_the_snapshot_holds_no_secret(repo: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    rich_history(repo)
    report_of(repo, cache)
    [(_, fields)] = snapshot_rows(cache)
    text, data = repr(fields), marshal.dumps(fields)
    assert field(fields, "commits") and field(fields, "introduced")
    for secret in (STRIPE, GITHUB, SLACK, "Tq7vLm2xR9pK4wZsHb3", "stripe key", "lorem ipsum"):
        assert secret not in text and secret.encode() not in data


def same_reports(cached: Report, uncached: Report) -> None:
    assert timeless(cached.findings) == timeless(uncached.findings)
    assert timeless(cached.suppressed) == timeless(uncached.suppressed) and cached.skipped == uncached.skipped
    assert (cached.stats.commits, cached.stats.blobs, cached.stats.bytes) == (
        uncached.stats.commits, uncached.stats.blobs, uncached.stats.bytes)


def uncached_in_process(repo: Repo, max_file_size: int = 4000) -> Report:
    from scanner.ruleset.rule_set import load_ruleset
    from scanner.scan import ScanRequest, scan
    from scanner.sources.history import HistorySource

    return scan(ScanRequest(source=HistorySource(repo.path, max_file_size=max_file_size), ruleset=load_ruleset(),
                            keep_suppressed=True))


def walks_counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the whole-history steps a scan takes, as it takes them."""
    from scanner.git import runner
    from scanner.sources import history_listing

    taken: list[str] = []

    def counting(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: object, **kwargs: object) -> Any:
            taken.append(name)
            return real(*args, **kwargs)
        return counted

    for module, name in ((history_listing, "load_listing"), (runner, "commit_trees")):
        monkeypatch.setattr(module, name, counting(name, getattr(module, name)))
    return taken


def test_commits_added_on_top_are_numbered_on_from_the_snapshot(repo: Repo, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """New commits that write new blobs, delete a file with a secret, delete a submodule (a path the walk
    never counted as written) and add a tag: neither the listing nor the whole walk is needed, and the
    report is an uncached scan's."""
    cache = tmp_path / "cache"
    rich_history(repo)
    scanned_in_process(repo, cache, 4000)
    repo.write("app/settings.py", 'STRIPE_KEY = os.environ.get("STRIPE_KEY")\n')
    repo.commit("no keys, no submodule")  # `add --all` drops the submodule, whose folder is not there
    repo.git("rm", "-q", "ci/notify.sh")  # where the Slack token left: a deletion numbered among the writes
    repo.write("docs/notes.md", "release notes\n")
    repo.commit("notes")
    repo.write("ops/deploy.sh", f'export GITHUB_TOKEN="{GITHUB}"\n')
    repo.commit("deploy script")
    repo.git("tag", "v2")
    taken = walks_counted(monkeypatch)
    cached = scanned_in_process(repo, cache, 4000)
    assert taken == []
    same_reports(cached, uncached_in_process(repo))
    repo.write("docs/notes.md", "release notes, second draft\n")
    repo.commit("more notes")
    taken.clear()
    cached = scanned_in_process(repo, cache, 4000)  # from the snapshot extended above
    assert taken == []
    same_reports(cached, uncached_in_process(repo))


def test_a_commit_that_writes_a_blob_of_the_history_again_walks_it(repo: Repo, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A secret's blob written again (a revert) has places the snapshot keeps; a clean blob's it does
    not keep: either way the history is walked, and the report is an uncached scan's."""
    cache = tmp_path / "cache"
    rich_history(repo)
    scanned_in_process(repo, cache, 4000)
    taken = walks_counted(monkeypatch)
    repo.write("config/stripe.py", f'STRIPE_KEY = "{STRIPE}"\nGITHUB = "{GITHUB}"\n')  # app/settings.py's blob
    repo.commit("copied settings")
    cached = scanned_in_process(repo, cache, 4000)
    assert taken == ["load_listing"]
    same_reports(cached, uncached_in_process(repo))
    repo.write("docs/README.md", "# service\n")  # README.md's blob, elsewhere
    repo.commit("readme copy")
    taken.clear()
    cached = scanned_in_process(repo, cache, 4000)
    assert taken == ["load_listing"]
    same_reports(cached, uncached_in_process(repo))


def test_commits_that_reorder_the_walk_walk_it(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit on a branch older than another branch's tip puts that branch later in the walk's order:
    the old order is no longer where the new one begins, so the history is walked."""
    cache = tmp_path / "cache"

    def commit_at(day: int, message: str) -> None:
        monkeypatch.setenv("GIT_COMMITTER_DATE", f"2024-03-{day:02d}T12:00:00+00:00")
        repo.commit(message)

    repo.write("README.md", "# service\n")
    commit_at(1, "start")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("ci/notify.sh", f'curl -H "Authorization: Bearer {SLACK}" https://slack.example.invalid\n')
    commit_at(5, "notify")
    repo.git("checkout", "-q", "main")
    repo.write("app/settings.py", f'STRIPE_KEY = "{STRIPE}"\n')
    commit_at(3, "settings")
    scanned_in_process(repo, cache)
    before = repo.git("rev-list", "--reverse", "--topo-order", "--all").split()
    repo.write("app/settings.py", 'STRIPE_KEY = os.environ["STRIPE_KEY"]\n')
    commit_at(7, "key from the environment")
    after = repo.git("rev-list", "--reverse", "--topo-order", "--all").split()
    assert after[:len(before)] != before
    taken = walks_counted(monkeypatch)
    cached = scanned_in_process(repo, cache)
    assert taken == ["load_listing"]
    same_reports(cached, uncached_in_process(repo))


def test_a_replaced_blob_is_never_worked_from_a_snapshot(repo: Repo, tmp_path: Path) -> None:
    """`git replace` shows a blob at another blob's places: a replace ref added after the snapshot makes
    the history walk again, and a history with one keeps no snapshot."""
    cache = tmp_path / "cache"
    rich_history(repo)
    report_of(repo, cache)
    assert snapshot_rows(cache)
    notes = repo.git("hash-object", "-w", "--stdin", input=f'token = "{SLACK}"\n'.encode()).strip()
    repo.git("replace", repo.git("rev-parse", "HEAD:README.md").strip(), notes)
    uncached, _ = report_of(repo, None)
    assert "README.md" in json.dumps(uncached["findings"])
    assert report_of(repo, cache)[0] == uncached
    assert report_of(repo, cache)[0] == uncached
    with sqlite3.connect(cache / FILE_NAME) as db:
        db.execute("DELETE FROM listings")
    assert report_of(repo, cache)[0] == uncached and not snapshot_rows(cache)
