"""Tree and stdin scans through the real CLI: right place, right exit code, nothing leaked."""

from __future__ import annotations

from pathlib import Path

import pytest
from secrets_fixtures import ALL, AWS_KEY_ID, AWS_SECRET, DB_PASSWORD, GITHUB, OPENAI, PRIVATE_KEY, SLACK, STRIPE

PLANTED = {
    "app/settings.py": f'DEBUG = False\nSTRIPE_SECRET_KEY = "{STRIPE}"\n',
    "deploy/aws.env": f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n",
    "ai.py": f'import openai\n\nclient = openai.OpenAI(api_key="{OPENAI}")\n',
    "ci/token.txt": f"token: {GITHUB}\n",
    "notify.js": f"const slack = new WebClient('{SLACK}');\n",
    "keys/server.pem": PRIVATE_KEY,
    ".env": f"DB_HOST=db.internal\nDB_PASSWORD={DB_PASSWORD}\n",
}


def plant(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)


def where(content: str, secret: str) -> tuple[int, int]:
    offset = content.index(secret)
    line = content.count("\n", 0, offset) + 1
    column = offset - (content.rfind("\n", 0, offset) + 1) + 1
    return line, column


def test_planted_tree_reports_each_secret_at_its_line_and_column(tmp_path, leakstop):
    plant(tmp_path, PLANTED)
    result = leakstop("scan", tmp_path, "--format", "json")
    assert result.code == 1, result.stderr
    findings = result.json()["findings"]
    located = {(f["path"], f["line"], f["column"]) for f in findings}
    expected = {
        "app/settings.py": STRIPE, "ai.py": OPENAI, "ci/token.txt": GITHUB, "notify.js": SLACK,
        ".env": DB_PASSWORD,
    }
    for path, secret in expected.items():
        assert (path, *where(PLANTED[path], secret)) in located, (path, located)
    assert ("deploy/aws.env", *where(PLANTED["deploy/aws.env"], AWS_KEY_ID)) in located
    assert ("deploy/aws.env", *where(PLANTED["deploy/aws.env"], AWS_SECRET)) in located
    pem = [f for f in findings if f["path"] == "keys/server.pem"]
    assert pem and pem[0]["line"] == 1 and pem[0]["end_line"] >= 5


def test_same_tree_without_secrets_is_clean(tmp_path, leakstop):
    plant(tmp_path, {"app/settings.py": "DEBUG = False\n", ".env": "DB_HOST=db.internal\n"})
    result = leakstop("scan", tmp_path)
    assert result.code == 0, result.output
    assert "No secrets found" in result.stdout


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_full_secret_in_any_output_unless_asked(tmp_path, leakstop, fmt):
    plant(tmp_path, PLANTED)
    result = leakstop("scan", tmp_path, "--format", fmt, "--verbose")
    assert result.code == 1
    for secret in [*ALL.values(), PRIVATE_KEY.splitlines()[2]]:
        assert secret not in result.output
    shown = leakstop("scan", tmp_path, "--format", fmt, "--show-secrets")
    assert STRIPE in shown.stdout


def test_stdin_dash_and_flag(leakstop):
    data = f"export STRIPE_KEY={STRIPE}\n".encode()
    for args in (["scan", "-"], ["scan", "--stdin"]):
        result = leakstop(*args, "--format", "json", input=data)
        assert result.code == 1
        [finding] = [f for f in result.json()["findings"] if f["rule_id"] == "stripe-secret-key"]
        assert (finding["path"], finding["line"], finding["column"]) == ("-", 1, 19)
    assert leakstop("scan", "-", input=b"hello\n").code == 0


def test_git_work_tree_honours_gitignore(repo, leakstop):
    repo.write(".gitignore", "local.env\n")
    repo.write("local.env", f"STRIPE={STRIPE}\n")
    repo.write("tracked.py", "print('hi')\n")
    assert leakstop("scan", repo.path).code == 0
    assert leakstop("scan", repo.path, "--no-git").code == 1


def test_output_file_and_exit_zero(tmp_path, leakstop):
    plant(tmp_path / "t", {"a.py": f"k = '{STRIPE}'\n"})
    out = tmp_path / "report.json"
    result = leakstop("scan", tmp_path / "t", "--format", "json", "--output", out, "--exit-zero")
    assert result.code == 0
    assert "1 secret found" in result.stderr
    assert '"stripe-secret-key"' in out.read_text()


def test_version(leakstop):
    result = leakstop("--version")
    assert result.code == 0 and "leakstop" in result.stdout


def test_provider_rule_outranks_generic_rule_on_the_same_secret(tmp_path, leakstop):
    (tmp_path / "settings.py").write_text(f'STRIPE_API_KEY = "{STRIPE}"\npassword = "{DB_PASSWORD}"\n')
    result = leakstop("scan", tmp_path, "--format", "json")
    assert result.code == 1
    assert sorted((f["line"], f["provider"]) for f in result.json()["findings"]) == [(1, "Stripe"), (2, "Generic")]
