"""RuleSet: the active rules and the keyword prefilter over them.

The prefilter decides the speed class of every scan: rules whose keywords do not occur in a text never
run. It is the only object that knows how keywords map to rules.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scanner.ruleset.char_bytes import folded_lower
from scanner.ruleset.rules import Rule

if TYPE_CHECKING:
    from pathlib import Path

    from scanner.ruleset.claims import Formats

# Below this size a plain `in` test per keyword beats importing and building a prefilter engine (~600
# keywords: ~0.2 ms for a 512-character hunk); above it the `in` loop costs keywords x length (1.5 s on
# pip's tree with a 16 KB threshold) and scanner/ruleset/prefilter.py's engines win.
SMALL_TEXT = 512
# The rule gate (gate.py) takes seconds to compile the first time; a scan waits for it only once it has
# read this much large text, so a small tree never pays for it. A gate compiled before is used at once, and
# one compiling in the background (started when a cold rule cache was filled) as soon as it is done.
GATE_AFTER = 16 * 1024 * 1024
BUILD_LATER = 2 * 1024 * 1024
"""A scan that read this much large text without a gate leaves one compiling for the scans after it
(gate_later.py): under GATE_AFTER it would never have one otherwise."""


@dataclass
class RuleSet:
    rules: tuple[Rule, ...]
    origin: tuple[str, ...] = ()
    """The rule paths these rules were loaded from (none for a set made otherwise): what a process that
    compiles their gate later loads them from."""
    by_keyword: dict[str, tuple[int, ...]] = field(init=False)
    always: tuple[int, ...] = field(init=False)
    """Rules without keywords (restricted by path instead): candidates for every text."""
    _prefilter: Any = field(default=None, init=False, repr=False)
    _gate: Any = field(default=None, init=False, repr=False)
    _large_seen: int = field(default=0, init=False, repr=False)
    _awaiting: bool = field(default=False, init=False, repr=False)
    """The gate was not ready when first asked for, but was compiling in the background."""

    def __post_init__(self) -> None:
        index: dict[str, list[int]] = {}
        self.always = tuple(i for i, rule in enumerate(self.rules) if not rule.keywords)
        for i, rule in enumerate(self.rules):
            for kw in rule.keywords:
                index.setdefault(kw, []).append(i)
        self.by_keyword = {kw: tuple(ids) for kw, ids in index.items()}

    @functools.cached_property
    def claims(self) -> tuple[dict[str, str], dict[str, Formats], dict[str, str]]:
        """Normalised provider names -> provider, each provider's token formats, and the token prefixes
        only one provider's tokens start with: for generic rules that yield to a provider (claims.py)."""
        from scanner.ruleset.claims import claim_names, provider_formats, token_leads

        return claim_names(self.rules), provider_formats(self.rules), token_leads(self.rules)

    @functools.cached_property
    def provider_words(self) -> frozenset[str]:
        """The words that name a provider, for rules that need one named (named_provider.py)."""
        from scanner.ruleset.named_provider import provider_words

        return provider_words(self.rules, self.claims[0])

    def __len__(self) -> int:
        return len(self.rules)

    def candidates(self, text: str) -> tuple[list[int], set[str]]:
        """Indices of the rules whose keywords occur in the text (case-insensitive), in rule order; on a
        large text (or any text, once the gate is loaded), minus the rules the rule gate proves cannot
        match (see rule_gate.py). And the keywords found, whose places the engine then looks up: finding
        one that is not there reads the whole text."""
        hits: set[int] = set(self.always)
        if len(text) <= SMALL_TEXT and self._gate is None:
            lowered = folded_lower(text)
            found = {kw for kw in self.by_keyword if kw in lowered}
            for kw in found:
                hits.update(self.by_keyword[kw])
            return sorted(hits), found
        gate = self._rule_gate(len(text))
        if gate is not None:
            found, matched = gate.scan(text)
            for kw in found:
                hits.update(i for i in self.by_keyword[kw] if i in matched or i not in gate.gated)
            return sorted(hits), found
        if self._prefilter is None:  # only while there is no gate: it holds the keywords too
            from scanner.ruleset.prefilter import best_prefilter

            self._prefilter = best_prefilter(list(self.by_keyword))
        found = self._prefilter.found(text)
        for kw in found:
            hits.update(self.by_keyword[kw])
        return sorted(hits), found

    def _rule_gate(self, length: int) -> Any:
        """The rule gate if one was compiled before or in the background, or once this scan has read
        GATE_AFTER of large text; None until then (the keyword prefilter decides)."""
        if self._gate is None and self._large_seen <= GATE_AFTER:
            from scanner.ruleset import gate

            if self._large_seen == 0 or (self._awaiting and not gate.building()):
                self._gate = gate.rule_gate(self.rules, list(self.by_keyword), build=False)
                self._awaiting = self._gate is None and gate.building()
            self._large_seen += length
            if self._gate is None and self._large_seen > GATE_AFTER:
                self.build_gate()
        return self._gate

    def build_gate(self) -> None:
        """Compile the rule gate now (before starting worker processes, which then receive it)."""
        from scanner.ruleset.gate import rule_gate

        self._large_seen = GATE_AFTER + 1
        if self._gate is None:
            self._gate = rule_gate(self.rules, list(self.by_keyword), build=True)

    def gate_ready(self) -> bool:
        """Whether the gate is loaded: workers forked now share it, and none loads or compiles its own."""
        return self._gate is not None

    def gate_missed(self) -> bool:
        """Whether this scan read BUILD_LATER of large text without a gate: one compiling for the scans
        after it (gate_later.py) would spare them as much."""
        return self._gate is None and self._large_seen > BUILD_LATER and bool(self.origin)

    def reference(self) -> RuleReference | None:
        """These rules by reference, when another process can load the same rules and gate from the caches:
        they came from rule files, and their gate is stored."""
        if not self.origin:
            return None
        from scanner.ruleset.gate import stored_gate

        key = stored_gate(self.rules, list(self.by_keyword))
        return RuleReference(self.origin, tuple(rule.id for rule in self.rules), key) if key else None

    def subset(self, keep: Sequence[Rule]) -> RuleSet:
        """The rules kept, still knowing every provider's name: a rule that needs one named (a bare `key`
        under `doppler:`) keeps working when only the generic rules are enabled."""
        kept = RuleSet(tuple(keep), self.origin)
        kept.provider_words = self.provider_words
        return kept


