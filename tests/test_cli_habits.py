"""The habits people bring from gitleaks and TruffleHog: the flags they type first work as they expect."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from secrets_fixtures import GITHUB, STRIPE

from scanner.engine.parallel import CHUNK
from scanner.findings import Finding
from scanner.fragment import Fragment
from scanner.report import ScanStats
from scanner.ruleset.rule_set import load_ruleset
from scanner.scan import ScanRequest, scan
from scanner.sources import Source, SourceItem


def two_secrets(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "billing.py").write_text(f'STRIPE_SECRET_KEY = "{STRIPE}"\n')
    (folder / "deploy.sh").write_text(f"export GITHUB_TOKEN={GITHUB}\n")
    return folder


def rule_ids(result) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(f["rule_id"] for f in result.json()["findings"])


def test_enable_and_disable_rule_by_id_glob_or_provider(leakstop, tmp_path):
    folder = two_secrets(tmp_path)
    everything = rule_ids(leakstop("scan", folder, "-f", "json"))
    assert "stripe-secret-key" in everything and any(r.startswith("github") for r in everything)
    assert rule_ids(leakstop("scan", folder, "-f", "json", "--enable-rule", "stripe-secret-key")) == \
        ["stripe-secret-key"]
    without_stripe = rule_ids(leakstop("scan", folder, "-f", "json", "--disable-rule", "stripe"))
    assert without_stripe and "stripe-secret-key" not in without_stripe
    only_github = rule_ids(leakstop("scan", folder, "-f", "json", "--enable-rule", "github-*"))
    assert only_github and all(r.startswith("github") for r in only_github)
    typo = leakstop("scan", folder, "--disable-rule", "stripe-secret-kye")
    assert typo.code == 2 and typo.stderr.startswith("leakstop: error: --disable-rule stripe-secret-kye")


def test_exclude_on_the_command_line(leakstop, tmp_path):
    folder = two_secrets(tmp_path)
    result = leakstop("scan", folder, "-f", "json", "--exclude", "*.sh", "--exclude", "nothing/")
    assert rule_ids(result) == ["stripe-secret-key"]
    assert result.json()["stats"]["excluded"] == 1
    everything = leakstop("scan", folder, "-f", "json", "--exclude", "**")
    assert "--exclude '**' matches every path; nothing will be scanned" in everything.stderr


def test_log_level_decides_what_reaches_stderr(leakstop, tmp_path):
    folder = two_secrets(tmp_path)
    config = tmp_path / "ls.yaml"
    config.write_text("max_file_size: 100\n")  # warned about: nearly every file skipped
    (folder / "notes.txt").write_text("plain words\n" * 20)
    args = ("scan", folder, "-f", "json", "--config", config)
    info = leakstop(*args)
    assert "leakstop: warning:" in info.stderr and "Scanned" in info.stderr
    warning = leakstop(*args, "--log-level", "warning")
    assert "leakstop: warning:" in warning.stderr and "Scanned" not in warning.stderr
    error = leakstop(*args, "--log-level", "error")
    assert error.stderr == ""
    debug = leakstop(*args, "--log-level", "debug")
    assert "leakstop: skipped notes.txt: larger than --max-file-size" in debug.stderr
    assert "leakstop: skipped" not in info.stderr
    assert warning.json()["findings"] == info.json()["findings"] == error.json()["findings"]


def test_color_auto_always_never_and_no_color(leakstop, tmp_path):
    folder = two_secrets(tmp_path)
    # The tests run with NO_COLOR=1 and stdout is a pipe: auto stays plain, always colours anyway.
    assert "\x1b[" not in leakstop("scan", folder).stdout
    assert "\x1b[" in leakstop("scan", folder, "--color", "always").stdout
    assert "\x1b[" not in leakstop("scan", folder, "--color", "never").stdout
    assert "\x1b[" not in leakstop("scan", folder, "--color", "always", "--no-color").stdout


def test_leakstop_config_names_the_configuration(leakstop, tmp_path):
    folder = two_secrets(tmp_path)
    config = tmp_path / "team.yaml"
    config.write_text('exclude: ["*.py"]\n')
    result = leakstop("scan", folder, "-f", "json", env={"LEAKSTOP_CONFIG": str(config)})
    assert "stripe-secret-key" not in rule_ids(result)
    assert result.json()["stats"]["config"] == str(config)
    flag_wins = leakstop("scan", folder, "-f", "json", "--config", tmp_path / "none.yaml",
                         env={"LEAKSTOP_CONFIG": str(config)})
    assert flag_wins.code == 2 and "none.yaml: no such configuration file" in flag_wins.stderr


def test_redact_shows_the_share_asked_for_and_never_the_whole(leakstop, tmp_path):
    folder = two_secrets(tmp_path)

    def shown(*flags: str) -> str:
        result = leakstop("scan", folder, "-f", "json", "--enable-rule", "stripe-secret-key", *flags)
        return str(result.json()["findings"][0]["secret"])

    default = shown()
    assert shown("--redact") == default and STRIPE not in default
    assert shown("--redact=0") == "********"
    assert shown("--redact=50") == STRIPE[:len(STRIPE) // 2] + "********"
    whole = leakstop("scan", folder, "--redact=100")
    assert whole.code == 2 and "--show-secrets" in whole.stderr and STRIPE not in whole.output


def test_jsonl_writes_one_finding_per_line(leakstop, tmp_path):
    folder = two_secrets(tmp_path)
    result = leakstop("scan", folder, "-f", "jsonl")
    assert result.code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(f["rule_id"] for f in lines) == rule_ids(leakstop("scan", folder, "-f", "json"))
    assert all(STRIPE not in line and GITHUB not in line for line in result.stdout.splitlines())
    assert "Scanned 2 files" in result.stderr
    leakstop("scan", folder, "-o", tmp_path / "r.jsonl")
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == len(lines)


class Recorded(Source):
    """A key in the first file, then more files than one batch of the engine, then a second key; notes
    when each key's file is handed out."""

    description = "recorded"

    def __init__(self, events: list[str]) -> None:
        self.events = events

    def items(self, stats: ScanStats) -> Iterator[SourceItem]:
        files = [("a.py", f'STRIPE_SECRET_KEY = "{STRIPE}"\n')]
        files += [(f"plain{i}.txt", "nothing to see\n") for i in range(3 * CHUNK)]
        files += [("b.sh", f"TOKEN={GITHUB}\n")]
        for name, text in files:
            if not name.startswith("plain"):
                self.events.append(f"read {name}")
            stats.files += 1
            yield Fragment(text, name)


