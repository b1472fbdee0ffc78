"""What a first-time user runs into across commands: a mistyped path, a warning's prefix, a help text that
matches what the flag does."""

from __future__ import annotations


def test_config_show_of_a_missing_folder_is_an_error_not_the_defaults(leakstop, tmp_path):
    result = leakstop("config", "show", tmp_path / "no-such-project", cwd=tmp_path)
    assert result.code == 2, result.output
    assert result.stderr.strip() == f"leakstop: error: {tmp_path / 'no-such-project'}: no such file or folder"
    assert "configuration:" not in result.stdout


def test_config_show_prefixes_its_warnings_as_scan_does(leakstop, tmp_path):
    (tmp_path / ".leakstop.yaml").write_text("allow:\n  stopwords: [ab]\n", encoding="utf-8")
    shown = leakstop("config", "show", tmp_path, cwd=tmp_path)
    scanned = leakstop("scan", "--no-git", "-f", "json", tmp_path, cwd=tmp_path)
    assert shown.code == 0 and scanned.code == 0, shown.output + scanned.output
    warning = [line for line in scanned.stderr.splitlines() if "stopword" in line]
    assert warning and warning[0].startswith("leakstop: warning: ")
    assert warning[0] in shown.stderr.splitlines()


def test_a_missing_configured_baseline_suggests_the_documented_flag(leakstop, repo):
    repo.write(".leakstop.yaml", "baseline: ci/accepted.json\n")
    repo.write("ci/README", "the baseline goes here\n")
    repo.commit("configure")
    result = leakstop("scan", repo.path, cwd=repo.path)
    assert result.code == 2
    suggested = result.stderr.split("`leakstop ", 1)[1].split("`", 1)[0].split()
    assert suggested[:3] == ["baseline", "create", "-b"], result.stderr
    assert leakstop(*suggested, cwd=repo.path).code == 0
    assert leakstop("scan", repo.path, cwd=repo.path).code == 0


def test_rules_new_keeps_an_accented_provider_name_readable(leakstop, tmp_path):
    result = leakstop("rules", "new", "Zürich Pay", cwd=tmp_path)
    assert result.code == 0, result.output
    text = (tmp_path / "zurich-pay.yaml").read_text(encoding="utf-8")
    assert 'provider: "Zürich Pay"' in text
    assert "  - id: zurich-pay-api-key" in text


def test_selftest_outside_a_repository_says_no_hook_of_yours_was_tested(leakstop, tmp_path):
    result = leakstop("selftest", cwd=tmp_path)
    assert result.code == 0, result.output
    assert result.stdout.startswith("OK: a fresh leakstop pre-commit hook (not inside a git repository")
    assert "leakstop-hooks-" not in result.output, "a throw-away path that no longer exists says nothing"


def every_command():  # type: ignore[no-untyped-def]
    import click

    from scanner.cli.main import main

    ctx = click.Context(main)
    stack = [(name, main.get_command(ctx, name)) for name in main.list_commands(ctx)]
    while stack:
        name, command = stack.pop()
        if isinstance(command, click.Group):
            stack += [(f"{name} {sub}", command.get_command(ctx, sub)) for sub in command.list_commands(ctx)]
        else:
            yield name, command


def test_every_visible_option_of_every_command_says_what_it_does():
    import click

    silent = [f"leakstop {name} {param.opts[-1]}" for name, command in every_command() for param in command.params
              if isinstance(param, click.Option) and not param.hidden and not param.help]
    assert silent == []


