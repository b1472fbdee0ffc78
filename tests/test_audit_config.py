"""`leakstop audit --config FILE` applies one configuration (its rules, disable, thresholds, exclude and
allowlists) to every audited repository; a configuration inside an audited repository is never applied."""

from __future__ import annotations

from pathlib import Path

from audit_fixtures import github_token, new_repo, repo_with_secret, rows, run_cli, store_bytes
from config_fixtures import ACME_RULE, ACME_TOKEN


def audited_rules(store: Path) -> list[tuple[str, str]]:
    return sorted(rows(store, "SELECT DISTINCT f.rule_id, o.path FROM findings f JOIN occurrences o "
                              "ON o.fingerprint = f.fingerprint"))


def team_config(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "policy"
    (folder / "rules").mkdir(parents=True, exist_ok=True)
    (folder / "rules" / "acme.yaml").write_text(ACME_RULE)
    config = folder / "leakstop.yaml"
    config.write_text(text)
    return config


def deploy_repo(tmp_path: Path):  # type: ignore[no-untyped-def]
    repo, token = repo_with_secret(tmp_path / "org", "deploy")
    repo.write("deploy/acme.env", f"ACME_API_TOKEN={ACME_TOKEN}\n")
    repo.write("tests/fixtures/ci.env", f"GITHUB_TOKEN={github_token()}\n")
    repo.commit("deploy settings")
    return repo, token


def test_the_configurations_rules_and_allowlists_apply_to_every_repository(tmp_path):
    deploy_repo(tmp_path)
    config = team_config(tmp_path, "rules: [rules]\nallowlists:\n  - rules: [github-pat-classic]\n"
                                   "    paths: ['tests/fixtures/**']\n")
    plain, configured = tmp_path / "plain.sqlite", tmp_path / "configured.sqlite"
    without = run_cli("audit", tmp_path / "org", "--store", plain, "--workers", "1")
    assert without.code == 1, without.output
    assert audited_rules(plain) == [("dotenv-credential", "deploy/acme.env"),
                                    ("github-pat-classic", "settings.py"),
                                    ("github-pat-classic", "tests/fixtures/ci.env")]
    result = run_cli("audit", tmp_path / "org", "--store", configured, "--workers", "1", "--config", config)
    assert result.code == 1, result.output
    assert audited_rules(configured) == [("acme-token", "deploy/acme.env"), ("github-pat-classic", "settings.py")]


def test_disable_exclude_and_thresholds_of_the_configuration_apply(tmp_path):
    deploy_repo(tmp_path)
    config = team_config(tmp_path, "rules: [rules]\ndisable: [github-pat-classic]\nexclude: ['tests/**']\n"
                                   "min_severity: medium\n")
    store = tmp_path / "audit.sqlite"
    result = run_cli("audit", tmp_path / "org", "--store", store, "--workers", "1", "--config", config)
    assert result.code == 1, result.output
    found = audited_rules(store)
    assert ("generic-api-key-assignment", "settings.py") in found, "the disabled rule's secret, by another rule"
    assert not [f for f in found if f[0] == "github-pat-classic"], "disable"
    assert not [f for f in found if f[1].startswith("tests/")], "exclude"
    assert not [f for f in found if f[0] == "acme-token"], "min_severity: the Acme rule is low"


def test_a_configuration_inside_an_audited_repository_is_never_applied(tmp_path):
    repo, _ = deploy_repo(tmp_path)
    # what a repository could say to hide its own secrets from the auditor
    repo.write(".leakstop.yaml", "exclude: ['settings.py']\ndisable: [github-pat-classic]\n"
                                 "allow:\n  stopwords: [ghp_]\n")
    repo.commit("quiet please")
    config = team_config(tmp_path, "rules: [rules]\n")
    for extra in ((), ("--config", config)):
        store = tmp_path / f"audit{len(extra)}.sqlite"
        result = run_cli("audit", tmp_path / "org", "--store", store, "--workers", "1", *extra)
        assert result.code == 1, result.output
        assert ("github-pat-classic", "settings.py") in audited_rules(store), extra


def test_a_bad_configuration_stops_the_audit_before_it_starts(tmp_path):
    deploy_repo(tmp_path)
    store = tmp_path / "audit.sqlite"
    for text, said in (("disable: [no-such-rule]\n", "no rule has the id 'no-such-rule'"),
                       ("exclud: ['x']\n", "exclud"),
                       ("exclude: ['**']\n", "nothing")):
        config = team_config(tmp_path, text)
        result = run_cli("audit", tmp_path / "org", "--store", store, "--workers", "1", "--config", config)
        assert result.code == 2, (text, result.output)
        assert said in result.stderr and "Traceback" not in result.output, (text, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    missing = run_cli("audit", tmp_path / "org", "--store", store, "--config", tmp_path / "nope.yaml")
    assert missing.code == 2 and "nope.yaml" in missing.stderr


def test_settings_an_audit_cannot_apply_are_named(tmp_path):
    new_repo(tmp_path / "org", "empty")
    config = team_config(tmp_path, "baseline: accepted.json\n")
    (config.parent / "accepted.json").write_text("{}")
    result = run_cli("audit", tmp_path / "org", "--store", tmp_path / "a.sqlite", "--config", config)
    assert "baseline" in result.stderr and "not applied" in result.stderr, result.output


def test_the_settings_reach_a_worker_without_the_files(tmp_path):
    """A Dask worker on another machine has neither the configuration nor its rule files: the job carries
    what they say."""
    import pickle
    import shutil

    from scanner.audit.task import configured_rules
    from scanner.cli.audit_config import audit_settings

    config = team_config(tmp_path, "rules: [rules]\ndisable: [github-pat-classic]\nallow:\n  stopwords: [sample]\n")
    sent = pickle.dumps(audit_settings(config))
    shutil.rmtree(config.parent)
    settings = pickle.loads(sent)
    ids = {rule.id for rule in configured_rules(settings).rules}
    assert "acme-token" in ids and "github-pat-classic" not in ids and len(ids) > 100
    assert len(settings.suppressors) == 1


# -- a changed policy reaches the commits audited before ------------------------------------------------------

REAUDIT = "policy changed since last audit: full re-audit"


def audit_with(tmp_path: Path, store: Path, config: Path):  # type: ignore[no-untyped-def]
    return run_cli("audit", tmp_path / "org", "--store", store, "--workers", "1", "--config", config)


def run_row(store: Path, run_id: int) -> list[tuple[object, ...]]:
    return rows(store, "SELECT incremental, commits, reaudit, dropped FROM run_repositories WHERE run_id = ?", run_id)


def test_a_changed_allowlist_makes_a_finding_of_an_old_commit_gone(tmp_path):
    repo, _ = repo_with_secret(tmp_path / "org", "api")
    repo.git("rm", "-q", "settings.py")
    repo.commit("the token leaves HEAD")  # so it lives only in a commit the first audit read
    store = tmp_path / "audit.sqlite"
    config = team_config(tmp_path, "exclude: ['vendor/**']\n")
    first = audit_with(tmp_path, store, config)
    assert first.code == 1, first.output
    [(fp,)] = rows(store, "SELECT fingerprint FROM findings")

    config.write_text("exclude: ['vendor/**']\nallowlists:\n  - rules: [github-pat-classic]\n"
                      "    regexes: ['^ghp_.*$']\n    paths: ['settings.py']\n    description: rotated in 2025\n")
    second = audit_with(tmp_path, store, config)
    assert second.code == 0, second.output
    assert f"{repo.path}: {REAUDIT}\n" in second.stderr
    assert "1 no longer reported" in second.stderr
    # the reason names the allowlist entry and the kind of condition, never the condition itself
    reason = f"no longer reported: allowlist {config}:2 #1: regex"
    assert f"{repo.path}: gone: {fp} critical github-pat-classic ghp_" in second.stdout
    assert f"({reason})\n" in second.stdout, second.stdout
    assert run_row(store, 2) == [(0, 3, REAUDIT, 1)]  # the whole history again, not the one new commit
    assert rows(store, "SELECT gone_reason FROM repo_findings WHERE fingerprint = ?", fp) == [(reason,)]
    assert rows(store, "SELECT count(*) FROM occurrences") == [(0,)]
    assert fp not in run_cli("findings", "--store", store).stdout
    for text in (b"rotated in 2025", b"^ghp_"):  # the configuration's text never enters the store
        assert text not in store_bytes(store)

    third = audit_with(tmp_path, store, config)
    assert third.code == 0 and REAUDIT not in third.stderr and third.stdout == "", third.output
    assert run_row(store, 3) == [(1, 0, "", 0)]

    config.write_text("exclude: ['vendor/**']\n")  # the allowlist withdrawn: the finding is back, as new
    fourth = audit_with(tmp_path, store, config)
    assert fourth.code == 1 and f"{repo.path}: new: {fp}" in fourth.stdout, fourth.output
    assert rows(store, "SELECT gone_reason FROM repo_findings") == [("",)]


def test_a_rule_added_by_the_configuration_finds_a_secret_in_an_old_commit(tmp_path):
    repo = new_repo(tmp_path / "org", "billing")
    repo.write("NOTES.md", f"Billing staging still talks to Acme with {ACME_TOKEN} until the March cut-over.\n")
    repo.commit("notes")
    repo.write("README.md", "# billing\n")
    repo.commit("readme")
    store = tmp_path / "audit.sqlite"
    config = team_config(tmp_path, "exclude: ['vendor/**']\n")
    first = audit_with(tmp_path, store, config)
    assert first.code == 0 and audited_rules(store) == [], first.output

    config.write_text("rules: [rules]\nexclude: ['vendor/**']\n")
    second = audit_with(tmp_path, store, config)
    assert second.code == 1, second.output
    assert f"{repo.path}: {REAUDIT}\n" in second.stderr
    assert audited_rules(store) == [("acme-token", "NOTES.md")]
    [(fp, commit)] = rows(store, "SELECT fingerprint, commit_id FROM occurrences")
    assert f"{repo.path}: new: {fp} low acme-token" in second.stdout
    assert commit == repo.git("rev-parse", "HEAD~1").strip()
    assert run_row(store, 2) == [(0, 2, REAUDIT, 0)]


def test_an_unchanged_configuration_keeps_re_audits_incremental(tmp_path):
    repo, _ = repo_with_secret(tmp_path / "org", "api")
    store = tmp_path / "audit.sqlite"
    text = "rules: [rules]\nallowlists:\n  - rules: [github-pat-classic]\n    paths: ['tests/**']\n"
    config = team_config(tmp_path, text)
    assert audit_with(tmp_path, store, config).code == 1
    assert run_row(store, 1) == [(0, 2, "", 0)]
    repo.write("app.py", "print('hello')\n")
    repo.commit("app")
    # the same policy, written differently: a comment moves every entry a line down
    config.write_text("# the security team's audit policy\n" + text)
    second = audit_with(tmp_path, store, config)
    assert second.code == 1 and REAUDIT not in second.stderr, second.output
    assert run_row(store, 2) == [(1, 1, "", 0)]  # only the new commit was read


def test_changed_limits_audit_every_repository_in_full_once(tmp_path):
    repo_with_secret(tmp_path / "org", "api")
    store = tmp_path / "audit.sqlite"
    for run, flags, expected in ((1, (), (0, 2, "", 0)), (2, (), (1, 0, "", 0)),
                                 (3, ("--max-archive-depth", "1"), (0, 2, REAUDIT, 0)),
                                 (4, ("--max-archive-depth", "1"), (1, 0, "", 0)),
                                 (5, ("--max-archive-depth", "1", "--max-file-size", "1MB"), (0, 2, REAUDIT, 0))):
        result = run_cli("audit", tmp_path / "org", "--store", store, "--workers", "1", *flags)
        assert result.code == 1, result.output
        assert run_row(store, run) == [expected], (run, result.stderr)
