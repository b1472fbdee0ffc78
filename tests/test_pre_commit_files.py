"""`scan --pre-commit FILES`: the pre-commit framework's hook scans the files it is handed.

In a commit those are the staged files and only what the commit adds is scanned; a file with nothing
staged (`pre-commit run --all-files`, pre-commit.ci, `--files`) is scanned whole."""

from __future__ import annotations

from git_fixtures import commit_file, findings, stripe_line
from secrets_fixtures import AWS_KEY_ID, GITHUB, STRIPE
from source_checkout import run_leakstop_anywhere


def pre_commit(repo, *files: str, env: dict[str, str] | None = None):
    return run_leakstop_anywhere("scan", "--pre-commit", *files, "--format", "json", cwd=repo.path, env=env)


def committed_keys(repo) -> None:
    commit_file(repo, "app/settings.py", stripe_line(STRIPE), "settings")
    commit_file(repo, "deploy.env", f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n", "deploy")
    commit_file(repo, "tools/token.txt", f'token = "{GITHUB}"\n', "token")


def test_files_with_nothing_staged_are_scanned_whole(repo):
    committed_keys(repo)
    result = pre_commit(repo, "app/settings.py", "deploy.env", "tools/token.txt")
    assert result.code == 1, result.output
    assert sorted(f["path"] for f in findings(result)) == ["app/settings.py", "deploy.env", "tools/token.txt"]


def test_staged_files_are_scanned_for_what_the_commit_adds_only(repo):
    committed_keys(repo)
    repo.write("app/settings.py", stripe_line(STRIPE) + "DEBUG = False\n")
    repo.git("add", "app/settings.py")
    assert pre_commit(repo, "app/settings.py").code == 0


def test_staged_files_not_passed_are_not_scanned(repo):
    """pre-commit's `exclude` leaves the file out of the list; the hook honours that."""
    commit_file(repo, "README.md", "hello\n", "start")
    repo.write("fixtures/fake.env", stripe_line(STRIPE))
    repo.write("app.py", "print('hello')\n")
    repo.git("add", "--all")
    assert pre_commit(repo, "app.py").code == 0
    assert pre_commit(repo, "app.py", "fixtures/fake.env").code == 1


def test_no_files_scans_the_whole_staged_diff(repo):
    repo.write("a.txt", stripe_line(STRIPE))
    repo.git("add", "a.txt")
    assert pre_commit(repo).code == 1
