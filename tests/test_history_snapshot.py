"""The history snapshot: a re-scan of a repository whose refs have not moved works from what the last scan
handed out, reports exactly what an uncached scan does, and a damaged or foreign snapshot is a warning
and a whole scan."""

from __future__ import annotations

import json
import marshal
import sqlite3
from collections.abc import Callable
from dataclasses import replace
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
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{repo.git('rev-parse', 'HEAD').strip()},vendor/lib")
    repo.commit("fixtures, a big file and a submodule")
    repo.write("app/settings.py", f'STRIPE_KEY = "{STRIPE}"\nGITHUB = "{GITHUB}"\n')
    repo.commit("one more")


def test_an_unchanged_history_is_rescanned_from_its_snapshot(repo: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    rich_history(repo)
    extra = ("--max-file-size", "4KB", "--show-suppressed")
    uncached, _ = report_of(repo, None, *extra)
    assert uncached["findings"] and uncached["suppressed"] and uncached["skipped"]
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
                         (runner, "trees_of_commits"), (runner, "blob_listing")):
        monkeypatch.setattr(module, name, no_walk)
    again = scanned_in_process(repo, cache, 4000)
    assert timeless(again.findings) == timeless(first.findings) and again.suppressed == first.suppressed
    assert again.skipped == first.skipped
    assert (again.stats.commits, again.stats.blobs, again.stats.bytes) == (
        first.stats.commits, first.stats.blobs, first.stats.bytes)


def timeless(findings: list[Finding]) -> list[Finding]:
    """Without how long each secret has been exposed, which is counted up to the second of the scan."""
    return [replace(finding, exposed_for=None) for finding in findings]


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


def rewritten(fields: tuple[Any, ...], index: int, value: Any) -> bytes:
    return marshal.dumps((*fields[:index], value, *fields[index + 1:]))


def newer_format(fields: tuple[Any, ...]) -> bytes:
    return rewritten(fields, 0, SNAPSHOT_FORMAT + 1)


def garbage(fields: tuple[Any, ...]) -> bytes:
    return b"\xe3\x00\x01\x02 not a snapshot"


def truncated(fields: tuple[Any, ...]) -> bytes:
    data = marshal.dumps(fields)
    return data[: len(data) // 2]


def commit_out_of_range(fields: tuple[Any, ...]) -> bytes:
    blob, places = fields[7][0]
    order, _, path, parents = places[0]
    return rewritten(fields, 7, ((blob, ((order, len(fields[6]), path, parents), *places[1:])), *fields[7][1:]))


def sizes_without_their_blobs(fields: tuple[Any, ...]) -> bytes:
    return rewritten(fields, 8, fields[8][1:])


def wrong_types(fields: tuple[Any, ...]) -> bytes:
    return rewritten(fields, 4, "many")


@pytest.mark.parametrize("damage", [newer_format, garbage, truncated, commit_out_of_range,
                                    sizes_without_their_blobs, wrong_types])
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
    text = json.dumps(fields)
    assert fields[6] and fields[7]
    for secret in (STRIPE, GITHUB, SLACK, "Tq7vLm2xR9pK4wZsHb3", "stripe key", "lorem ipsum"):
        assert secret not in text
