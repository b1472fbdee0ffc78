"""The rule file `leakstop rules new PROVIDER` writes: every field, each explained in a comment.

Values to be written start with `FILL IN:` and say what goes there; the loader refuses them, so
`leakstop rules check --rules-path FILE` lists exactly what is left to do.
"""

from __future__ import annotations

import json
import re
import unicodedata

TEMPLATE = """\
# Rules for {provider}, started by `leakstop rules new`. Every value that starts with "FILL IN:" is yours to
# write; `leakstop rules check --rules-path {file}` lists those still left, then proves each rule finds its
# examples and none of its negative examples. Optional fields are commented out: uncomment what you need.
# The format is described in docs/rules.md; rules/schema.json gives editors completion.

# The provider every rule below belongs to (a rule may set its own `provider:` instead).
provider: {provider_json}

rules:
    # Stable kebab-case id. Fingerprints, ignores and baselines are keyed on it: do not rename it later.
  - id: {slug}-api-key
    # What reports call the secret.
    name: "FILL IN: the credential's name, e.g. {provider} API key"
    # Optional: one sentence on what the credential gives access to.
    # description: ""
    # How bad a leak is: critical | high | medium | low | info (default high).
    severity: high
    # How sure a match is this provider's secret: high (a documented prefix) | medium | low (default high).
    confidence: high

    # A token with a documented prefix (`acme_...`): keywords + pattern. The regex runs only on text that
    # contains one of the keywords (case-insensitive literals of 3+ characters, usually the prefix).
    keywords: ["FILL IN: the token's fixed prefix, e.g. {prefix}_"]
    # A Python `regex` pattern. Keep the token whole (\\b or lookarounds) with its exact length and alphabet.
    pattern: "FILL IN: a regex, e.g. \\\\b{prefix}_[A-Za-z0-9]{{32}}\\\\b"
    # Optional: which capture group (number or name) is the secret; 0, the default, is the whole match.
    # secret_group: 0

    # A token with no prefix (32 hex, a UUID): instead of keywords + pattern, the provider's name shortly
    # before a token of a known shape (see "Context rules" in docs/rules.md).
    # context:
    #   names: [{provider_json}]        # names and product words seen before the token (3+ letters)
    #   token: '[a-f0-9]{{32}}'          # the token's shape, no capture groups
    #   reach: 48                       # characters allowed between name and token

    # Optional: Shannon entropy (bits per character) the secret must reach; ~3 drops placeholders.
    # min_entropy: 3.0
    # Optional: true when the secret spans lines (a PEM key).
    # multiline: false
    # Optional: named false-positive heuristics (docs/rules.md, "Filters"); default [placeholder].
    # filters: [placeholder]
    # Optional: secrets this rule never reports: regexes, and case-insensitive substrings.
    # allow:
    #   patterns: []
    #   stopwords: []
    # Optional: globs of the only paths the rule runs on (`**/.npmrc`), and of paths it never runs on.
    # paths: []
    # exclude_paths: []

    # Texts the rule must find, written as they appear in code or config, with a made-up token of the
    # real shape. `rules check` scans each one through the real engine.
    examples:
      - "FILL IN: e.g. {env}_API_KEY={prefix}_<a made-up token of the real length>"
    # Optional but worth it: near misses the rule must not report (a placeholder, a token one character
    # short, the prefix in prose).
    negative_examples:
      - "FILL IN: e.g. {env}_API_KEY={prefix}_your-key-here"
    # Optional: the path examples are scanned as (for a rule limited by `paths`).
    # example_path: config/{slug}.env
    # Optional: where the token format is documented.
    # references: []
    # What to do when the secret leaks.
    remediation: "FILL IN: where to revoke the key and how to issue a new one"
"""


def provider_slug(provider: str) -> str:
    """`Acme Cloud` -> `acme-cloud`, `Zürich Pay` -> `zurich-pay`: the file name and the rule ids' stem
    (rule ids are ASCII, so accents are dropped rather than the letters that carry them)."""
    plain = unicodedata.normalize("NFKD", provider).encode("ascii", "ignore").decode("ascii")
    return "-".join(re.findall(r"[a-z0-9]+", plain.lower()))


def scaffold(provider: str, file_name: str) -> str:
    slug = provider_slug(provider)
    return TEMPLATE.format(provider=provider, provider_json=json.dumps(provider, ensure_ascii=False), slug=slug,
                           file=file_name, prefix=slug.replace("-", "_"),
                           env=slug.replace("-", "_").upper())
