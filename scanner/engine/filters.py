"""False-positive heuristics: named, pure predicates over a candidate secret.

Rules opt in by name (`filters: [placeholder, template, ...]`): a prefixed token such as `sk_live_...`
looks like an identifier and must not be dropped by the `identifier` heuristic, while a generic
`password = ...` rule needs every heuristic it can get. Each function answers "is this NOT a secret?".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from scanner.ruleset.lazy_pattern import LazyPattern
from scanner.ruleset.token_shape import UUID

if TYPE_CHECKING:
    from mnemonic import Mnemonic

PLACEHOLDER_WORDS = (
    "****", "....", "\u2026", "(protected)", "your_", "your-", "yourkey", "<your", "changeme", "change_me",
    "change-me", "replace_me", "replaceme", "example", "placeholder", "redacted", "insert_", "fixme",
    "notasecret", "not_a_secret", "not-a-secret", "secret_here", "key_here", "token_here", "password_here",
    "enter_your", "put_your", "abcdefgh", "12345678", "deadbeef", "lorem", "ipsum", "sample_",
)
_TEMPLATE = LazyPattern(
    r"\$\{[^}]*\}?|\{\{.*?\}\}?|\{%.*?%\}|%\([^)]*\)[sd]|^\$[A-Za-z_]\w*$|^\$[A-Z_][A-Z0-9_]*[/:?]|^\$\(|^%[A-Za-z_]\w*%$"
    r"|^<[\w .:-]*>$|^<[A-Za-z][A-Za-z _.:-]*$|\$__\w+\{|<%.*?%>"
    r"|^@[A-Za-z_][\w.-]*@$|^#\{[^}]*\}$|^\{[A-Za-z_][\w.]*\}$|^__[A-Z_]+__$"
)
_VARIABLE = LazyPattern(
    r"^(?:os\.environ|os\.getenv|process\.env|env\(|getenv\(|System\.getenv|ENV\[|settings\.|config\.|"
    r"self\.|this\.|params\[|request\.|args\.|options\.|props\.|secrets\.|vars\.|var\.|local\.|"
    r"data\.|module\.|\w+\((?=.*\)[;,]?$))"
    r"|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$"
    r"|^[A-Za-z_]\w*\[[^\]]*\]$"
)
_DOTTED_NAME = LazyPattern(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(\))?$")
_PATH = LazyPattern(r"^(?:[A-Za-z]:\\|\\\\|~?/|\.{1,2}/)[^\s]*$|^([\w.-]+(?:/[\w.@-]+){2,}/?|[\w.-]+/)$")
_UUID = LazyPattern(f"^{UUID}$")
_HASH = LazyPattern(
    r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$"
    r"|^(?:sha1|sha224|sha256|sha384|sha512|md5)[:=-]",
    re.IGNORECASE,
)
_SHORT_PLACEHOLDER = LazyPattern(r"xxxx|XXXX|(?i:(?<![a-z0-9])todo|todo(?![a-z0-9]))")
"""Four letters occur by chance in random keys (one `sk_live_` key in 10,000 holds `ToDo` or `xXxX`): only
`xxxx` in one case, and `todo` at the edge of a word, are stand-ins."""
_CUT = LazyPattern(r"\.{3}[A-Za-z0-9]{0,4}$")
"""A key shown cut short, its last four characters at most after an ellipsis (`sk_live_...4f2a`); a password
may hold three dots (`Pa...ss9!word`)."""
_TEST_WORDS = ("test", "fake", "dummy", "mock", "sample", "fixture", "stub", "demo")
_IDENTIFIER = LazyPattern(r"^(?:[a-z]+(?:[A-Z][a-z]+)+|[A-Za-z]+(?:[_-][A-Za-z]+)+|[A-Z][a-z]+)$")
_LETTERS = LazyPattern(r"^-{0,2}[A-Za-z]+(?:[_-][A-Za-z]+)*$")
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def is_placeholder(secret: str) -> bool:
    """Obvious stand-ins: `xxxx`, `<your-key>`, `changeme`, one repeated character, a keyboard run; a key cut
    short with an ellipsis (`sk_live_...4f2a`, as dashboards show one) or masked as `(protected)` (npm's); and
    such a stand-in, a literal or a field's name in base64."""
    lower = secret.lower()
    if any(word in lower for word in PLACEHOLDER_WORDS) or _SHORT_PLACEHOLDER.search(secret) or _CUT.search(secret):
        return True
    if len(set(lower)) <= 2 and len(secret) >= 4:
        return True
    core = re.sub(r"[^a-z0-9]", "", lower)
    if len(core) >= 6 and any(core in seq or seq.startswith(core[:8]) and len(core) <= 12 for seq in _SEQUENCES):
        return True
    if re.search(r"(.)\1{7,}", lower):
        return True
    decoded = _decoded_text(secret)
    return bool(decoded) and all(is_placeholder(part) or is_literal(part) or part.lower() in _FIELD_WORDS
                                 for part in decoded.split(":", 1))


_FIELD_WORDS = frozenset({"username", "user", "login", "password", "passwd", "pass", "admin", "root", "secret", "token",
                          "key", "apikey"})
"""Words a Secret's or a Basic auth header's example spells in base64 for its fields (`cGFzc3dvcmQ=`): decoded
text is never a variable's name, so no other word is taken for one (`Y29ycmVjdGhvcnNlYmF0dGVyeXN0YXBsZQ==` is a
password)."""


def _decoded_text(secret: str) -> str:
    """The text a short base64 value spells, or "": a Kubernetes Secret's `data:` holds its values encoded, and
    `Y2hhbmdlbWU=` is `changeme`, `cGFzc3dvcmQ=` the word `password`, and Basic auth's `dXNlcm5hbWU6cGFzc3dvcmQ=`
    the words `username:password`."""
    if len(secret) > 96 or len(secret) % 4 or not _BASE64.match(secret):
        return ""
    import base64
    import binascii

    try:
        text = base64.b64decode(secret, validate=True).decode("ascii")
    except (binascii.Error, ValueError):
        return ""
    return text if text.isprintable() else ""


def is_template(secret: str) -> bool:
    """Values filled in later: `${VAR}`, `{{ var }}`, `%(name)s`, `$VAR` (`$API_URL/v1/me` too), `<token>`, `#{x}`,
    `@x@`, Grafana's `$__env{X}`, ERB's `<%= x %>`. A `<token>` cut before its `>` is letters alone: `<Tz9.kQ-7mWq2`
    is a password."""
    return bool(_TEMPLATE.search(secret))


def is_variable(secret: str) -> bool:
    """A reference to where the secret lives, not the secret: `os.environ["X"]`, `settings.KEY`, `MY_VAR`.
    A dotted name counts only when its parts read as names (`config.db.password`, `self.api_key2`): a
    generated password with a dot in it (`nQo7.y3wq4I`) is no attribute."""
    if _VARIABLE.search(secret):
        return True
    return bool(_DOTTED_NAME.match(secret)) and is_not_random(secret.replace("()", "").replace(".", ""))


def is_path(secret: str) -> bool:
    """A file or folder path; `dir/sub/name`, `name/` or `/abs/name` without a dot, whose letters and digits
    look generated, is base64 with `/` in it (one 40-character key in six; one in sixty-four starts with it)."""
    found = _PATH.match(secret)
    if found is None:
        return False
    relative_or_root = found.lastindex == 1 or secret.startswith("/")
    return not (relative_or_root and "." not in secret and looks_generated(secret))


def is_uuid(secret: str) -> bool:
    return bool(_UUID.match(secret))


def is_hash(secret: str) -> bool:
    """Digests (lock-file integrity, checksums) are not credentials."""
    return bool(_HASH.search(secret))


def is_test_value(secret: str) -> bool:
    """A value that says it is a test's or a demo's (`test_key_1234`, `fake-token`). Not when a generated
    token is left beside the word: one random 40-character key in five thousand holds `tesT` or `Demo`."""
    lower = secret.lower()
    words = [word for word in _TEST_WORDS if word in lower]
    return bool(words) and not _generated_beside(secret, lower, words)


_WORD_PART = LazyPattern(r"[A-Z]?[a-z]{2,}|[A-Z]{3,}(?![a-z])")
_CONSONANTS = LazyPattern(r"[^aeiouy]{5}")
_DIGIT_SWITCH = LazyPattern(r"(?=[A-Za-z]\d|\d[A-Za-z])")
_CASE_FLIP = LazyPattern(r"(?=[A-Z][a-z][A-Z]|[a-z][A-Z][A-Z][a-z]|[a-z][A-Z][a-z][A-Z])")
_LONG_CONSONANTS = LazyPattern(r"[^aeiouy]{6}")
_BASE64 = LazyPattern(r"^[A-Za-z0-9+/]{6,}={0,2}$")
_LETTER_RUN = LazyPattern(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_COMMON_PAIRS = frozenset(first + second for first, seconds in (
    ("a", "abcdfghijklmnprstuvwxyz"), ("b", "abceijloprstuy"), ("c", "abcdefhiklmnoprstuy"),
    ("d", "abcdefgilmnoprstuy"), ("e", "abcdefghijklmnopqrstuvwxyz"), ("f", "acdefilmoprstuy"),
    ("g", "aeghilmnorstu"), ("h", "adeilmnorstuy"), ("i", "abcdefgklmnopqrstuvxz"), ("j", "aeosu"),
    ("k", "aeilorstu"), ("l", "abcdefghiklmnoprstuvy"), ("m", "abcdeilmnoprstuy"), ("n", "abcdefghiklmnoprstuvyz"),
    ("o", "abcdefghijklmnoprstuvwxz"), ("p", "acdefhilmnoprstuvy"), ("q", "u"), ("r", "abcdefgiklmnoprstuvwy"),
    ("s", "abcdefghiklmnopqrstuvwy"), ("t", "abcdefghiklmnoprstuvwy"), ("u", "abcdefgilmnoprst"),
    ("v", "aceiorsy"), ("w", "aehinors"), ("x", "aceimptx"), ("y", "aceilmnoprst"), ("z", "aeio"),
) for second in seconds)
"""The 400 most common of the 676 pairs of letters in a row (each first letter with the letters that follow it),
counted over the 48,000 distinct lowercase words of four letters or more in the Python sources and text files
of this project's dependencies. A word a person wrote is made of them; a random run of letters is not: 16 random
lowercase letters hold more than two rare pairs 95% of the time, and 99% of those words of eight letters or more
hold at most one in eight."""


def _wordlike(part: str, loose: bool = False) -> bool:
    """A pronounceable run (vowels in proportion, no five consonants in a row): `Private`, `settings`,
    but not the `nitpp` or `Hkg` a random string is made of. `loose` also takes `Shrink` and
    `Passphrase`, for values that are letters alone, where a random run is rare anyway."""
    lower = part.lower()
    vowels = sum(c in "aeiouy" for c in lower) / len(lower)
    if loose:
        return len(part) >= 3 and 0.12 <= vowels <= 0.7 and not _LONG_CONSONANTS.search(lower)
    return len(part) >= 3 and 0.25 <= vowels <= 0.7 and not _CONSONANTS.search(lower)


def looks_generated(secret: str) -> bool:
    """Letters and digits interleaved four times (`k3jx9q0w2b`), or the case flipping inside a run four times
    (`uQPJLIqgYbPZ`): what a generator writes and a name almost never holds (0.6% of the 14k mixed-case or
    digit-bearing names in the precision corpus's sources; the pronounceable parts of a random token made the
    word tests call 10% of random lowercase-and-digit tokens names, and 40% of mixed-case letter ones)."""
    return len(_DIGIT_SWITCH.findall(secret)) >= 4 or len(_CASE_FLIP.findall(secret)) >= 4


def is_identifier(secret: str) -> bool:
    """Names and flags, not values: `getPassword`, `db_password`, `secret`, and letters alone that are
    mostly pronounceable words (`NotSet`, `PKPaymentPass`, `--ask-pass`); a random run of letters
    (`nkUimckKqJLilhGj`) is still a value."""
    if _IDENTIFIER.match(secret):
        return _written(secret)
    if secret.isascii() and secret.isalpha() and secret.islower():
        return len(secret) < 8 or _written(secret)
    if not _LETTERS.match(secret) or looks_generated(secret) or not _written(secret):
        return False
    letters = sum(c.isalpha() for c in secret)
    words = sum(len(part) for part in _WORD_PART.findall(secret) if _wordlike(part, loose=True))
    return words * 10 >= letters * 6


def _written(letters: str) -> bool:
    """Letters a person wrote, not drew at random: at most one pair in eight outside _COMMON_PAIRS, each
    word part (`getPassword`: `get`, `password`) counted alone."""
    rare = sum(part[i:i + 2].lower() not in _COMMON_PAIRS for part in _LETTER_RUN.findall(letters)
               for i in range(len(part) - 1))
    return rare <= len(letters) // 8


_LITERAL = LazyPattern(
    r"^(?:none|null|nil|nul|undefined|true|false|yes|no|on|off|empty|blank|unset|unknown|n/?a|tbd|"
    r"required|optional|string|str|int|bool|bytes|secret|hidden|masked|redacted|default)$"
    r"|^[-+]?[\d.,:_ ]+$"  # numbers, ports, times, version-like digit runs
    r"|^v?\d+(?:\.\d+){1,3}(?:[-+.][0-9A-Za-z.]+)?$"  # semantic versions: 1.2.3, v2.0.0-rc1
    # validation rules: required|string|min:8
    r"|^(?-i:(?=(?:[a-z_]+(?::[\w,.-]*)?\|)*(?:required|nullable|sometimes|string|min|max|confirmed|email"
    r"|numeric|integer|between|size|regex|same|different|present|filled)(?![a-z_]))"
    r"[a-z_]+(?::[\w,.-]*)?(?:\|[a-z_]+(?::[\w,.-]*)?)+)$",
    re.IGNORECASE,
)
_URL = LazyPattern(r"^(?:[a-z][a-z0-9+.-]{1,15}://|www\.)(?![^/\s]*:[^/\s]*@)[^\s]*$", re.IGNORECASE)
_CHECKSUM = LazyPattern(
    r"^(?:sha1|sha224|sha256|sha384|sha512|sha3-\d+|md5|blake2[bs]?|crc32|xxh\d*)[:=-][A-Za-z0-9+/=_-]+$"
    r"|^(?:integrity|checksum)\b"
    r"|^(?:pbkdf2_sha\d+|argon2\w*|bcrypt(?:_sha256)?|scrypt|sha1|md5)\$"  # Django/passlib password hashes
    r"|^\$(?:2[abxy]?|5|6|y|argon2\w*|pbkdf2[\w-]*)\$",  # crypt(3) password hashes
    re.IGNORECASE,
)
_FUNCTION_CALL = LazyPattern(
    r"^(?:await\s+|new\s+|yield\s+|\w+\s+)?[A-Za-z_$@&][\w$]*(?:(?:\.|::|->|\?\.)[A-Za-z_$][\w$]*)*\s*!?\((?=.*\)[;,]?$)"
)
_ENV_LOOKUP = LazyPattern(
    r"os\.environ|os\.getenv|getenv\s*\(|process\.env|import\.meta\.env|Deno\.env|Bun\.env|"
    r"System\.getenv|System\.getProperty|Environment\.GetEnvironmentVariable|ENV\s*\[|ENV\.fetch|"
    r"\$_ENV\s*\[|\$_SERVER\s*\[|\benv\s*\(|std::env::var|env::var|os\.Getenv|os\.LookupEnv|"
    r"viper\.Get|Sys\.getenv|\$\{?env:|%env\(|secrets\.[A-Z_]|\bvault\(|lookup\(",
    re.IGNORECASE,
)


EXAMPLE_WORDS = (
    "password", "passwd", "passw0rd", "p@ssw0rd", "p@ssword", "p4ssw0rd", "secret", "s3cr3t", "s3cret", "secr3t",
    "changeit", "letmein", "qwerty", "foobar", "mypass", "admin123", "pass123", "123456", "swordfish", "sekret",
    "s3krit", "pa$$w", "plaintext",
)
EXAMPLE_VALUES = frozenset({"hunter2", "tiger", "opensesame", "sesame", "scott", "supersecret"})
"""Famous example passwords, dropped only as the whole value (`hunter2!x` is still reported)."""


def is_example_word(secret: str) -> bool:
    """Values built from the words documentation and tests use for credentials (`secret123`,
    `mypassword`, `P@ssw0rd!`): near-certain examples in a generic field. Not when the rest is a generated
    token of its own (Notion's legacy `secret_` and 43 random characters): a prefix, not an example."""
    lower = secret.lower()
    if lower in EXAMPLE_VALUES:
        return True
    words = [word for word in EXAMPLE_WORDS if word in lower]
    return bool(words) and not _generated_beside(secret, lower, words)


def _generated_beside(secret: str, lower: str, words: list[str]) -> bool:
    """Whether what is left of the value without the words holds a generated token of its own."""
    rest = lower
    for word in words:
        rest = rest.replace(word, " " * len(word))
    cased = secret if len(secret) == len(lower) else lower  # looks_generated reads the case where it can
    runs = [cased[m.start():m.end()] for m in _NOT_BLANK.finditer(rest)]
    return any(len(run) >= GENERATED_REST and looks_generated(run) for run in runs)


GENERATED_REST = 16
"""How long what is left of a value beside an example word must be to be a token of its own."""
_NOT_BLANK = LazyPattern(r"[^ ]+")


def _typed_in_order(secret: str) -> bool:
    """Runs of three or more characters in order or repeated (`abcd1234efgh5678`, `xxxx9999`) making up
    three quarters of the value: a person's stand-in, where a generator makes such a run one time in
    hundreds."""
    in_runs, run = 0, 1
    for before, after in zip(secret, secret[1:]):
        if ord(after) - ord(before) in (0, 1):
            run += 1
            continue
        in_runs += run if run >= 3 else 0
        run = 1
    in_runs += run if run >= 3 else 0
    return in_runs * 4 >= len(secret) * 3


def is_not_random(secret: str) -> bool:
    """A generic rule sees names, words and counters far more often than keys, so a token counts as
    random only when it mixes letters with digits (or both cases, when long) and pronounceable words make
    up at most half of it (a third, without digits); a generated key fails that about as rarely as it
    lacks a digit."""
    if not any(c.isalpha() for c in secret):
        return True
    if not any(c.isdigit() for c in secret) and (len(secret) < 16 or secret.islower() or secret.isupper()):
        return True
    if _typed_in_order(secret):
        return True
    if looks_generated(secret):
        return False
    words = sum(len(part) for part in _WORD_PART.findall(secret) if _wordlike(part))
    # Without digits it takes fewer words to be a name: `ExclusiveStartShardId`, `InputAudioTranscription`.
    return words * (2 if any(c.isdigit() for c in secret) else 3) > len(secret)


def is_literal(secret: str) -> bool:
    """Values that are not credentials whatever key they sit under: `null`, `true`, `8080`, `1.2.3`, `str`."""
    return bool(_LITERAL.match(secret.strip()))


def is_url(secret: str) -> bool:
    """A URL without a user:password part (a login page, an endpoint); URLs with credentials have rules."""
    return bool(_URL.match(secret))


def is_checksum(secret: str) -> bool:
    """Prefixed digests: lock-file `integrity sha512-…`, pip `--hash=sha256:…`, `md5:…`."""
    return bool(_CHECKSUM.match(secret))


def is_function_call(secret: str) -> bool:
    """`getpass()`, `get_secret("x")`, `new Password(...)`, `await vault.read(...)`: code producing the
    value at run time, not the value."""
    return bool(_FUNCTION_CALL.match(secret))


def is_env_lookup(secret: str) -> bool:
    """An environment or secret-store lookup in any language: `os.getenv(...)`, `process.env.X`,
    `System.getenv(...)`, `ENV.fetch(...)`, `$_ENV[...]`, `std::env::var(...)`, `${env:X}`."""
    return bool(_ENV_LOOKUP.search(secret))


_SPOILT = LazyPattern(r"^[A-Za-z0-9_-]+[!?$^*#][A-Za-z0-9_-]+$")


def is_spoilt(secret: str) -> bool:
    """A token's alphabet with one stray symbol inside (`Xq8Lm2Rt7!Vw4Zp9`): a key spoilt by hand, as tests
    of detectors spoil one, not a generated value (a generator that uses symbols uses several)."""
    return bool(_SPOILT.match(secret))


def is_not_bip39(secret: str) -> bool:
    """Words that are no BIP39 mnemonic: not all from its English list, or a last word whose checksum bits
    disagree with the others' (python-mnemonic, the reference implementation, checks both), so a sentence
    of the list's words is told from a wallet's seed. One word over and over (`test test ... junk`,
    Hardhat's published test phrase) and the other published test phrases seed no wallet anyone funds."""
    words = secret.split()
    phrase = " ".join(words)
    return len(set(words)) <= len(words) // 3 or phrase in _PUBLIC_PHRASES or not _bip39().check(phrase)


_PUBLIC_PHRASES = frozenset({
    "myth like bonus scare over problem client lizard pioneer submit female collect",  # Ganache's
    "candy maple cake sugar pudding cream honey rich smooth crumble sweet treat",  # Truffle develop's
    "legal winner thank year wave sausage worth useful legal winner thank yellow",  # BIP39's test vectors
    "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
})
"""Published test wallets' phrases, which pass the checksum: development chains fund them with play money."""


@functools.cache
def _bip39() -> Mnemonic:
    from mnemonic import Mnemonic

    return Mnemonic("english")


_STRAYS = "!?*^"


def spoilt_edge(text: str, start: int, end: int, prefixed: bool = False) -> bool:
    """Whether the match ends (or starts) at a stray symbol inside a longer run of token characters
    (`Xq8Lm2Rt7Vw4!Zp9Ks3`): the token is spoilt, not cut by its syntax. `?` inside an address is the
    query's start, not a stray. A token that starts with its provider's prefix (`prefixed`: `ghp_...`) starts
    there whatever comes before it."""
    edges = ((end, end + 1),) if prefixed else ((end, end + 1), (start - 1, start - 2))
    for at, joined in edges:
        stray = text[at] if 0 <= at < len(text) else ""
        if (stray and stray in _STRAYS and 0 <= joined < len(text) and text[joined].isalnum()
                and not (stray == "?" and "/" in _run_before(text, at))):
            return True
    return False


_HAND_CHOSEN_KEY = LazyPattern(r"(?i)pass|pwd|identified\s+by")


def chosen_by_hand(text: str, start: int) -> bool:
    """Whether the value at `start` is under a key for a value people choose (`DB_PASSWORD=`, `pwd:`, SQL's
    `IDENTIFIED BY`), on its line or the two above it (a Kubernetes `env` entry's `name:`, a Terraform
    variable's block), up to 160 characters before it."""
    begin = max(0, start - 160)
    at = start
    for _ in range(3):
        at = text.rfind("\n", begin, at)
        if at < 0:
            at = begin
            break
    return bool(_HAND_CHOSEN_KEY.search(text, at, start))


_TOKEN_RUN = LazyPattern(r"^(?!.*://)[A-Za-z0-9_.:+/=-]{8,}$")
"""A token's run before a stray symbol: its own punctuation included, an address not."""


def spoilt_end(text: str, start: int, end: int, within: bool) -> bool:
    """Whether the value ends in one stray symbol where it is plainly written as a value: inside its quotes
    (`'Xq8Lm2Rt7Vw4Zp9Ks3!'`) or at the end of an assignment's line (`KEY=Xq8Lm2Rt7Vw4Zp9Ks3?`), as tests
    of detectors spoil a key's last character. The symbol is the one right after the match, or (`within`:
    a generic rule, whose values may hold symbols) its last character; a provider's format that holds the
    symbol matched it as its own. In a sentence the same `!` or `?` is the sentence's (`the key is
    Xq8Lm2Rt7Vw4Zp9Ks3!`), and stays reported; so does a password (`chosen_by_hand`), never checked here."""
    stray = end - 1 if within and 0 < end <= len(text) and text[end - 1] in _STRAYS else end
    if not (stray < len(text) and text[stray] in _STRAYS and _TOKEN_RUN.match(text[start:stray])):
        return False
    after = stray + 1
    if after < len(text) and text[after] in "'\"`":
        return start > 0 and text[start - 1] == text[after]
    if after < len(text) and text[after] not in "\r\n":
        return False
    return text[max(0, start - 16):start].rstrip(" \t").endswith(("=", ":"))


def _run_before(text: str, start: int) -> str:
    """The non-blank characters right before `start` (the token's own run)."""
    begin = start
    while begin > 0 and not text[begin - 1].isspace() and start - begin < 256:
        begin -= 1
    return text[begin:start]


EXAMPLE_HOST = "example_host"
"""The empty group a URL rule marks a documentation host with (`db.example.com`, RFC 2606): a password there is
a reader's stand-in unless it looks generated, which is how a key pasted into a snippet gives itself away."""


def example_host_rejection(secret: str) -> str:
    """Why a password in a URL on a documentation host is a stand-in, or empty when it looks like a real key."""
    return "filter:example-host" if is_not_random(secret) or is_example_word(secret) else ""


_DIGEST_HEX = LazyPattern(r"^(?:[0-9a-f]{40}|[0-9a-f]{64}|[0-9A-F]{40}|[0-9A-F]{64})$")


_PUBLIC_ID = LazyPattern(r"^(?:pk_(?:live|test)_|phc_|pk\.eyJ|NRJS-|sub-c-|pub[0-9a-f]{32}$|(?:live|test)_[A-Z0-9]{32}$"
                         r"|wx[0-9a-f]{16}$|B[A-P][A-Za-z0-9_-]{85}$)")
"""Keys their providers publish in web pages: Stripe's publishable keys, PostHog's project keys, Mapbox's
public tokens, New Relic's browser keys, PubNub's subscribe keys, Datadog's browser client tokens, Adyen's
client keys, WeChat's app ids, and a Web Push (VAPID) public key: an uncompressed P-256 point, 65 bytes whose
first is 4, in base64url."""
_ANON_ROLE = LazyPattern(r'"role"\s*:\s*"anon"')


def is_public_key(secret: str) -> bool:
    """A key its provider makes public (_PUBLIC_ID), under a key name that says nothing of it
    (`accessToken`, `clientToken`, `subscribeKey`); or a JWT whose claims give it the anonymous role, as
    Supabase's anon key does (the service_role key beside it is the secret)."""
    if _PUBLIC_ID.match(secret):
        return True
    return secret.startswith("eyJ") and bool(_ANON_ROLE.search(_jwt_claims(secret)))


def _jwt_claims(token: str) -> str:
    """A JWT's payload, decoded, or "" when it is no base64url JSON."""
    import base64
    import binascii

    parts = token.split(".")
    if len(parts) != 3:
        return ""
    try:
        return base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        return ""


def bare_name_rejection(secret: str, called: bool = False) -> str:
    """Why a value under a key that is a provider's name alone (`"acme": "..."`) is not taken, or empty.
    Such keys also map a dependency to its version or pinned commit (a lock file's `"acme": "<sha>"`), a
    service to a name, and a front end's service to its public key: the value must look generated
    (`not-random`), not be a SHA-1 or SHA-256 digest's length of hex, nor a key its provider makes public.
    A client's constructor (`called`: `AcmeClient("<hex>")`) takes a key, never a pinned commit: there
    40 or 64 hex characters are the key's own shape."""
    if is_not_random(secret):
        return "filter:not-random"
    if _DIGEST_HEX.match(secret) and not called:
        return "filter:bare-digest"
    if is_public_key(secret):
        return "filter:public-key"
    return ""


_THINGS = ("request", "trace", "span", "correlation", "transaction", "txn", "job", "run", "task", "order", "event",
           "message", "msg", "record", "item", "object", "entity", "instance", "device", "workflow", "execution",
           "operation", "batch", "simulation", "export", "import", "alert", "gif", "random", "user", "account",
           "customer", "merchant", "org", "organization", "tenant", "subscription", "zone", "site", "page", "channel",
           "team", "workspace", "space", "environment", "database", "table", "bucket", "model", "file", "folder",
           "document", "list", "campaign", "template", "form", "survey", "product", "invoice", "payment", "charge",
           "ticket", "issue", "build", "pipeline", "deployment", "release", "video", "image", "asset", "media",
           "post", "comment", "thread", "chat", "conversation", "call", "room", "meeting", "stream", "playlist",
           "track", "location", "place", "station", "store", "shop", "profile", "member", "group", "role", "alarm",
           "monitor", "dashboard", "report", "query", "search", "index", "collection", "dataset", "experiment")
_THING_ID = LazyPattern(rf"(?:(?<![A-Za-z])(?i:{'|'.join(_THINGS)})"
                        rf"|(?<=[a-z])(?:{'|'.join(t.capitalize() for t in _THINGS)}))"
                        r"[_.-]?(?i:id)[\"']?[ \t]*[:=>]{1,2}[ \t]*[\"']?\Z")


def thing_id_rejection(before: str) -> str:
    """Why a token a provider's name leads to is not taken, or empty: under the id of a thing the provider keeps
    (`order_id:`, `"simulation_id": `, `cometRunId =`, `txnid`), it names that thing. `before`: the text right
    before the token. Ids that providers give their credentials (Infura's project id, OpenWeather's app id, Vault's
    secret id, a key's id) are no such thing."""
    return "filter:thing-id" if _THING_ID.search(before) else ""


NAMED_DIGEST = "named-digest"
"""The filter of the rules of services that look files up by their digest (VirusTotal, OTX, MalShare): the engine
applies it, since it reads the text before the value (named_digest_rejection)."""


def named_digest_rejection(secret: str, lead: str) -> str:
    """Why a SHA-1's or SHA-256's length of hex that such a service's name leads to, with no credential noun on
    the way (`lead`: the text before the value, on its line), is not taken, or empty: an indicator list's
    `virustotal,<sha256>` or `VirusTotal report for <sha256>` holds a sample's digest. Under a noun
    (`VT_API_KEY=`), or as the name's own value (`"virustotal": "<hex>"`), the same hex is the key."""
    if not _DIGEST_HEX.match(secret) or _credential_noun().search(lead) or _OWN_VALUE.search(lead):
        return ""
    return "filter:named-digest"


_OWN_VALUE = LazyPattern(r"[\"']?[ \t]*[:=][ \t]*[\"']?\Z")


@functools.cache
def _credential_noun() -> re.Pattern[str]:
    """A credential noun as a word of a key (context_names.noun_pattern, without the lookbehinds only the `regex`
    module reads: a looser noun here only keeps more values)."""
    from scanner.ruleset.context_names import CREDENTIAL_NOUNS

    nouns = sorted(CREDENTIAL_NOUNS)
    capitalised = "|".join(n.capitalize() for n in nouns)
    return re.compile(rf"(?:(?<![A-Za-z])(?i:{'|'.join(nouns)})|{capitalised})(?i:s)?(?![a-z])")


HEURISTICS: dict[str, Callable[[str], bool]] = {
    "placeholder": is_placeholder,
    "template": is_template,
    "variable": is_variable,
    "path": is_path,
    "uuid": is_uuid,
    "hash": is_hash,
    "test-value": is_test_value,
    "identifier": is_identifier,
    "literal": is_literal,
    "example-word": is_example_word,
    "url": is_url,
    "checksum": is_checksum,
    "function-call": is_function_call,
    "env-lookup": is_env_lookup,
    "not-random": is_not_random,
    "spoilt": is_spoilt,
    "not-bip39": is_not_bip39,
    "public-key": is_public_key,
}


def failing_heuristic(secret: str, names: tuple[str, ...]) -> str:
    """The name of the first heuristic that says the secret is not a secret, or empty (`provider-shape`
    needs the text around the secret: the engine applies it, see claims.py)."""
    for name in names:
        if name in HEURISTICS and HEURISTICS[name](secret):
            return name
    return ""
