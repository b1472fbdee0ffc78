"""Forge links: the remote's spellings map to one web URL; unknown hosts and odd paths get no link."""

from __future__ import annotations

import pytest

from scanner.git.forge import forge_for


@pytest.mark.parametrize(
    "remote",
    [
        "https://github.com/acme/payments.git",
        "https://ci-bot:s3cr3tvalue@github.com/acme/payments",
        "git@github.com:acme/payments.git",
        "ssh://git@github.com/acme/payments.git",
    ],
)
def test_github_spellings_share_one_home(remote: str) -> None:
    forge = forge_for(remote)
    assert forge is not None
    assert forge.base == "https://github.com/acme/payments"
    assert forge.commit_url("ab12") == "https://github.com/acme/payments/commit/ab12"
    assert forge.line_url("ab12", "src/my app.py", 7) == "https://github.com/acme/payments/blob/ab12/src/my%20app.py#L7"


def test_gitlab_subgroups_and_self_hosted() -> None:
    forge = forge_for("git@gitlab.example.org:platform/infra/deploy.git")
    assert forge is not None and forge.kind == "gitlab"
    assert forge.commit_url("cd34") == "https://gitlab.example.org/platform/infra/deploy/-/commit/cd34"
    assert forge.line_url("cd34", "a.tf", 3) == "https://gitlab.example.org/platform/infra/deploy/-/blob/cd34/a.tf#L3"


@pytest.mark.parametrize(
    "remote",
    ["/srv/git/repo.git", "file:///srv/git/repo.git", "https://example.com/acme/repo.git", "https://github.com/acme",
     "https://github.com/acme/../x", "ext::sh -c touch% /tmp/x", ""],
)
def test_no_link_rather_than_a_wrong_one(remote: str) -> None:
    assert forge_for(remote) is None
