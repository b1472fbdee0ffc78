"""The prefilter engines give identical answers, so a platform without Hyperscan finds the same secrets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from secrets_fixtures import ALL

from scanner.ruleset.prefilter import AhoCorasickPrefilter, HyperscanPrefilter, InPrefilter
from scanner.ruleset.rule_set import load_ruleset

KEYWORDS = sorted(load_ruleset().by_keyword)
ENGINES = [InPrefilter(KEYWORDS), AhoCorasickPrefilter(KEYWORDS), HyperscanPrefilter(KEYWORDS)]


@pytest.mark.parametrize("text", [
    "", "nothing to see", "\u0130stanbul password = x", "AKIA" * 3, "ÄÖÜ token: abc", *ALL.values(),
    "mixed CASE Sk_LiVe_ and GHP_ and PRIVATE KEY",
    # characters the rules' case folding reads as ASCII letters: `İ` lower-cases to two characters
    "ap\u0130 key", "\u212aEY and pa\u017f\u017fword", "\u0131api token",
])
def test_engines_agree_on_samples(text):
    answers = [engine.found(text) for engine in ENGINES]
    assert answers[0] == answers[1] == answers[2]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("akis_-:=./ ghpxoTOKENpasswrd\u00e9\u0130\u0131\u212a\u017f\n")),
               max_size=300))
def test_engines_agree_on_random_text(text):
    answers = [engine.found(text) for engine in ENGINES]
    assert answers[0] == answers[1] == answers[2]
