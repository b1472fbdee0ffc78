"""A credential under a bare `key` counts only where a provider is named next to it.

`key: 5f0c...` alone is a cache key, a translation, a map entry. Under a provider's name it is that
provider's credential: a YAML or TOML block (`acme:` / `  key: ...`), a log that names the service on the
line before (`connecting to Acme` / `using key=...`), a sentence (`the Acme key: ...`). A rule that opts in
(filter `provider-named`) is dropped as `filter:no-provider-named` unless one of its known providers' names
is among the last words before the secret on its line, or on one of the two lines above.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from scanner.ruleset.claims import KEY_LINES_ABOVE, KEY_REACH, key_words, word_runs
from scanner.ruleset.context_names import EVERYDAY_WORDS

if TYPE_CHECKING:
    from scanner.engine.match import Match

NAMING_FILTER = "provider-named"


def named_only(matches: Sequence[Match], text: str, names: dict[str, str]) -> list[Match]:
    """The matches with each opted-in match that no provider's name is near marked dropped."""
    out = []
    for m in matches:
        if not m.dropped_by and NAMING_FILTER in m.rule.filters and not names_provider(text, m.start, names):
            m = replace(m, dropped_by="filter:no-provider-named")
        out.append(m)
    return out


def names_provider(text: str, start: int, names: dict[str, str]) -> bool:
    """Whether the words before `start` on its line, or those of the two lines above, name a provider
    (an everyday word such as `stream` or `here` names none)."""
    words = key_words(text, start) | _lines_above(text, text.rfind("\n", 0, start) + 1)
    return any(word in names and word not in EVERYDAY_WORDS for word in words)


_VALUE = re.compile(r"(?<![\w+/=-])(?=[\w+/=-]*[0-9])[\w+/=-]{12,}")


def _lines_above(text: str, line_start: int) -> set[str]:
    """The word runs (claims.word_runs) of each of the two lines above, without their values: a random
    token's letters can spell a provider's name."""
    runs: set[str] = set()
    end = line_start - 1
    for _ in range(KEY_LINES_ABOVE):
        if end <= 0:
            break
        begin = text.rfind("\n", 0, end) + 1
        runs |= word_runs(_VALUE.sub(" ", text[max(begin, end - KEY_REACH):end]))
        end = begin - 1
    return runs
