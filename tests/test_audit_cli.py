"""`leakstop audit` end to end on real repositories: findings in the store, exit codes, failures that do
not stop the audit, incremental re-audits and what they report, triage and the ways to read the store."""

from __future__ import annotations

import json
import os
import stat

from audit_fixtures import github_token, new_repo, repo_with_secret, rows, run_cli, store_bytes, stripe_key


def test_audit_records_findings_and_exits_1_until_triaged(tmp_path):
    repo, token = repo_with_secret(tmp_path / "org", "payments")
    store = tmp_path / "audit.sqlite"
    first = run_cli("audit", tmp_path / "org", "--store", store, "--workers", "1")
    assert first.code == 1, first.output
    [(fingerprint, rule)] = rows(store, "SELECT fingerprint, rule_id FROM findings")
    assert rule == "github-pat-classic"
    assert f"{repo.path}: new: {fingerprint}" in first.stdout
    assert "Audited 1 of 1 repositories: 1 findings, 1 new" in first.stderr
    assert token not in first.output
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600

    triaged = run_cli("triage", fingerprint, "--status", "revoked", "--note", "rotated on Monday", "--store", store)
    assert triaged.code == 0, triaged.output
    again = run_cli("audit", tmp_path / "org", "--store", store)
    assert again.code == 0, again.output
    assert again.stdout == ""  # nothing new since last time


def test_the_store_never_holds_a_secret(tmp_path):
    tokens = []
    for name in ("alpha", "beta"):
        repo, token = repo_with_secret(tmp_path / "org", name)
        key = stripe_key()
        repo.write("billing.env", f"STRIPE_SECRET_KEY={key}\n")
        repo.commit("billing")
        tokens += [token, key]
    store = tmp_path / "audit.sqlite"
    assert run_cli("audit", tmp_path / "org", "--store", store).code == 1
    [(count,)] = rows(store, "SELECT count(*) FROM findings")
    assert count == 4
    data = store_bytes(store)
    for secret in tokens:
        assert secret.encode() not in data
        assert secret[8:].encode() not in data  # nor its unredacted tail


def test_a_failed_repository_is_recorded_and_the_audit_goes_on(tmp_path):
    repo_with_secret(tmp_path / "org", "good")
    new_repo(tmp_path / "org", "empty")  # no commit yet: nothing to audit, and no failure
    broken = new_repo(tmp_path / "org", "broken")
    broken.write("a.txt", "x\n")
    broken.commit("one")
    objects = broken.path / ".git" / "objects"
    for obj in objects.rglob("*"):
        if obj.is_file() and obj.parent.name not in ("info", "pack"):
            obj.write_bytes(b"garbage")  # every loose object corrupt
    store = tmp_path / "audit.sqlite"
    result = run_cli("audit", tmp_path / "org", "--store", store)
    assert result.code == 2, result.output
    assert f"1 repository could not be audited: {broken.path}" in result.stderr
    assert result.stderr.count("\n") == 3  # the summary, the reason and one error line, no traceback
    assert f"leakstop: {broken.path}: " in result.stderr
    failed = rows(store, "SELECT r.name, rr.reason FROM run_repositories rr JOIN repositories r ON r.id = rr.repo_id "
                         "WHERE rr.outcome = 'failed'")
    assert [name for name, _ in failed] == [str(broken.path)]
    assert rows(store, "SELECT count(*) FROM findings") == [(1,)]  # the good repository's finding is there
    listed = run_cli("findings", "--store", store)
    assert f"leakstop: warning: {broken.path}: its last audit failed: " in listed.stderr


def test_a_second_audit_scans_only_new_commits_and_says_what_changed(tmp_path):
    repo, _ = repo_with_secret(tmp_path / "org", "api")
    store = tmp_path / "audit.sqlite"
    assert run_cli("audit", tmp_path / "org", "--store", store).code == 1
    [(old,)] = rows(store, "SELECT fingerprint FROM findings")

    repo.git("rm", "-q", "settings.py")
    repo.commit("remove the token")
    second_token = github_token()
    repo.write("deploy.sh", f"export GH_TOKEN={second_token}\n")
    repo.commit("deploy script")
    second = run_cli("audit", tmp_path / "org", "--store", store)
    assert second.code == 1, second.output
    [(new,)] = rows(store, "SELECT fingerprint FROM findings WHERE fingerprint != ?", old)
    assert f"{repo.path}: gone from HEAD: {old}" in second.stdout
    assert f"{repo.path}: new: {new}" in second.stdout
    # only the two new commits were read, not the whole history again
    assert rows(store, "SELECT incremental, commits FROM run_repositories WHERE run_id = 2") == [(1, 2)]

    repo.write("settings.py", repo.git("show", "HEAD~2:settings.py"))
    repo.commit("restore settings")
    third = run_cli("audit", tmp_path / "org", "--store", store)
    assert f"{repo.path}: back at HEAD: {old}" in third.stdout
    assert "new:" not in third.stdout


