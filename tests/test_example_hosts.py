"""A password in a URL on a documentation host (`*.example.com`): a reader's stand-in, unless it looks generated."""

from __future__ import annotations

import pytest

from scanner.engine.match import scan_fragment
from scanner.fragment import Fragment
from scanner.ruleset.rule_set import RuleSet, load_ruleset


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return load_ruleset()


def verdicts(ruleset: RuleSet, text: str) -> list[tuple[str, str, str]]:
    result = scan_fragment(ruleset, Fragment(text=text, path="deploy/settings.env"), keep_dropped=True)
    return [(m.rule.id, m.secret, m.dropped_by) for m in result.matches]


GENERATED = "Wq4vR8kTz2Lm6pXn"
"""A generated password, put into the URLs only when a test runs: leakstop scans its own repository."""


@pytest.mark.parametrize(("url", "rule"), [
    ("DATABASE_URL=postgres://billing:{pw}@db.example.com:5432/billing", "database-url-postgres"),
    ("REDIS_URL=rediss://default:{pw}@cache.eu.example.org:6380/0", "database-url-redis"),
    ("remote = https://ci-bot:{pw}@git.example.net/platform/api.git", "url-basic-auth-credentials"),
])
def test_a_generated_password_on_a_documentation_host_is_reported(ruleset, url, rule):
    assert (rule, GENERATED, "") in verdicts(ruleset, url.format(pw=GENERATED))


@pytest.mark.parametrize("text", [
    "DATABASE_URL=postgres://user:s3cr3tPa55@db.example.com/app",  # an example word, however spelt
    "REDIS_URL=redis://default:mypassword@cache.example.org:6379",
    "proxy = http://deploy:Password1@proxy.example.com:3128",  # a word and a digit
    "remote = https://ci-bot:changeit@git.example.net/platform/api.git",
])
def test_a_stand_in_on_a_documentation_host_is_dropped(ruleset, text):
    found = verdicts(ruleset, text)
    assert found and all(dropped for _, _, dropped in found)


def test_the_same_stand_in_on_a_real_host_is_still_judged_as_a_password(ruleset):
    """The host decides only how random a password must look: a chosen one is kept on a company's host."""
    chosen = "DATABASE_URL=postgres://deploy:{pw}@db.{host}:5432/app"
    on = {host: [(rule, dropped) for rule, _, dropped in verdicts(ruleset, chosen.format(pw="BlueHorse42", host=host))]
          for host in ("acme-corp.io", "example.com")}
    assert on == {"acme-corp.io": [("database-url-postgres", "")],
                  "example.com": [("database-url-postgres", "filter:example-host")]}
