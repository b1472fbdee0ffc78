"""A token spoilt by one stray symbol (`...Rt7!Vw4...`) is no token: the way tests of detectors write a near
miss. Neither its part before the symbol nor a generic value holding the symbol is reported; a password,
which people do write with one `!`, still is."""

from __future__ import annotations

import random
import string

import pytest

from scanner.engine.match import scan_fragment
from scanner.fragment import Fragment
from scanner.ruleset.rule_set import RuleSet, load_ruleset

RNG = random.Random(20261205)
ALNUM = string.ascii_letters + string.digits
GHP = "ghp_" + "".join(RNG.choice(ALNUM) for _ in range(40))
KEY = "".join(RNG.choice(ALNUM) for _ in range(28))
HOOK = ("https://hooks.slack.com/services/T" + "".join(RNG.choice(string.ascii_uppercase) for _ in range(10))
        + "/B" + "".join(RNG.choice(string.ascii_uppercase) for _ in range(10)) + "/"
        + "".join(RNG.choice(ALNUM) for _ in range(24)))


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return load_ruleset()


def reported(ruleset: RuleSet, text: str, path: str = "app/settings.py") -> list[tuple[str, str]]:
    result = scan_fragment(ruleset, Fragment(text=text, path=path), keep_dropped=True)
    return [(m.rule.id, m.dropped_by) for m in result.matches]


@pytest.mark.parametrize("text", [
    f'token = "{GHP[:30]}!{GHP[31:]}"',  # the prefixed rule would report the part before the `!`
    f"GITHUB_TOKEN={GHP[:30]}?{GHP[31:]}",
    f'ledger_api_key = "{KEY[:14]}!{KEY[15:]}"',  # the generic rule would report the whole value
    f"ledger_token: {KEY[:14]}*{KEY[15:]}",
])
def test_a_token_spoilt_by_one_stray_symbol_is_not_reported(ruleset, text):
    assert [r for r in reported(ruleset, text) if not r[1]] == []


@pytest.mark.parametrize(("text", "rule_id"), [
    (f"GITHUB_TOKEN={GHP}! rotate it", "github-pat-classic"),  # a sentence's `!`, not joined to the token
    (f"curl -X POST '{HOOK}?thread_key=ops' -d @msg.json", "slack-webhook-url"),  # an address's query
    ('db_password = "Summ3r!2024xyz"', "generic-password-assignment"),  # people write passwords so
    (f'value = "0*{GHP}"', "github-pat-classic"),  # a prefixed token starts at its prefix, whatever is before
])
def test_a_symbol_that_ends_the_token_or_is_a_passwords_own_is_kept(ruleset, text, rule_id):
    assert (rule_id, "") in reported(ruleset, text)


@pytest.mark.parametrize("text", [
    f'ledger_api_key = "{KEY[:-1]}?"',  # the last character spoilt, inside the value's quotes
    f"ledger_token: '{KEY[:-1]}!'",
    f"ledger:\n  api_key: {KEY[:-1]}?\n",  # ending an assignment's line
    f"[DEBUG] connecting to the Ledger API with token={KEY[:-1]}?\n[INFO] done\n",
])
def test_a_token_whose_last_character_is_spoilt_is_not_reported(ruleset, text):
    assert [r for r in reported(ruleset, text) if not r[1]] == []
    assert ("filter:spoilt-end" in {r[1] for r in reported(ruleset, text)})


@pytest.mark.parametrize("text", [
    f"Your ledger api key is {KEY}!\n",  # a sentence's `!`
    f"Is the ledger token {KEY}?\n",
])
def test_a_sentences_symbol_after_a_key_keeps_it_reported(ruleset, text):
    assert [r for r in reported(ruleset, text) if not r[1]], text


def test_a_password_ending_in_a_symbol_is_kept(ruleset):
    assert ("generic-password-assignment", "") in reported(ruleset, 'db_password = "Summ3r2024xyzQ!"\n')


def test_a_dotenv_token_spoilt_by_one_symbol_is_not_reported_and_a_password_is(ruleset):
    """A `.env` line reports a value of any shape under a credential's name; one symbol in a token's run
    is its near miss there too, but a password (`PASS`, `PWD` in the name) is people's choice."""
    spoilt_inside = f"LEDGER_API_KEY={KEY[:14]}!{KEY[15:]}\n"
    spoilt_last = f"LEDGER_TOKEN={KEY[:-1]}?\n"
    for text in (spoilt_inside, spoilt_last):
        assert [r for r in reported(ruleset, text, ".env") if not r[1]] == [], text
    for text in (f"LEDGER_DB_PASSWORD={KEY[:14]}!{KEY[15:]}\n", f"SMTP_PWD={KEY[:-1]}!\n"):
        assert ("dotenv-credential", "") in reported(ruleset, text, ".env"), text


ABLY = f"{KEY[:6]}.{KEY[6:12]}:{KEY}{KEY[:12]}"


@pytest.mark.parametrize("text", [f'ABLY_API_KEY="{ABLY}"\n', f"client = AblyRest(key='{ABLY}')\n"])
def test_a_providers_token_spoilt_at_its_end_is_dropped_by_its_own_rule(ruleset, text):
    """Ably's rule takes `[A-Za-z0-9_+/=-]{20,50}` after the colon, so a key whose last character is
    spoilt (`...vx?`) leaves it a shorter key: the symbol right after the match, closing the value,
    spoils it for that rule too."""
    assert ("ably-api-key", "") in reported(ruleset, text)
    spoilt = text.replace(ABLY, ABLY[:-1] + "?")
    assert [r for r in reported(ruleset, spoilt) if not r[1]] == []
    assert ("ably-api-key", "filter:spoilt-end") in reported(ruleset, spoilt)


def test_a_symbol_a_providers_format_holds_is_its_own(ruleset):
    """Aeroworkflow's keys may hold `!` and `?`: one that ends in either is still the provider's key."""
    key = KEY[:19] + "!"
    assert ("aeroworkflow-api-key", "") in reported(ruleset, f"AEROWORKFLOW_API_KEY={key}\n", "deploy/.env")


@pytest.mark.parametrize(("text", "path"), [
    (f"env:\n  - name: LEDGER_DB_PASSWORD\n    value: {KEY[:-1]}!\n", "k8s/deploy.yaml"),  # the name above
    (f"CREATE USER ledger IDENTIFIED BY '{KEY[:-1]}!';\n", "db/init.sql"),
])
def test_a_password_ending_in_a_symbol_is_kept_wherever_its_name_is(ruleset, text, path):
    assert [r for r in reported(ruleset, text, path) if not r[1]], text