def test_quiet_does_what_its_help_says(leakstop, tmp_path):
    (tmp_path / ".leakstop.yaml").write_text("allow:\n  stopwords: [ab]\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("nothing here\n", encoding="utf-8")
    helped = " ".join(leakstop("scan", "--help").stdout.split())
    assert "-q, --quiet Nothing on stderr but an error that stops the scan (no summary, progress or warnings)" \
        in helped
    quiet = leakstop("scan", "-q", "--no-git", "-f", "json", tmp_path, cwd=tmp_path)
    assert quiet.code == 0 and quiet.stderr == ""
    stopped = leakstop("scan", "-q", tmp_path / "missing", cwd=tmp_path)
    assert stopped.code == 2 and stopped.stderr.startswith("leakstop: error: ")


def test_a_format_that_no_output_gets_is_an_error_not_a_silent_switch(leakstop, tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here\n", encoding="utf-8")
    report = tmp_path / "report.json"
    result = leakstop("scan", "--no-git", tmp_path, "-f", "sarif", "-o", report, cwd=tmp_path)
    assert result.code == 2, result.output
    assert result.stderr.strip() == (f"leakstop: error: -f sarif reaches no output: {report} is written as json, "
                                     "as its extension says (name the file *.sarif, or add -o - for stdout)")
    assert not report.exists()
    both = leakstop("scan", "--no-git", tmp_path, "-f", "github", "-o", "-", "-o", report, cwd=tmp_path)
    assert both.code == 0 and report.is_file(), "the Action's -f github -o - -o FILE.sarif stays as it is"
    plain = leakstop("scan", "--no-git", tmp_path, "-f", "json", "-o", tmp_path / "report.out", cwd=tmp_path)
    assert plain.code == 0 and (tmp_path / "report.out").read_text().startswith("{")


def test_show_secrets_and_redact_together_are_refused_like_other_contradictions(leakstop, tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here\n", encoding="utf-8")
    for redact in ("--redact", "--redact=20"):
        result = leakstop("scan", "--no-git", tmp_path, "--show-secrets", redact, cwd=tmp_path)
        assert result.code == 2, result.output
        assert result.stderr.strip() == "leakstop: error: choose one of --show-secrets, --redact"


def test_rule_flags_name_rules_the_configuration_turned_off_without_calling_them_unknown(leakstop, tmp_path):
    (tmp_path / ".leakstop.yaml").write_text("disable: [stripe-secret-key]\nmin_severity: high\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("nothing here\n", encoding="utf-8")
    again = leakstop("scan", "--no-git", tmp_path, "--disable-rule", "stripe-secret-key", cwd=tmp_path)
    assert again.code == 0, again.output  # a hook's flag that repeats the configuration is no mistake
    below = leakstop("scan", "--no-git", tmp_path, "--disable-rule", "generic-password-assignment", cwd=tmp_path)
    assert below.code == 0, below.output
    only_off = leakstop("scan", "--no-git", tmp_path, "--enable-rule", "stripe-secret-key", cwd=tmp_path)
    assert only_off.code == 2
    assert "no rule has this id" not in only_off.stderr
    assert "configuration" in only_off.stderr and only_off.stderr.count("\n") == 1, only_off.stderr
    typo = leakstop("scan", "--no-git", tmp_path, "--disable-rule", "stripe-secret-kye", cwd=tmp_path)
    assert typo.code == 2 and "no rule has this id" in typo.stderr


def test_a_missing_configuration_named_by_the_environment_says_where_it_was_named(leakstop, tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here\n", encoding="utf-8")
    missing = tmp_path / "ci" / "leakstop.yaml"
    for command in (("scan", "--no-git", tmp_path), ("config", "show", tmp_path)):
        result = leakstop(*command, cwd=tmp_path, env={"LEAKSTOP_CONFIG": str(missing)})
        assert result.code == 2, result.output
        assert result.stderr == f"leakstop: error: {missing}: no such configuration file (named by LEAKSTOP_CONFIG)\n"
    flag = leakstop("scan", "--no-git", tmp_path, "--config", missing, cwd=tmp_path)
    assert flag.stderr == f"leakstop: error: {missing}: no such configuration file\n"


def readme_json_example() -> dict:  # type: ignore[type-arg]
    import json
    import re

    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## JSON report\s+```json\n(.*?)```", readme, re.S)
    assert block is not None
    return json.loads(block.group(1).replace("...", ""))  # type: ignore[no-any-return]


def test_the_readme_json_example_has_the_fields_a_real_report_has(leakstop, tmp_path):
    from secrets_fixtures import STRIPE

    (tmp_path / "settings.py").write_text(f'STRIPE_SECRET_KEY = "{STRIPE}"\n', encoding="utf-8")
    real = leakstop("scan", "--no-git", tmp_path, "-f", "json", cwd=tmp_path).json()
    example = readme_json_example()
    assert list(example) == list(real)
    assert set(example["stats"]) == set(real["stats"])
    assert set(example["findings"][0]) == set(real["findings"][0])


def test_rules_check_counts_and_warns_as_scan_does(leakstop, tmp_path):
    (tmp_path / "zephyr.yaml").write_text(
        "provider: Zephyr\nrules:\n  - id: zephyr-token\n    name: Zephyr token\n    keywords: [zph_]\n"
        "    pattern: '\\bzph_[A-Za-z0-9]{28}\\b'\n    examples: ['ZEPHYR_TOKEN=zph_Vb7Qk2Lm9Xw4Rt8Np3Zc6Hd1Jf5G']\n"
        "    remediation: Revoke it in the Zephyr console.\n", encoding="utf-8")
    result = leakstop("rules", "check", "--rules-path", tmp_path / "zephyr.yaml", cwd=tmp_path)
    assert result.code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[-1] == "1 rule checked, 0 problems"
    assert all(line.startswith("leakstop: warning: ") for line in lines[:-1]) and len(lines) == 2
