"""False-positive heuristics: named, pure predicates over a candidate secret.

Rules opt in by name (`filters: [placeholder, template, ...]`): a prefixed token such as `sk_live_...`
looks like an identifier and must not be dropped by the `identifier` heuristic, while a generic
`password = ...` rule needs every heuristic it can get. Each function answers "is this NOT a secret?".
"""

from __future__ import annotations

import re
from collections.abc import Callable

PLACEHOLDER_WORDS = (
    "xxxx", "****", "....", "your_", "your-", "yourkey", "<your", "changeme", "change_me", "change-me",
    "replace_me", "replaceme", "example", "placeholder", "redacted", "insert_", "todo", "fixme",
    "notasecret", "not_a_secret", "not-a-secret", "secret_here", "key_here", "token_here", "password_here",
    "enter_your", "put_your", "abcdefgh", "12345678", "deadbeef", "lorem", "ipsum", "sample_",
)
_TEMPLATE = re.compile(
    r"\$\{[^}]*\}?|\{\{.*?\}\}?|\{%.*?%\}|%\([^)]*\)[sd]|^\$[A-Za-z_]\w*$|^\$\(|^<[^>]*>?$|^%[A-Za-z_]\w*%$"
    r"|^@[A-Za-z_]\w*@$|^#\{[^}]*\}$|^\{[A-Za-z_][\w.]*\}$|^__[A-Z_]+__$"
)
_VARIABLE = re.compile(
    r"^(?:os\.environ|os\.getenv|process\.env|env\(|getenv\(|System\.getenv|ENV\[|settings\.|config\.|"
    r"self\.|this\.|params\[|request\.|args\.|options\.|props\.|secrets\.|vars\.|var\.|local\.|"
    r"data\.|module\.|\w+\()"
    r"|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$"
    r"|^[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+(?:\(\))?$"
    r"|^[A-Za-z_]\w*\[[^\]]*\]$"
)
_PATH = re.compile(r"^(?:[A-Za-z]:\\|\\\\|~?/|\.{1,2}/)[^\s]*$|^[\w.-]+(?:/[\w.@-]+){2,}/?$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HASH = re.compile(
    r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$"
    r"|^(?:sha1|sha224|sha256|sha384|sha512|md5)[:=-]",
    re.IGNORECASE,
)
_TEST_WORDS = ("test", "fake", "dummy", "mock", "sample", "fixture", "stub", "demo")
_IDENTIFIER = re.compile(r"^(?:[a-z]+(?:[A-Z][a-z]+)+|[A-Za-z]+(?:[_-][A-Za-z]+)+|[a-z]+|[A-Z][a-z]+)$")
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def is_placeholder(secret: str) -> bool:
    """Obvious stand-ins: `xxxx`, `<your-key>`, `changeme`, one repeated character, a keyboard run."""
    lower = secret.lower()
    if any(word in lower for word in PLACEHOLDER_WORDS):
        return True
    if len(set(lower)) <= 2 and len(secret) >= 4:
        return True
    core = re.sub(r"[^a-z0-9]", "", lower)
    if len(core) >= 6 and any(core in seq or seq.startswith(core[:8]) and len(core) <= 12 for seq in _SEQUENCES):
        return True
    return bool(re.search(r"(.)\1{7,}", lower))


def is_template(secret: str) -> bool:
    """Values filled in later: `${VAR}`, `{{ var }}`, `%(name)s`, `$VAR`, `<token>`, `#{x}`, `@x@`."""
    return bool(_TEMPLATE.search(secret))


def is_variable(secret: str) -> bool:
    """A reference to where the secret lives, not the secret: `os.environ["X"]`, `settings.KEY`, `MY_VAR`."""
    return bool(_VARIABLE.search(secret))


def is_path(secret: str) -> bool:
    return bool(_PATH.match(secret))


def is_uuid(secret: str) -> bool:
    return bool(_UUID.match(secret))


def is_hash(secret: str) -> bool:
    """Digests (lock-file integrity, checksums) are not credentials."""
    return bool(_HASH.search(secret))


def is_test_value(secret: str) -> bool:
    lower = secret.lower()
    return any(word in lower for word in _TEST_WORDS)


def is_identifier(secret: str) -> bool:
    """Plain words (`getPassword`, `db_password`, `secret`) are names, not values."""
    return bool(_IDENTIFIER.match(secret))


HEURISTICS: dict[str, Callable[[str], bool]] = {
    "placeholder": is_placeholder,
    "template": is_template,
    "variable": is_variable,
    "path": is_path,
    "uuid": is_uuid,
    "hash": is_hash,
    "test-value": is_test_value,
    "identifier": is_identifier,
}


def failing_heuristic(secret: str, names: tuple[str, ...]) -> str:
    """The name of the first heuristic that says the secret is not a secret, or empty."""
    for name in names:
        if HEURISTICS[name](secret):
            return name
    return ""