def test_findings_are_handed_out_as_they_are_made():
    events: list[str] = []

    def found(finding: Finding) -> None:
        events.append(f"found {finding.first.path}")

    report = scan(ScanRequest(source=Recorded(events), ruleset=load_ruleset([], builtin=True), on_finding=found))
    assert len(report.findings) >= 2
    assert events.index("found a.py") < events.index("read b.sh")


def test_usage_errors_in_the_one_error_style(leakstop):
    result = leakstop("scan", "--no-such-flag")
    assert result.code == 2
    assert result.stderr.splitlines() == ["leakstop: error: No such option '--no-such-flag'.",
                                          "Try 'leakstop scan --help' for help."]
    bad_value = leakstop("scan", "--max-file-size", "lots")
    assert bad_value.code == 2 and bad_value.stderr.startswith("leakstop: error: Invalid value for '--max-file-size'")
    assert leakstop("scna").stderr.startswith("leakstop: error: No such command 'scna'.")


def test_top_level_help_shows_whole_descriptions(leakstop):
    text = leakstop("--help").stdout
    assert "..." not in text.split("Commands:")[1]
    assert "a different secret is never hidden" in " ".join(text.split())
    group_help = leakstop("baseline", "--help").stdout
    assert "..." not in group_help.split("Commands:")[1] and "no line numbers, no dates" in " ".join(group_help.split())


def test_a_url_is_pointed_at_audit(leakstop):
    for url in ("https://github.com/octo/app", "git@github.com:octo/app.git", "ssh://git@gitlab.com/octo/app"):
        result = leakstop("scan", url)
        assert result.code == 2
        assert "leakstop audit URL" in result.stderr and "no such file" not in result.stderr
    token = leakstop("scan", "https://octo:s3cr3tvalue@github.com/octo/app")
    assert "s3cr3tvalue" not in token.output


def test_baseline_commands_share_one_flag(leakstop, tmp_path):
    folder = two_secrets(tmp_path)
    created = leakstop("baseline", "create", folder, "-b", tmp_path / "b.json")
    assert created.code == 0 and (tmp_path / "b.json").is_file()
    old = leakstop("baseline", "create", folder, "-o", tmp_path / "old.json")
    assert old.code == 0 and (tmp_path / "old.json").read_text() == (tmp_path / "b.json").read_text()
    assert leakstop("baseline", "update", folder, "--baseline", tmp_path / "b.json").code == 0
    help_text = leakstop("baseline", "create", "--help").stdout
    assert "-b, --baseline" in help_text and "--output" not in help_text


def test_sizes_in_decimal_and_binary_units():
    from scanner.value_checks import byte_size, human_size

    assert byte_size("10MiB") == 10 * 1024**2
    assert byte_size("10MB") == 10 * 1000**2
    assert byte_size("10M") == byte_size("10m") == 10 * 1024**2  # a bare letter is binary, as git reads it
    assert byte_size("512k") == byte_size("512KiB") == 512 * 1024
    assert byte_size("1.5 GB") == 1_500_000_000
    assert [human_size(n) for n in (10 * 1024**2, 5 * 1000**2, 1500)] == ["10MiB", "5MB", "1500B"]


