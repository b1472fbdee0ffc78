"""A context rule's names that end in the credential they name (`mixpanel api secret`), loosened.

`names: ['mixpanel api secret', 'mixpanel secret']` says: the provider, then the kind of credential. Written
as one run of words, such a name misses the forms in which the key is spelt apart from the provider: a YAML
or JSON block under the provider (`mixpanel:` / `  secret: ...`, `"mixpanel": {"api_secret": ...}`), a
word between them (`MIXPANEL_PROJECT_SECRET`) or none (`mixpanelsecret`). Such a name is also matched as its
provider words, then, further on, its credential noun, on the provider's line or one of the four below.

The credential noun stays required, so a provider word alone still names nothing; and a provider word that
is an everyday word (`here`, `stream`, `box`) or shorter than four letters is not loosened at all: `here`
followed by `key` is how a sentence begins, not a HERE API key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

CREDENTIAL_NOUNS = frozenset({
    "key", "token", "secret", "password", "passwd", "pwd", "passphrase", "pat", "certificate", "session",
    "credential", "credentials", "apikey", "writekey",
})
"""Words that end a name and say which credential it is."""
QUALIFIERS = frozenset({
    "api", "client", "app", "application", "access", "master", "admin", "private", "auth", "oauth", "rest",
    "customer", "account", "service", "user", "personal", "write", "read", "consumer", "signing", "webhook",
    "developer", "project", "team", "org", "organization", "server", "integration", "secure", "acl",
    "subscription", "management", "sdk", "cli", "web", "live", "bearer", "deploy",
    *CREDENTIAL_NOUNS,
})
"""Words between the provider and the noun that narrow the credential (`client` in `client secret`)."""
EVERYDAY_WORDS = frozenset({
    "agora", "airship", "alpaca", "amplitude", "batch", "box", "capsule", "ditto", "enigma", "envoy",
    "eraser", "falcon", "forge", "front", "function", "galaxy", "gemini", "guardian", "guru", "here",
    "humanity", "insight", "magnetic", "mite", "modal", "nimble", "noticeable", "nomad", "particle", "phrase",
    "plausible", "pocket", "polygon", "railway", "refiner", "sauce", "scout", "segment", "shortcut", "spaces",
    "steam", "stitch", "streak", "stream", "surge", "swell", "twist", "sumo", "smarty", "percy", "juro",
    "clubhouse", "leonardo", "convex", "search", "keen", "flat", "courier", "lob", "signal",
})
"""Provider names that are also common English words: without the rest of their name they name nothing."""
_MIN_PROVIDER = 4
_WORDS = re.compile(r"[\s_.-]+")


@dataclass(frozen=True)
class LooseNames:
    """The provider words of a rule's names, and the credential nouns that must follow them."""

    providers: tuple[str, ...]
    nouns: tuple[str, ...]


def loose_names(names: Iterable[str]) -> LooseNames | None:
    """The loosened form of the names that end in a credential noun after distinctive provider words, or
    None when no name does."""
    providers: dict[str, None] = {}
    nouns: dict[str, None] = {}
    for name in names:
        split = provider_and_noun(name)
        if split is not None:
            providers.setdefault(split[0], None)
            nouns.setdefault(split[1], None)
    if not providers:
        return None
    return LooseNames(tuple(providers), tuple(nouns))


def provider_and_noun(name: str) -> tuple[str, str] | None:
    """`mixpanel api secret` -> (`mixpanel`, `secret`); None when the name does not end in a credential
    noun, or what comes before its qualifiers is not a distinctive provider name."""
    words = [w for w in _WORDS.split(name.strip().lower()) if w]
    if len(words) < 2 or words[-1] not in CREDENTIAL_NOUNS:
        return None
    cut = len(words) - 1
    while cut > 0 and words[cut - 1] in QUALIFIERS:
        cut -= 1
    provider = words[:cut]
    if not provider or provider[0] == "x" or len("".join(provider)) < _MIN_PROVIDER:
        return None  # `x cc api key` is a header name; `gh`, `exa`, `r7` are everywhere
    if len(provider) == 1 and provider[0] in EVERYDAY_WORDS:
        return None
    return " ".join(provider), words[-1]


PUBLIC_QUALIFIERS = (
    "public", "publishable", "pub", "site", "search", "cache", "sort", "partition", "primary",
    "foreign", "row", "idempotency", "lock", "index", "object", "recaptcha", "captcha", "anon", "anonymous",
    "browser",
)
"""Words that make the noun after them something other than a credential (`SEARCH_KEY`: Algolia's search
key is meant for browsers, and so is its `SEARCH_ONLY_API_KEY`); a project's key names the project
(`sonar.projectKey`), its secret is one."""
_NOT_AFTER = (rf"(?<!(?i:{'|'.join(PUBLIC_QUALIFIERS)})[_.\- ]?)"
              r"(?<!(?<![A-Za-z])(?i:search|public|publishable|browser)[_.\- ]?(?:(?i:only|api)[_.\- ]?){1,2})"
              r"(?!(?<=(?i:project)[_.\- ]?)(?i:key))")
PROVIDER_START = (r"(?<![A-Za-z0-9_-]{0,64}\d[A-Za-z0-9_-]{0,64}(?<=[A-Za-z0-9_-]{12}))"
                  r"(?:(?<![A-Za-z])|(?<=[a-z])(?=[A-Z]))")
"""A provider's name starts a word or a camel-case hump: `mybing_key` names no Bing. Not 12 or more token
characters into a run that holds a digit: there it is letters of a random token (`...Kq2mWl-Luno`, a
public key's base64), which a key set of thousands of them spells by chance; a short numbered prefix
(`K8S_`, `APP2_`) still leads a name."""


def noun_pattern(nouns: Iterable[str]) -> str:
    """A credential noun as a word of a key: after a non-letter (`_secret`, `.secret`, `secret`), or
    capitalised (`apiSecret`), not the start of a longer word (`keyboard`, `tokenizer`), and not after a
    word that makes it public (`projectKey`)."""
    lower = "|".join(re.escape(n) for n in nouns)
    capital = "|".join(re.escape(n.capitalize()) for n in nouns)
    return rf"{_NOT_AFTER}(?:(?<![A-Za-z])(?i:{lower})|(?-i:{capital}))(?i:s)?(?![a-z])"


def glued_noun_pattern(nouns: Iterable[str]) -> str:
    """A credential noun right after the provider's name, with nothing between (`mixpanelsecret`)."""
    return rf"(?i:{'|'.join(re.escape(n) for n in nouns)})(?i:s)?(?![a-z])"
