"""Each false-positive heuristic: (input, expected) pairs, including values it must leave alone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.engine.filters import HEURISTICS, failing_heuristic

CASES = {
    "placeholder": [
        ("<your-api-key>", True), ("changeme", True), ("xxxxxxxxxxxx", True), ("********", True),
        ("abcdefgh123", True), ("Tr0ub4dor&3-horse", False), ("hunter2!x", False), ("4f9Kq2XzR7mT1vB8nW3y", False),
        # a Kubernetes Secret's `data:` holds base64: `changeme`, `your-token-here`; and a real password's
        ("Y2hhbmdlbWU=", True), ("eW91ci10b2tlbi1oZXJl", True), ("WGs5cEwybVE3clQ0", False),
        ("dXNlcm5hbWU6cGFzc3dvcmQ=", True), ("YWRtaW46WGs5cEwybVE3clQ0", False),  # Basic auth: names; a password
        ("Y29ycmVjdGhvcnNlYmF0dGVyeXN0YXBsZQ==", False), ("c3ZjOldlbGNvbWU=", False),  # words are passwords here
    ],
    "template": [
        ("${DB_PASSWORD}", True), ("{{ vault_pw }}", True), ("%(password)s", True), ("$PASSWORD", True),
        ("$API_URL/v1/me", True), ("$Kq9/x2Lm", False),
        ("<token>", True), ("#{secret}", True), ("@db.password@", True), ("__PASSWORD__", True),
        ("Tr0ub4dor&3-horse", False), ("p$ssw0rd9", False),
        ("<your token here>", True), ("<region:zone>", True),
        # a generated password that opens with `<`: symbols inside are no placeholder's name
        ("<uJ:Kb+rsdQ$4", False), ("<elWn{]Y*Y2739", False),
        ("<your-token", True), ("<Tz9.kQ-7mWq2", False), ("$__env{GF_ADMIN}", True), ("<%= @db_pw %>", True),
    ],
    "variable": [
        ("os.environ", True), ("settings.SECRET_KEY", True), ("DB_PASSWORD", True), ("self.password", True),
        ("params[key]", True), ("Tr0ub4dor&3-horse", False), ("hunter2!x", False),
        ("config.db.password", True), ("self.api_key2", True), ("cfg.getToken()", True),
        ("nQo7.y3wq4I", False), ("Nk69eubhe.KdSUx", False),
        ("get_secret(name)", True),
        # a generated password with an opening parenthesis and no closing one is no call
        ("gxqyXYjSu9((0tMW2.b", False), ("k(z1GgfuZbDX.I5", False),
        ("k(z1Gg)fuZbDX.I5", False), ("decrypt(ENC_VALUE);", True),
    ],
    "path": [
        ("/run/secrets/db", True), ("./secret.txt", True), ("C:\\keys\\id", True), ("a/b/c", True),
        ("hunter2!x", False), ("ab/cd", False), ("src/app/models", True), ("static/js/main.3f9a2c1b.js", True),
        ("build/", True),
        # base64 with `/` in it: random letters and digits, no dot
        ("Tq8vLk2mZx7Rb4Wc9Np3/sYd6Hf1/Jg5Ke0", False), ("mR7xK2vQ9pL4tZ8wN3bJ6cY1hF5gD0sA/", False),
        ("/R2x83Djp/8+BkNcDY4OgtxI3QyiE79AAT2ck63dxH0=", False), ("//xopSoKlHXhECnX7Ozf5d2trsy/aLlrymZKABG", False),
        ("/var/lib/postgresql/data", True), ("/mnt/c/Users/JohnDoe/AppData", True),
    ],
    "uuid": [("123e4567-e89b-12d3-a456-426614174000", True), ("123e4567e89b12d3a456426614174000", False)],
    "hash": [("da39a3ee5e6b4b0d3255bfef95601890afd80709", True), ("sha256:abcd", True), ("abcd1234", False)],
    "test-value": [
        ("test-token-123", True), ("fake_key_9", True), ("testtoken1234567890abcdefghij", True),
        ("Tr0ub4dor&3-horse", False),
        # a random key that holds the word by chance
        ("dXIylOvUXqgA2v4gtesTvA3Aeetelc8gYV59GAgD", False), ("Kq8Zr2mWx7vLp3NdemoT5hY9cRm4kQz8vLtXk2mW", False),
    ],
    "identifier": [
        ("getPassword", True), ("db_password", True), ("secret", True), ("Password", True),
        ("hunter2!x", False), ("abc123", False),
        # words in lowercase are names; random letters are a password, in lowercase or camel-cased by chance
        ("mysecretpassword", True), ("healthcheck", True), ("oryooqsgfzqputzf", False), ("rjDobzIeRvxMlGqb", False),
        # letters the pairs do not know: a Cyrillic password
        ("\u0448\u0449\u0437\u0445\u044a\u0444\u044b\u0432\u0430\u043f\u0440\u043e\u043b", False),
    ],
    "literal": [
        ("null", True), ("None", True), ("true", True), ("8080", True), ("1.2.3", True), ("v2.0.0-rc1", True),
        ("str", True), ("12:30", True), ("hunter2!x", False), ("1a2b3c4d", False), ("trueblue9", False),
        ("required|string|min:8|confirmed", True),  # Laravel's validation rules under a `password` key
        ("Xq8|Lm2Rt7Vw4", False), ("correct|horse|battery|staple", False), ("A|hZ:oK6)C#LnccU", False),
    ],
    "url": [
        ("https://auth.corp.io/oauth/token", True), ("www.corp.io", True), ("s3://bucket/key", True),
        ("https://u:p@corp.io", False), ("hunter2!x", False),
    ],
    "checksum": [
        ("sha512-abcDEF+/==", True), ("sha256:9f86d081884c7d65", True), ("md5-1B2M2Y8AsgTpgAmY7PhCfg==", True),
        ("pbkdf2_sha256$30000$salt$hash", True), ("$2b$12$abcdefghijk", True), ("$6$salt$hash", True),
        ("integrity sha512", True), ("Tr0ub4dor&3-horse", False), ("sha-ZT8kQ2mV9x", False),
    ],
    "function-call": [
        ("getpass()", True), ("getpass.getpass('Password: ')", True), ("forms.CharField(max_length=4)", True),
        ("new Password(x)", True), ("await vault.read(path)", True), ("env!(\"KEY\")", True),
        ("hunter2!x", False), ("Tr0ub4dor&3-horse", False), ("(abc)", False),
        ("tos9$stOWW(jj8", False), ("c6PBZd4xW(My?aDNOYcI", False),
        ("tos9(stOW)Wjj8!", False),
    ],
    "env-lookup": [
        ("os.environ.get('X')", True), ("os.getenv('X')", True), ("process.env.DB_PASS", True),
        ("System.getenv(\"X\")", True), ("ENV.fetch('X')", True), ("ENV['X']", True), ("$_ENV['X']", True),
        ("std::env::var(\"X\")", True), ("os.Getenv(\"X\")", True), ("Environment.GetEnvironmentVariable(\"X\")", True),
        ("${env:DB_PASS}", True), ("import.meta.env.VITE_KEY", True), ("hunter2!x", False), ("environment1", False),
    ],
    "example-word": [
        ("password123", True), ("s3crete", True), ("MySecretKey9", True), ("P@ssw0rd!", True), ("hunter2", True),
        ("MySekretPa$$word", True), ("hunter2!x", False), ("Tr0ub4dor&3-horse", False), ("4f9Kq2XzR7mT1vB8nW3y", False),
        # an example word as a token's prefix, a generated token after it: the word says nothing
        ("secret_qXwzIVhxIGd6fPm4pDvEsG1pQJErXmRKuuNLVEIAWoO", False), ("this_is_my_secret_key_for_testing", True),
        ("supersecretkeythatnobodycanguess", True), ("password_Kq2XzR7m", True),
    ],
    "not-random": [
        ("UserProfileController2", True), ("user_profile_settings_2", True), ("Name.Builtin.Pseudo", True),
        ("abcdefghijklmnopqrstuvw", True), ("12345678901234", True), ("QWERTYUIOPASDFGH", True),
        ("abcd1234efgh5678", True), ("xxxx9999yyyy0000", True),  # typed in order, or repeated
        ("abcd1234Kq9Zx7Lm", False),  # half of it
        ("4f9Kq2XzR7mT1vB8nW3y", False), ("5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e", False),
        ("3f9a1c2e-7b4d-4e8f-9a6b-1c2d3e4f5a6b", False), ("QwErTyUiOpAsDfGhJkLzXc", False),
        # pronounceable pieces by chance, but digits or the case switching where no name has them
        ("k7ravo2tesi9pumo4lina", False), ("MoUkaBiRelaTOnuVepaSiDo", False),
        ("updated_value1", True), ("utf8mb4_unicode_ci", True), ("LaTeXTranslator", True),
    ],
    "spoilt": [
        ("Xq8Lm2Rt7Vw4!Zp9Ks3Nb6Hc", True), ("9f3a1c2e7b4d?4e8f9a6b1c2d", True), ("Rt7Vw4Zp9K*s3Nb6", True),
        ("Xq8Lm2Rt7Vw4Zp9Ks3Nb6Hc", False),  # no symbol: a token
        ("Xq8!Lm2Rt7Vw4Zp9K#s3Nb6", False),  # two: a generated value with symbols
        ("Xq8Lm2Rt7Vw4Zp9Ks3Nb6Hc!", False),  # at its end: punctuation after it, or a password's
        ("86|qohkkTIi9EMiTKXHzzIpEu9TWV9PfMcS", False),  # `<id>|<token>` (Laravel Sanctum) is a real format
        ("abcDEF123~ghiJKL456.mno", False),  # Entra ID client secrets hold `~` and `.`
    ],
    "public-key": [
        ("pk_live_51Hq8Lm2Rt7Vw4Zp9Ks3Nb6Hc", True), ("pk.eyJ1IjoiYWNtZSIsImEiOiJjbDl4In0.Xq8Lm2Rt7Vw4Zp9K", True),
        ("sub-c-4e8b1d7f-3a2c-4e60-b5d1-f9a73c2e8b4d", True), ("pub4f1c8e2a9b7d03e6a5c1f8b2d9e4a7c0", True),
        ("sk_live_" + "51Hq8Lm2Rt7Vw4Zp9Ks3Nb6Hc", False),  # Stripe's secret key, spelt in two parts
        ("pub-c-4e8b1d7f-3a2c-4e60-b5d1-f9a73c2e8b4d", False),  # PubNub's publish key writes to its channels
        ("public_Xq8Lm2Rt7Vw4Zp9Ks3Nb6Hc", False),
        ("live_T7QK2M9XB4RZL1WN8C5VD3HJ6PFY0GSA", True),  # Adyen's client key, which its Drop-in is given
        ("wx3f9a2c7e1b4d8f6a", True),  # a WeChat app id
        # a Web Push public key (65 bytes, the first 4); the private key is 32
        ("BC1d3Sx5DjtoO5XoF9MerxRRJMXz1JDuysXLAzCgpg96OYAfgLZhXbmGEa5H28uQKKELf6WcNDd9VRyjz6hsByk", True),
        ("C1d3Sx5DjtoO5XoF9MerxRRJMXz1JDuysXLAzCgpg96OYAfgLZhXbmGEa5H28uQ", False),
        # Supabase's anon key is public; its service_role key is the secret
        ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6InFrd3ptcGR4YWxidHJ2Y25oc3VlIiwicm9sZ"
         "SI6ImFub24iLCJpYXQiOjE3MTgwMDAwMDAsImV4cCI6MjAzMzU3NjAwMH0.9iNdzww-fiB16dY2WSYUaVUUiizv9VVBRBEZgq8NlBw",
         True),
        ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6InFrd3ptcGR4YWxidHJ2Y25oc3VlIiwicm9sZ"
         "SI6InNlcnZpY2Vfcm9sZSIsImlhdCI6MTcxODAwMDAwMCwiZXhwIjoyMDMzNTc2MDAwfQ.bg5o61v43T-4Wo1hBQYkMTHkyKfWYJaJNRrcCn"
         "ytiBs", False),
        ("eyJhbGciOiJIUzI1NiJ9.!!!.sig", False),
    ],
    "not-bip39": [
        # a seed of 12 and one of 24 words, each made from random bytes, checksum and all
        ("water describe also acquire leader wedding segment sport anger frown earn critic", False),
        ("session spin absurd avocado smart lion glad recycle knee two maze comic twin auction gas hybrid "
         "language autumn sound candy post input sword crater", False),
        ("often gaze path chimney reform truth debate believe estate tell final abandon", True),  # checksum
        ("often gaze path chimney reform truth debate believe estate tell final", True),  # 11 words
        ("write down these twelve words and keep them somewhere safe offline now", True),  # not all BIP39's
        ("test test test test test test test test test test test junk", True),  # Hardhat's public phrase
        ("", True),
    ],
}


@pytest.mark.parametrize(("name", "value", "expected"),
                         [(name, value, expected) for name, pairs in CASES.items() for value, expected in pairs],
                         ids=lambda x: str(x)[:30])
def test_heuristic(name, value, expected):
    assert HEURISTICS[name](value) is expected


def test_every_heuristic_has_cases_both_ways():
    assert set(CASES) == set(HEURISTICS)
    for name, pairs in CASES.items():
        assert {expected for _, expected in pairs} == {True, False}, name


def test_first_failing_heuristic_is_named():
    assert failing_heuristic("${X}", ("uuid", "template", "variable")) == "template"
    # every heuristic but `not-bip39`, which asks a value to be a seed phrase rather than telling one from a token
    assert failing_heuristic("Tr0ub4dor&3-horse", tuple(h for h in HEURISTICS if h != "not-bip39")) == ""
    assert failing_heuristic("Tr0ub4dor&3-horse", ("not-bip39",)) == "not-bip39"


@given(st.text(max_size=300))
def test_heuristics_are_total(value):
    for heuristic in HEURISTICS.values():
        assert heuristic(value) in (True, False)


@given(st.from_regex(r"\A[A-Za-z0-9]{24,40}\Z"))
def test_random_tokens_survive_the_generic_heuristics(token):
    """A random alphanumeric token is what generic rules exist to catch: only the placeholder-style
    heuristics may fire on one, and only when it happens to spell a placeholder."""
    structural = ("template", "variable", "path", "uuid", "checksum", "function-call", "env-lookup", "url")
    assert failing_heuristic(token, structural) in ("", "variable")
    if any(c.isdigit() for c in token) and not token.isupper():
        assert failing_heuristic(token, ("variable",)) == ""


def test_generated_tokens_with_pronounceable_pieces_are_values_not_names():
    """Random lowercase-and-digit tokens and mixed-case letter tokens hold syllables by chance: the word tests
    alone called one in ten and two in five of them names (the figures are in `looks_generated`)."""
    import random
    import string

    rnd = random.Random(5)
    for alphabet, most in ((string.ascii_lowercase + string.digits, 0.02), (string.ascii_letters, 0.2)):
        tokens = ["".join(rnd.choice(alphabet) for _ in range(24)) for _ in range(2000)]
        names = sum(HEURISTICS["not-random"](t) or HEURISTICS["identifier"](t) for t in tokens)
        assert names <= most * len(tokens), (alphabet, names)


def test_random_lowercase_passwords_are_not_names():
    """A password drawn from lowercase letters alone (`uftaqcbbghtayokosgqh`) is no identifier: its pairs of
    letters are rare in words. Every such password was dropped while any lowercase run counted as a name."""
    import random
    import string

    rnd = random.Random(7)
    for length, most in ((10, 0.15), (16, 0.08), (24, 0.02)):
        values = ["".join(rnd.choice(string.ascii_lowercase) for _ in range(length)) for _ in range(2000)]
        assert sum(HEURISTICS["identifier"](v) for v in values) <= most * len(values), length


@pytest.mark.parametrize("value, expected", [
    ("sk_live_9fQ2ToDo7XkLm3Rp8VwZ4nB6yH1c", False),  # `ToDo` by chance inside a random key
    ("ghp_aB3xXxX9kLm2Rp8VwZ4nB6yH1cQ7dE5fT0", False),
    ("sk_live_todo", True),
    ("TODO-fill-me-in", True),
    ("sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", True),
    ("AKIAXXXX1234", True),
    ("sk_live_...4f2a", True),  # a dashboard's key, cut short
    ("ghp_Qm7\u20268dE2", True),
    ("(protected)", True),  # what `npm config list` prints for a token
    ("Pa...ss9!word", False),  # three dots inside a password
    ("Xq7...kLp9z", False),
])
def test_short_placeholder_words_count_only_where_people_type_them(value, expected):
    from scanner.engine.filters import is_placeholder

    assert is_placeholder(value) is expected