@dataclass(frozen=True)
class RuleReference:
    """A rule set by where it is kept: the rule paths it was loaded from, the ids it kept, its gate's key.
    A worker process loads it from the rule and gate caches (~40 ms, on its own core) instead of being sent
    the rules, patterns and gate pickled: 18 MB, which took the parent ~80 ms holding the GIL while the
    history walk that feeds the workers waited for it."""

    paths: tuple[str, ...]
    ids: tuple[str, ...]
    key: str

    def ruleset(self) -> RuleSet | None:
        """The same rule set again, knowing every loaded provider's name as the original did (`subset`);
        None when the rule files changed since: their rules give another gate key."""
        from pathlib import Path

        from scanner.ruleset.cache import cached_rules
        from scanner.ruleset.gate import gate_key

        loaded = RuleSet(tuple(cached_rules([Path(path) for path in self.paths])), self.paths)
        wanted = set(self.ids)
        keep = [rule for rule in loaded.rules if rule.id in wanted]
        kept = loaded.subset(keep) if len(keep) != len(loaded) else loaded
        return kept if gate_key(kept.rules, list(kept.by_keyword)) == self.key else None


def load_ruleset(extra: Sequence[Path] = (), builtin: bool = True) -> RuleSet:
    """The active rules: built-in ones (unless turned off explicitly) plus any extra files or folders."""
    from scanner.errors import RuleError
    from scanner.ruleset.cache import cached_rules
    from scanner.ruleset.rules import builtin_rules_dir

    if extra:
        from scanner.value_checks import BadValue, rule_location

        try:
            for path in extra:
                rule_location(path)
        except BadValue as exc:
            raise RuleError(f"rules path {exc}") from exc
    paths = ([builtin_rules_dir()] if builtin else []) + list(extra)
    if not paths:
        raise RuleError("no rules: --no-builtin-rules needs at least one --rules-path")
    rules = cached_rules(paths, once_compiled=_compile_gate_meanwhile)
    if not rules:
        raise RuleError("no rules were loaded: a scan with no rules would find nothing")
    return RuleSet(tuple(rules), tuple(str(path) for path in paths))


def _compile_gate_meanwhile(rules: Sequence[Rule]) -> None:
    """On a cold rule cache, start compiling the loaded rules' gate in the background once their patterns
    are compiled (gate_build.py): a large scan then finds it ready, or half done, when it asks; a small
    one never waits for it. Not earlier: on two cores it would slow the patterns' compiling, which every
    scan waits for, by as much as it gains a large scan."""
    from scanner.ruleset.gate import start_building

    start_building(rules, list(dict.fromkeys(kw for rule in rules for kw in rule.keywords)))