def test_findings_lists_filters_and_exports(tmp_path):
    repo_a, _ = repo_with_secret(tmp_path / "org", "a")
    repo_b, _ = repo_with_secret(tmp_path / "org", "b")
    store = tmp_path / "audit.sqlite"
    run_cli("audit", tmp_path / "org", "--store", store)
    fp_a = rows(store, "SELECT fingerprint FROM occurrences o JOIN repositories r ON r.id = o.repo_id "
                       "WHERE r.name = ?", str(repo_a.path))[0][0]
    assert run_cli("triage", fp_a, "--status", "accepted-risk", "--note", "test fixture", "--store", store).code == 0

    listed = run_cli("findings", "--status", "new", "--format", "json", "--store", store)
    assert listed.code == 0, listed.output
    [only] = listed.json()["findings"]
    assert only["places"][0]["repository"] == str(repo_b.path)
    assert only["status"] == "new" and only["redacted"].endswith("********")

    csv_out = run_cli("findings", "--repo", str(repo_a.path), "--format", "csv", "--store", store).stdout
    assert csv_out.splitlines()[1].startswith(f"{fp_a},accepted-risk,critical,github-pat-classic")
    sarif = json.loads(run_cli("findings", "--format", "sarif", "--store", store).stdout)
    assert len(sarif["runs"][0]["results"]) == 2

    ignore = tmp_path / "ignore.yaml"
    exported = run_cli("findings", "--export-ignore", str(repo_a.path), "-o", ignore, "--store", store)
    assert exported.code == 0, exported.output
    text = ignore.read_text()
    assert f"- fingerprint: {fp_a}" in text and "accepted-risk: test fixture" in text
    # the entries are a valid ignore file: with it in repository a, its history scans clean
    (repo_a.path / ".leakstopignore").write_text(text)
    assert run_cli("scan", "--history", repo_a.path).code == 0
    (repo_a.path / ".leakstopignore").unlink()
    assert run_cli("scan", "--history", repo_a.path).code == 1
    history = rows(store, "SELECT status, note FROM triage WHERE fingerprint = ?", fp_a)
    assert history == [("accepted-risk", "test fixture")]


def test_report_html_from_the_store(tmp_path):
    repo, token = repo_with_secret(tmp_path / "org", "web")
    repo.git("remote", "add", "origin", "git@github.com:acme/web.git")
    store = tmp_path / "audit.sqlite"
    run_cli("audit", tmp_path / "org", "--store", store)
    page = tmp_path / "report.html"
    result = run_cli("report", "--html", page, "--store", store)
    assert result.code == 0, result.output
    html = page.read_text()
    assert "github-pat-classic" in html and token not in html
    assert "ghp_" in html and str(repo.path) in html
    assert "https://github.com/acme/web/commit/" in html  # the first commit, linked on the forge


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 10)
    other = tmp_path / "other.sqlite"
    import sqlite3

    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    for path, why in ((text, "not a SQLite database"), (other, "a SQLite database of another program")):
        before = path.read_bytes()
        result = run_cli("findings", "--store", path)
        assert result.code == 2
        assert result.stderr == f"leakstop: error: {path}: not a leakstop store ({why})\n"
        assert path.read_bytes() == before
    missing = run_cli("findings", "--store", tmp_path / "none.sqlite")
    assert missing.code == 2 and "no store there" in missing.stderr


def test_a_repository_that_vanished_after_listing_is_a_recorded_failure(tmp_path):
    from scanner.audit.executors import LocalPool
    from scanner.audit.run import run_audit
    from scanner.audit.targets import Target
    from scanner.store.store import Store

    repo, _ = repo_with_secret(tmp_path / "org", "kept")
    gone = tmp_path / "org" / "deleted-meanwhile"
    with Store.open(tmp_path / "s.sqlite") as store:
        outcome = run_audit(store, [Target(str(repo.path), str(repo.path), False), Target(str(gone), str(gone), False)],
                            LocalPool(2), cache_dir=tmp_path / "cache", max_file_size=10**6)
    assert [name for name, _ in outcome.failures] == [str(gone)]
    assert "not a folder" in outcome.failures[0][1]
    assert outcome.findings == 1 and outcome.open_findings == 1


