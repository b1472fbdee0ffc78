"""RuleSet: the active rules and the keyword prefilter over them.

The prefilter decides the speed class of every scan: rules whose keywords do not occur in a text never
run. It is the only object that knows how keywords map to rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.rules import Rule

# Below this size a plain `in` test per keyword beats building or calling an automaton (measured: ~40 µs
# for 600 keywords over a 2 KB hunk), which keeps the pre-commit path free of native imports.
SMALL_TEXT = 16 * 1024


@dataclass
class RuleSet:
    rules: tuple[Rule, ...]
    by_keyword: dict[str, tuple[int, ...]] = field(init=False)
    always: tuple[int, ...] = field(init=False)
    """Rules without keywords (restricted by path instead): candidates for every text."""
    _automaton: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, list[int]] = {}
        self.always = tuple(i for i, rule in enumerate(self.rules) if not rule.keywords)
        for i, rule in enumerate(self.rules):
            for kw in rule.keywords:
                index.setdefault(kw, []).append(i)
        self.by_keyword = {kw: tuple(ids) for kw, ids in index.items()}

    def __len__(self) -> int:
        return len(self.rules)

    def candidates(self, lowered: str) -> list[int]:
        """Indices of the rules whose keywords occur in the (lower-cased) text, in rule order."""
        hits: set[int] = set(self.always)
        if len(lowered) <= SMALL_TEXT or not self._load_automaton():
            for kw, ids in self.by_keyword.items():
                if kw in lowered:
                    hits.update(ids)
        else:
            for _end, ids in self._automaton.iter(lowered):
                hits.update(ids)
        return sorted(hits)

    def _load_automaton(self) -> bool:
        """pyahocorasick when installed: one pass over a large text instead of one pass per keyword."""
        if self._automaton is None:
            try:
                import ahocorasick
            except ImportError:
                self._automaton = False
                return False
            automaton = ahocorasick.Automaton()
            for kw, ids in self.by_keyword.items():
                automaton.add_word(kw, ids)
            automaton.make_automaton()
            self._automaton = automaton
        return bool(self._automaton)

    def subset(self, keep: Sequence[Rule]) -> RuleSet:
        return RuleSet(tuple(keep))