def test_config_show_prints_sizes_as_people_write_them(leakstop, tmp_path):
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / ".leakstop.yaml").write_text("max_file_size: 5MB\n")
    shown = leakstop("config", "show", tmp_path / "team").stdout
    assert "max_file_size      5MB " in shown and "5000000" not in shown
    (tmp_path / "plain").mkdir()
    assert "10MiB" in leakstop("config", "show", tmp_path / "plain").stdout


def test_counts_read_naturally_and_an_empty_repository_says_so(leakstop, repo):
    empty = leakstop("scan", "--history", repo.path)
    assert empty.code == 0 and "empty repository (no commits yet)" in empty.output
    assert "Scanned 0 commits" in empty.output
    since = leakstop("scan", "--since-commit", "HEAD~1", repo.path)
    assert since.code == 2 and "empty repository" in since.stderr
    repo.write("notes.txt", "nothing secret\n")
    repo.commit("first")
    one = leakstop("scan", "--history", repo.path)
    assert "Scanned 1 commit, 1 blob " in one.output


def dated_commit(repo, monkeypatch, name: str, text: str, date: str) -> str:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GIT_AUTHOR_DATE", date)
    monkeypatch.setenv("GIT_COMMITTER_DATE", date)
    repo.write(name, text)
    return str(repo.commit(f"add {name}"))


def test_since_takes_a_date_as_git_does_and_since_commit_a_revision(leakstop, repo, monkeypatch):
    first = dated_commit(repo, monkeypatch, "billing.py", f'STRIPE_SECRET_KEY = "{STRIPE}"\n', "2020-01-01T10:00:00")
    dated_commit(repo, monkeypatch, "deploy.sh", f"export GITHUB_TOKEN={GITHUB}\n", "2024-06-01T10:00:00")

    def scanned(*flags: str):  # type: ignore[no-untyped-def]
        result = leakstop("scan", *flags, repo.path, "-f", "json")
        return result, sorted({f["path"] for f in result.json()["findings"]}) if result.stdout else None

    assert scanned("--since", "2023-01-01")[1] == ["deploy.sh"]
    assert scanned("--since", "2019-12-31")[1] == ["billing.py", "deploy.sh"]  # all of HEAD's history is newer
    assert scanned("--since", "1 week ago")[1] == []
    assert scanned("--since", "1000 weeks ago")[1] == ["billing.py", "deploy.sh"]
    by_commit, paths = scanned("--since-commit", first)
    assert paths == ["deploy.sh"] and "deprecated" not in by_commit.stderr
    old_spelling, paths = scanned("--since", first)
    assert paths == ["deploy.sh"]
    assert f"leakstop: warning: --since {first}: a revision given to --since is deprecated; use --since-commit" \
        in old_spelling.stderr
    nonsense = leakstop("scan", "--since", "whenever-ish", repo.path)
    assert nonsense.code == 2 and "not a date" in nonsense.stderr
    both = leakstop("scan", "--since", "2023-01-01", "--since-commit", first, repo.path)
    assert both.code == 2 and "choose one of --since, --since-commit" in both.stderr


def test_dates_are_told_from_revisions():
    from scanner.cli.git_modes import looks_like_date

    dates = ("2024-01-01", "2024-01-01 12:30", "2024-01-01T12:30:00+02:00", "2 weeks ago", "2.weeks.ago",
             "yesterday", "last month", "Jan 5 2024", "5 january 2024", "@1700000000", "2024/01/05")
    revisions = ("HEAD~3", "main", "v1.2.0", "origin/release", "a1b2c3d", "feature/jan", "2024-01-01-hotfix")
    assert all(looks_like_date(d) for d in dates)
    assert not any(looks_like_date(r) for r in revisions)


ACME_RULES = """provider: Acme
rules:
  - id: {rule_id}
    name: Acme deploy token
    severity: high
    confidence: high
    keywords: [acmedt_]
    pattern: '\\b(acmedt_[0-9a-f]{{32}})\\b'
    secret_group: 1
    examples:
      - 'ACME_TOKEN=acmedt_9f3b2c7d1e0a4b6c8d2e5f7a9b1c3d5e'
      - 'token: "acmedt_0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f"'
    negative_examples:
      - 'ACME_TOKEN=acmedt_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
      - 'see acmedt_ tokens in the docs'
    references: ['https://acme.invalid/docs/tokens']
    remediation: Revoke the token in Acme's console.
"""


def test_rules_check_reads_rules_path_as_scan_does(leakstop, tmp_path):
    mine = tmp_path / "acme.yaml"
    mine.write_text(ACME_RULES.format(rule_id="acme-deploy-token"))
    checked = leakstop("rules", "check", "--rules-path", mine)
    assert checked.code == 0, checked.output
    assert "1 rule checked" in checked.stderr  # the extra file's rules, next to the built-in ones
    mine.write_text(ACME_RULES.format(rule_id="stripe-secret-key"))
    clash = leakstop("rules", "check", "--rules-path", mine)
    assert clash.code == 1 and "a built-in rule has this id" in clash.stderr
    assert leakstop("rules", "check", "--rules-path", mine, "--no-builtin-rules").code == 0