def test_html_locations_link_to_the_forge_of_the_remote():
    from scanner.audit.html_report import html_finding
    from scanner.store.queries import StoredFinding, StoredPlace

    place = StoredPlace("c0ffee" * 6 + "abcd", "app/settings.py", 2, "Ada", "ada@example.invalid",
                        "2026-03-04T05:06:07+00:00", "github.com/acme/web", "git@github.com:acme/web.git", True)
    elsewhere = StoredPlace("f" * 40, "settings.py", 9, "Bo", "", "2026-01-01T00:00:00+00:00", "/srv/mirror", "", False)
    finding = StoredFinding("ls1:" + "12" * 16, "github-pat-classic", "GitHub token", "GitHub", "critical", "high",
                            "ghp_Ab********", "Revoke it.", "2026-03-05", "confirmed", "", "ada", "2026-03-06",
                            (place, elsewhere))
    shown = html_finding(finding, "github.com/acme/web")
    assert shown.status == "confirmed" and shown.first_commit == place.commit and shown.triaged_by == "ada"
    assert shown.first_commit_url == f"https://github.com/acme/web/commit/{place.commit}"
    [location] = shown.locations
    assert location.url == f"https://github.com/acme/web/blob/{place.commit}/app/settings.py#L2"
    assert location.in_head is True
    assert html_finding(finding, "/srv/mirror").locations[0].url is None


def test_a_force_push_that_drops_the_audited_tip_is_audited_from_what_remains(tmp_path):
    repo, _ = repo_with_secret(tmp_path / "org", "rewritten")
    store = tmp_path / "audit.sqlite"
    assert run_cli("audit", tmp_path / "org", "--store", store).code == 1
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.write("notes.md", f"token {github_token()}\n")
    repo.commit("history rewritten")
    repo.git("reflog", "expire", "--expire=now", "--all")
    repo.git("gc", "-q", "--prune=now")  # the audited tip is gone from the repository
    again = run_cli("audit", tmp_path / "org", "--store", store)
    assert again.code == 1, again.output
    assert "0 failed" in again.stderr
    assert again.stdout.count(": new: ") == 1 and again.stdout.count(": gone from HEAD: ") == 1
    # no audited tip is left to start from: the two commits there are are read again
    assert rows(store, "SELECT incremental, commits FROM run_repositories WHERE run_id = 2") == [(0, 2)]


def test_the_default_store_is_owner_only_in_the_user_data_folder(tmp_path):
    repo_with_secret(tmp_path / "org", "one")
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "LEAKSTOP_STORE": ""}
    assert run_cli("audit", tmp_path / "org", env=env).code == 1
    store = tmp_path / "data" / "leakstop" / "audit.sqlite"
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.parent).st_mode) == 0o700
    [(fingerprint,)] = rows(store, "SELECT fingerprint FROM findings")
    for status, note in (("confirmed", "live key"), ("revoked", "rotated")):
        assert run_cli("triage", fingerprint, "--status", status, "--note", note, env=env).code == 0
    # every decision is kept, the latest is the finding's state
    assert [r[:2] for r in rows(store, "SELECT status, note, who FROM triage ORDER BY id")] == [
        ("confirmed", "live key"), ("revoked", "rotated")]
    assert run_cli("findings", "--format", "json", env=env).json()["findings"][0]["status"] == "revoked"
    assert run_cli("audit", tmp_path / "org", env=env).code == 0  # revoked: nothing left to triage


def test_remote_repositories_are_mirrored_once_and_audited_incrementally(tmp_path):
    repo, _ = repo_with_secret(tmp_path / "upstream", "service")
    url = repo.path.as_uri()
    store, cache = tmp_path / "audit.sqlite", tmp_path / "mirrors"
    first = run_cli("audit", url, "file:///nonexistent/leakstop-gone.git", "--store", store, "--cache-dir", cache)
    assert first.code == 2, first.output
    assert "1 repository could not be audited: " in first.stderr and "leakstop-gone" in first.stderr
    assert first.stdout.count(": new: ") == 1
    [(remote_url,)] = rows(store, "SELECT remote_url FROM repositories WHERE remote_url != ''")
    assert remote_url == url
    repo.write("later.txt", "nothing secret\n")
    repo.commit("later")
    again = run_cli("audit", url, "--store", store, "--cache-dir", cache)
    assert again.code == 1 and again.stdout == "", again.output
    assert rows(store, "SELECT incremental, commits FROM run_repositories WHERE run_id = 2") == [(1, 1)]


def test_a_second_audit_of_the_same_store_is_refused_while_one_runs(tmp_path):
    from scanner.store.store import Store

    repo_with_secret(tmp_path / "org", "one")
    store = tmp_path / "audit.sqlite"
    with Store.open(store) as running:
        running.claim_writer()
        second = run_cli("audit", tmp_path / "org", "--store", store)
        assert second.code == 2
        assert second.stderr == f"leakstop: error: {store}: another leakstop audit is writing this store\n"
        assert run_cli("findings", "--store", store).code == 0  # readers are welcome meanwhile
    assert run_cli("audit", tmp_path / "org", "--store", store).code == 1
