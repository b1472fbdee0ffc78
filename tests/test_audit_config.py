"""`leakstop audit --config FILE` applies one configuration (its rules, disable, thresholds, exclude and
allowlists) to every audited repository; a configuration inside an audited repository is never applied."""

from __future__ import annotations

from pathlib import Path

from audit_fixtures import github_token, new_repo, repo_with_secret, rows, run_cli
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
    assert audited_rules(plain) == [("generic-api-key-assignment", "deploy/acme.env"),
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
