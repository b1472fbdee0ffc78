"""Rules: load YAML rule files, validate them, and describe each rule as a typed value.

Rules are data, never code. Loading is the slow part of start-up (YAML parsing and JSON-Schema
validation), so a validated rule set is cached on disk keyed by the files' identity; see rule_cache.py.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from scanner.errors import RuleError
from scanner.ruleset.branches import searched_branches
from scanner.ruleset.provider_keys import ANY_KEY, RESERVED_GROUP, with_provider_keys
from scanner.ruleset.token_shape import literal_lead
from scanner.sha256 import sha256

DEFAULT_FILTERS = ("placeholder",)
SEVERITIES = ("critical", "high", "medium", "low", "info")
CONFIDENCES = ("high", "medium", "low")


FIXTURE_CONFIDENCE = "fixture"
"""Below `low`: a finding only in a rule's `fixture_paths`, listed when --min-confidence asks for it."""

LAZY_FIELDS = ("pattern", "remediation", "examples", "negative_examples", "example_path", "references",
               "description")
"""The fields a rule read from the rule cache gets the first time one of them is read (cache_format.py):
only a rule whose keywords a text holds runs its pattern, and only reports and `rules check` read the
rest; they were two thirds of the cache the pre-commit hook read for ~1,500 rules."""


class LazyFields(Protocol):
    """Where a cached rule's LAZY_FIELDS are: an open rule cache file (cache_format.py)."""

    def fill(self, rule: Rule, index: int) -> None:
        """Put the LAZY_FIELDS of `rule`, the file's `index`th, into its __dict__."""


def _lazy_field(rule: Rule, name: str) -> object:
    """A cached rule's LAZY_FIELDS, read from the cache when the first is asked for (the rule's __getattr__:
    Python calls it only for a name the rule's __dict__ and class lack). Reading twice, from two threads,
    fills in the same values, so nothing needs a lock."""
    lazy: tuple[LazyFields, int] | None = rule.__dict__.get("_lazy")
    if lazy is None or name not in LAZY_FIELDS:
        raise AttributeError(f"'Rule' object has no attribute '{name}'")
    source, index = lazy
    source.fill(rule, index)
    return rule.__dict__[name]


@dataclass(frozen=True)
class Rule:
    """One detection rule, as written in a rule file (the pattern is compiled on first use)."""

    id: str
    name: str
    provider: str
    pattern: str
    keywords: tuple[str, ...]
    """Lower-cased literals; the regex only runs on text that contains one of them."""
    remediation: str
    severity: str = "high"
    confidence: str = "high"
    secret_group: int | str = 0
    min_entropy: float = 0.0
    multiline: bool = False
    starts_at_keyword: bool = False
    """Every match begins with one of the keywords: the engine tries the pattern only there."""
    filters: tuple[str, ...] = DEFAULT_FILTERS
    allow_patterns: tuple[str, ...] = ()
    stopwords: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    exclude_paths: tuple[str, ...] = ()
    """Globs the rule never runs on."""
    fixture_paths: tuple[str, ...] = ()
    """Globs where the rule's matches are mostly made-up examples (tests, docs): a finding there whose
    every occurrence is in them gets confidence `fixture`, shown only when asked for."""
    names: tuple[str, ...] = ()
    """A context rule's provider names; a generic key named after one is claimed (see claims.py)."""
    token: str = ""
    """The token shape of a context rule, or the one a pattern rule captures: it tells a near miss of the
    provider's format (see claims.py)."""
    token_lead: str = ""
    """The literal every token of that shape starts with (`npm_`), read once here and kept in the rule cache:
    reading 600 shapes again was 10 ms of the pre-commit hook."""
    branches: tuple[tuple[int, int], ...] = ()
    """Where the alternatives are that the engine searches one by one (branches.py), found once at load
    and kept in the rule cache: finding them again was 6 ms of the pre-commit hook."""
    # Defaults by factory, not by value: a value would be a class attribute, which a rule read from the
    # rule cache without its LAZY_FIELDS would show instead of asking for its own (`_lazy_field`).
    examples: tuple[str, ...] = field(default_factory=tuple)
    negative_examples: tuple[str, ...] = field(default_factory=tuple)
    example_path: str = field(default_factory=str)
    references: tuple[str, ...] = field(default_factory=tuple)
    description: str = field(default_factory=str)
    source: str = ""
    """The file the rule was loaded from, for error messages."""

    if not TYPE_CHECKING:  # hidden from mypy, which would otherwise take any attribute of a Rule for valid
        __getattr__ = _lazy_field

    def __getstate__(self) -> dict[str, Any]:
        """Every field, filled: a rule sent to another process takes no open cache file with it."""
        if "_lazy" not in self.__dict__:
            return self.__dict__
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def regex(self) -> Any:
        return compile_pattern(self.pattern)

    @property
    def searched(self) -> tuple[str, ...]:
        """The patterns the engine searches for this rule: its alternatives one by one, or the pattern."""
        return tuple(self.pattern[start:end] for start, end in self.branches) or (self.pattern,)


def fields_digest(rule: Rule) -> bytes:
    """A digest of every field of `rule` (its repr), for what depends on all of them (the scan cache's
    context). A rule read from the rule cache has the one computed when the cache was written: hashing
    ~1,500 reprs cost a warm re-scan 28 ms, and reading every rule's LAZY_FIELDS for them more."""
    stored: bytes | None = rule.__dict__.get("_digest")
    return stored or sha256(repr(rule).encode("utf-8", "surrogatepass")).digest()[:16]


def precompiled_for(rules: Iterable[Rule]) -> dict[str, bytes]:
    """Every compiled pattern the rule cache holds for `rules`, read now: for worker processes, which open
    no cache file."""
    for rule in rules:
        getattr(rule, LAZY_FIELDS[0])  # a cached rule names its compiled patterns in COMPILED_LATER
    while COMPILED_LATER:
        COMPILED_LATER.popitem()[1]()
    return dict(PRECOMPILED)


# Compiled patterns stored by the rule cache (see rule_cache.py), keyed by pattern text: the marshalled
# arguments that rebuild each one from its compiled code (see regex_engine.py). Loading is ~15x faster
# than compiling (0.03 s against 0.5 s for the whole pack), which is most of a tree scan's fixed cost.
PRECOMPILED: dict[str, bytes] = {}
PRECOMPILED_FOR: list[str] = [""]
"""The `regex` version the blobs were made with; blobs from another version are ignored."""
COMPILED_LATER: dict[str, Callable[[], None]] = {}
"""Patterns whose blobs a rule cache file holds, not read yet: the call takes them into PRECOMPILED. A rule
registers its patterns when its pattern text is read (cache_format.py); the rule gate reads every rule's
text, and reading every blob with it cost ~6 ms more of a hook that scans more than a few lines."""


@functools.cache
def compile_pattern(pattern: str) -> Any:
    """Compile once per process; the `regex` package is imported only when a rule runs that the rule
    cache did not compile before (see regex_engine.py)."""
    blob = PRECOMPILED.get(pattern)
    later = COMPILED_LATER.pop(pattern, None) if blob is None else None
    if later is not None:
        later()
        blob = PRECOMPILED.get(pattern)
    if blob is not None:
        from scanner.ruleset.regex_engine import precompiled_pattern

        compiled = precompiled_pattern(blob, PRECOMPILED_FOR[0])
        if compiled is not None:
            return compiled
    import regex

    return regex.compile(pattern)


def builtin_rules_dir() -> Path:
    """The rules shipped with the package (copied into the wheel) or, in a source checkout, `rules/`.

    A plain path next to this file is what importlib.resources returned for an installed package too, and
    importing importlib.resources cost the pre-commit hook ~5 ms; the rules must be real files on disk
    either way (they are listed, stat'ed and read as files)."""
    here = Path(__file__).parent.parent  # the scanner package, where the wheel puts rules/
    packaged = here / "rules"
    if packaged.is_dir():
        return packaged
    return here.resolve().parent / "rules"


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """Every `*.yaml`/`*.yml` file named or found below the given paths, once each, in a stable order."""
    from scanner.value_checks import BadValue, rule_location

    found: list[Path] = []
    for path in paths:
        try:
            rule_location(path)
        except BadValue as exc:
            raise RuleError(f"rules path {exc}") from exc
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise RuleError(f"{path}: no such rule file or folder")
    # One file named twice (by the configuration and by --rules-path) is loaded once.
    unique: dict[Path, Path] = {}
    for file in found:
        unique.setdefault(file.resolve(), file)
    return list(unique.values())


def load_rules(paths: Sequence[Path], once_compiled: Callable[[Sequence[Rule]], None] | None = None
               ) -> list[Rule]:
    """Parse and validate every rule file. Every problem of every file is collected and raised together
    (RuleProblems), each naming file, rule and field: fixing a rule file should take one round trip.

    Compiling the patterns is most of a load, so it starts as early as it can: once every file is read,
    forked children start compiling a share each of the patterns of the rules the files hold (when they
    can be built before validation, as valid files' can; forked_compile.py) while this process
    validates, then compiles its own share. `once_compiled` then sees the rules, before they are
    checked: the rule cache starts compiling the rule gate on the cores the patterns leave free."""
    from scanner.ruleset.rule_problems import RuleProblems

    documents: list[tuple[Path, object, RuleError | None]] = []
    for path in rule_files(paths):
        try:
            documents.append((path, _read_rule_file(path), None))
        except RuleError as exc:
            documents.append((path, None, exc))
    loaded = _unchecked_rules(documents)
    compiling = _start_compiling(loaded) if loaded is not None else None
    parsed = [(path, *_checked_rules(path, data)) if error is None
              else (path, [], list(getattr(error, "problems", (str(error),)))) for path, data, error in documents]
    if loaded is None or compiling is None:
        loaded = [rule for _, found, _ in parsed for rule in found]
        compiling = _start_compiling(loaded)
    _finish_compiling(*compiling)
    if once_compiled is not None:
        once_compiled(with_provider_keys(loaded))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    problems: list[str] = []
    for path, found, file_problems in parsed:
        file_problems.extend(_compile_problems(found))
        if file_problems:
            problems.extend(file_problems)
            continue
        for rule in found:
            if rule.id in seen:
                problems.append(f"{path}: rule '{rule.id}' is also defined in {seen[rule.id]}")
                continue
            seen[rule.id] = str(path)
            rules.append(rule)
    if problems:
        raise RuleProblems(problems)
    return with_provider_keys(rules)


def _unchecked_rules(documents: Sequence[tuple[Path, object, RuleError | None]]) -> list[Rule] | None:
    """The rules the files hold, built before the schema has looked at them; None when one cannot be
    built so (the checked rules are then used). For valid files they are the rules the load returns."""
    rules: list[Rule] = []
    for path, data, error in documents:
        raw_rules = data.get("rules") if isinstance(data, dict) else None
        if error is not None or not isinstance(data, dict) or not isinstance(raw_rules, list):
            return None
        try:
            rules.extend(rule_from_dict(path, raw, str(data.get("provider", "")), compile_check=False)
                         for raw in raw_rules)
        except Exception:  # noqa: BLE001 - any field of an unvalidated file may be wrong; the schema says how
            return None
    return rules


def _start_compiling(rules: Sequence[Rule]) -> tuple[list[str], Callable[[], dict[str, bytes]]]:
    """Fork the children compiling a share of the rules' patterns: (this process's share, what collects
    the children's)."""
    from scanner.ruleset.forked_compile import compile_in_children, usable_cores

    patterns = list(dict.fromkeys(p for rule in rules for p in (*rule.searched, *rule.allow_patterns)
                                  if p not in PRECOMPILED))  # compiled for another rule cache (adopt_compiled)
    return compile_in_children(patterns, min(usable_cores() - 1, 3))


def _finish_compiling(own: Sequence[str], collect: Callable[[], dict[str, bytes]]) -> None:
    """Compile this process's share into compile_pattern's cache and take the children's compiled
    patterns; errors are left for check_rule_compiles to report."""
    import regex

    for pattern in own:
        try:
            compile_pattern(pattern)
        except (regex.error, ValueError, RecursionError, OverflowError):
            continue
    blobs = collect()
    if blobs:
        PRECOMPILED.update(blobs)
        PRECOMPILED_FOR[0] = regex.__version__


def _compile_problems(rules: Sequence[Rule]) -> list[str]:
    problems = []
    for rule in rules:
        try:
            check_rule_compiles(rule)
        except RuleError as exc:
            problems.append(str(exc))
    return problems


def parse_rule_file(path: Path) -> list[Rule]:
    """The rules of one file, or RuleProblems with every problem found in it."""
    from scanner.ruleset.rule_problems import RuleProblems

    rules, problems = _checked_rules(path, _read_rule_file(path))
    problems.extend(_compile_problems(rules))
    if problems:
        raise RuleProblems(problems)
    return with_provider_keys(rules)


def _read_rule_file(path: Path) -> object:
    """A rule file's YAML, parsed; RuleError when it cannot be read or parsed."""
    from scanner.ruleset.yaml_io import load_yaml

    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"{path}: cannot read rule file: {exc}") from exc
    except ValueError as exc:
        raise RuleError(f"{path}: {exc}") from exc


def _checked_rules(path: Path, data: object) -> tuple[list[Rule], list[str]]:
    """The rules of a parsed file whose fields are valid (patterns not compiled yet), and its problems."""
    from scanner.ruleset.rule_problems import document_problems

    problems, invalid = document_problems(path, data, rule_schema())
    rules: list[Rule] = []
    raw_rules = data.get("rules") if isinstance(data, dict) else None
    if isinstance(data, dict) and isinstance(raw_rules, list) and None not in invalid:
        for index, raw in enumerate(raw_rules):
            if index in invalid:
                continue
            try:
                rules.append(rule_from_dict(path, raw, str(data.get("provider", "")), compile_check=False))
            except RuleError as exc:
                problems.append(str(exc))
    return rules, problems


@functools.lru_cache(maxsize=1)
def rule_schema() -> dict[str, Any]:
    import json

    schema: dict[str, Any] = json.loads((builtin_rules_dir() / "schema.json").read_text(encoding="utf-8"))
    return schema


def rule_from_dict(path: Path, raw: dict[str, Any], default_provider: str, compile_check: bool = True) -> Rule:
    """One rule from its YAML mapping; with `compile_check`, RuleError unless its patterns compile."""
    allow = raw.get("allow", {})
    context = raw.get("context")
    if context is not None:
        check_context(path, raw["id"], context)
    provider = raw.get("provider", default_provider)
    keywords = tuple(k.lower() for k in raw.get("keywords", context_keywords(context) if context else ()))
    provider_key = raw.get("provider_key")
    if context is not None:
        keywords = tuple(dict.fromkeys((*keywords, *loose_keywords(context))))
        pattern, token = context_pattern(context), context["token"]
    elif provider_key is not None:
        pattern, token = provider_key_pattern(provider_key["token"]), provider_key["token"]
    else:
        if RESERVED_GROUP.search(raw["pattern"]):
            raise RuleError(f"{path}: rule '{raw['id']}': the group names provider_key and bare_name are "
                            "the engine's; name the group otherwise")
        pattern, token = keyed_context_branch(shell_default_edge(raw["pattern"]), raw.get("secret_group", 0),
                                              keywords, provider, raw["name"])
    secret_group = raw.get("secret_group", 1 if context is not None else 2 if provider_key is not None else 0)
    rule = Rule(
        id=raw["id"],
        name=raw["name"],
        provider=provider,
        pattern=pattern,
        keywords=keywords,
        remediation=raw["remediation"].strip(),
        severity=raw.get("severity", "high"),
        confidence=raw.get("confidence", "high" if context is None else "medium"),
        secret_group=secret_group,
        min_entropy=float(raw.get("min_entropy", 0.0 if context is None else CONTEXT_MIN_ENTROPY)),
        multiline=bool(raw.get("multiline", False)),
        starts_at_keyword=bool(raw.get("starts_at_keyword", False)),
        filters=tuple(raw.get("filters", DEFAULT_FILTERS if context is None else CONTEXT_FILTERS)),
        allow_patterns=tuple(allow.get("patterns", ())),
        stopwords=tuple(s.lower() for s in allow.get("stopwords", ())),
        paths=tuple(raw.get("paths", ())),
        exclude_paths=tuple(raw.get("exclude_paths", ())),
        fixture_paths=tuple(raw.get("fixture_paths", ())),
        names=tuple(context["names"]) if context else (),
        token=token,
        token_lead=literal_lead(token) if token else "",
        branches=searched_branches(pattern, secret_group),
        examples=tuple(raw["examples"]),
        negative_examples=tuple(raw.get("negative_examples", ())),
        example_path=raw.get("example_path", ""),
        references=tuple(raw.get("references", ())),
        description=raw.get("description", ""),
        source=str(path),
    )
    if compile_check:
        check_rule_compiles(rule)
    if rule.starts_at_keyword and (rule.multiline or not rule.keywords):
        raise RuleError(f"{path}: rule '{rule.id}': starts_at_keyword needs keywords and a single-line rule")
    if not rule.keywords and not rule.paths and provider_key is None:
        raise RuleError(f"{path}: rule '{rule.id}': keywords may be empty only when paths restrict the rule")
    return rule


# A context rule: the provider's name (or one of its words) shortly before a token of a known shape, on the
# same line or one of the four lines above (a YAML, INI or Terraform block names the provider and nests the
# key under siblings: `acme:` / `  api:` / `    region: eu` / `    key: ...`; two lines missed a tenth of such
# blocks in a probe of 286, and four cost no measurable time on a pip-size history). Most providers issue
# unprefixed keys (32 hex, 40 alphanumerics, UUIDs) that only the name next to them identifies; a compact YAML
# entry expands into one ordinary pattern, so the gate, keyword windows and time limit treat it like any rule.
CONTEXT_REACH = 48
CONTEXT_LINES_BELOW = 4
NOUN_LINES_BELOW = 2
"""How far below its line a provider's name reaches without a credential noun on the token's line, and a
credential noun on the name's own line reaches at all."""
CONTEXT_MIN_ENTROPY = 3.0
CONTEXT_FILTERS = ("placeholder", "template", "variable", "path", "url", "checksum", "example-word")
# Words between the name and the token that say it is a digest or a commit, not a credential (or that it
# is encrypted: the hex lines of an Ansible `!vault` block).
_DIGEST_WORDS = r"(?i:hash|sha(?![a-z])|md5|checksum|digest|integrity|etag|commit|revision|fingerprint|\$ANSIBLE_VAULT)"
# A token ends where its alphabet does: these never stand right before or after a whole token (nor `@`
# before it: `action@<sha>`, `image@sha256:`, `user@host` pin or address something), except the shell's
# `${ACME_KEY:-<default>}`.
_TOKEN_EDGE = r"A-Za-z0-9_+/"
# A UUID-shaped token whose own key says it is an id (`project_id:`, `"TenantId": `, `request_id=`), that
# follows the word for what it identifies in prose or a log (`request <uuid>`, `job #<uuid>`), or that a getter
# looks up (`translator.get_glossary("<uuid>")`), names a thing, not a credential; a UUID under `api_key` or
# `token` is a key (Heroku's, Snyk's).
_UUID_SHAPE = "{4}-"
# A token right after a word of version control or CI and a space (`Acme build 3f2c...e9 passed`,
# `deployed <sha>`, `at tag @<sha>`) is the revision a log line or a sentence is about, not a credential.
# Only in prose: a key (`ACME_SECRET_RELEASE=`) may end in such a word.
_AFTER_SCM_WORD = (r"(?<!(?<![A-Za-z])(?i:builds?|built|deploy(?:s|ed|ing)?|releases?|released|merged?|push(?:ed)?"
                   r"|checkout|checked[ \t]out|rev|ref|tag(?:ged)?|version|head|branch)[ \t]{1,3}[#@]?)")
_KEY_SEPARATOR = r"[\"']?[ \t]*[:=>]{1,2}[ \t]*[\"']?"
_CLIENT_ID = rf"(?<!(?:(?<![A-Za-z])(?i:client)|(?<=[a-z])Client)[_.-]?(?i:id){_KEY_SEPARATOR})"
"""A token under a client's id (`RC_CLIENT_ID=`, `"clientId": `) is the public half of an OAuth pair: the lead goes
on to the secret on a line below (`RC_CLIENT_SECRET=`), which the first token of the shape after the provider's
name used to hide. The ids of other things are dropped after the match (filters.thing_id_rejection): an
alternation of their names in this lookbehind cost the regex module its fast scan for every context rule (a
flask-size history's rule time went from 0.15 s to 7 s); a UUID under any id key is no key (_ID_KEY)."""
_LOGGED_THINGS = ("request", "req", "trace", "span", "correlation", "transaction", "txn", "job", "run", "task", "order",
                  "event", "message", "msg", "record", "item", "object", "entity", "instance", "device", "workflow",
                  "execution", "operation", "batch")
"""What a log or a sentence names by an id after its word (`request <uuid>`, `job #<uuid>`)."""
_ID_KEY = (rf"(?<!(?:(?<![A-Za-z])(?i:id|uuid|guid)|(?<=[a-z])(?:Id|ID|Uuid|UUID|Guid|GUID)){_KEY_SEPARATOR})"
           rf"(?<!(?<![A-Za-z])(?i:{'|'.join(_LOGGED_THINGS)})"
           r"(?:[ \t]{1,3}[#:]?|:)[ \t]?)"
           r"(?<!(?<![A-Za-z])(?i:get|fetch|delete|remove|update|find|lookup|describe|cancel|retrieve)[_A-Z]?[A-Za-z]{0,30}"
           r"\([ \t]*[\"'])")


def context_pattern(context: dict[str, Any]) -> str:
    """The regex of a context rule: name, then up to `reach` characters of key, separators and quotes
    (never through a digest word) on each of up to five lines, none of the lines after the name's blank
    (a blank line ends the block that named the provider), then the token as group 1, whole on both
    sides."""
    from scanner.ruleset.context_names import PROVIDER_START, loose_names

    names = "|".join(_name_pattern(name) for name in context["names"])
    reach, token = int(context.get("reach", CONTEXT_REACH)), context["token"]
    gap = _gap(reach)
    ahead = _token_ahead(token, reach, reach)
    lead = rf"{PROVIDER_START}(?i:{names}){ahead}{_lines_below(gap, reach)}"
    loose = loose_names(context["names"])
    if loose is None:
        return _with_token(lead, token)
    loose_lead = _loose_lead(loose.providers, loose.nouns, reach, token)
    leads = f"(?|{_with_token(lead, token)}|{_with_token(loose_lead, token)})"
    return _with_bare_key(leads, loose.providers, token)


def provider_key_pattern(token: str) -> str:
    """The regex of a `provider_key` rule: any one word as a bare key in each of its forms (key_leads.py),
    then the token as group 2 (the key is group 1), whole on both sides. Its keywords are every provider
    name of the rule set (provider_keys.py); a match whose key is none of them is dropped (match.py)."""
    from scanner.ruleset.key_leads import BARE_NAME, bare_key_lead, bare_line_lead

    lead = f"(?:{bare_key_lead([ANY_KEY])}|{bare_line_lead([ANY_KEY])})"
    return f"{_with_token(lead, token)}(?P<{BARE_NAME}>)"


def keyed_context_branch(pattern: str, secret_group: int | str, keywords: Sequence[str], provider: str,
                         name: str = "") -> tuple[str, str]:
    """A keyword-pattern rule's pattern with a context branch for its token (see keyed_context.py), and
    that token's shape; or the pattern unchanged and the shape it captures, if a plain one."""
    from scanner.ruleset.context_names import PROVIDER_START
    from scanner.ruleset.keyed_context import keyed_context, token_shape, with_context_branch

    found = keyed_context(pattern, secret_group, keywords, provider, name)
    if found is None:
        return pattern, token_shape(pattern, secret_group)
    gap = _gap(CONTEXT_REACH)
    if found.nouns:
        lead = _loose_lead(found.providers, found.nouns, CONTEXT_REACH, found.token)
    else:
        names = "|".join(_name_pattern(p) for p in found.providers)
        ahead = _token_ahead(found.token, CONTEXT_REACH, CONTEXT_REACH)
        lead = rf"{PROVIDER_START}(?i:{names}){ahead}{_lines_below(gap, CONTEXT_REACH)}"
    return _with_bare_key(with_context_branch(pattern, _with_token(lead, found.token)), found.providers,
                          found.token), found.token


_NEXT_LINE = r"\r?\n(?=[ \t]*\S)"


def _gap(reach: int) -> str:
    return rf"(?:(?!{_DIGEST_WORDS})[^\r\n]){{0,{reach}}}?"


def _with_token(lead: str, token: str) -> str:
    """The lead, then the token as group 1, whole on both sides. Not a URL's password either
    (`https://gitlab+deploy-token-1:<token>@gitlab.com`): the URL rules judge those, and a user name that
    holds the provider's name is no key naming the token."""
    key_is_id = _ID_KEY if _UUID_SHAPE in token else _CLIENT_ID
    return (rf"{lead}(?:(?<=:-)|(?<![{_TOKEN_EDGE}@-])){key_is_id}{_AFTER_SCM_WORD}({token})"
            rf"(?![{_TOKEN_EDGE}=@-])")


def _with_bare_key(pattern: str, provider_words: Sequence[str], token: str) -> str:
    """The pattern, or the provider's name as a whole key right before the token, marked (key_leads.py);
    each form of a bare key an alternative of its own, which the engine searches alone (branches.py); none
    for a provider whose public key the bare key holds as often (key_leads.PUBLIC_HALF_PROVIDERS)."""
    from scanner.ruleset.key_leads import BARE_NAME, PUBLIC_HALF_PROVIDERS, bare_key_forms

    words = [p for p in provider_words if p.replace(" ", "") not in PUBLIC_HALF_PROVIDERS]
    if not words:
        return pattern
    forms = bare_key_forms([_name_pattern(p) for p in words])
    return "(?|" + "|".join([pattern, *(f"{_with_token(form, token)}(?P<{BARE_NAME}>)" for form in forms)]) + ")"


def _lines_below(gap: str, reach: int) -> str:
    """From the provider's name to the token: on the name's line or one of the NOUN_LINES_BELOW below it;
    further down only when the token's own line names a credential (`[acme]` / `region = eu` / `timeout = 30`
    / `api_key = ...`): a glossary's UUID, a Kubernetes `uid:` or a log's `user=` three lines under a name
    is no key of its."""
    line = rf"{_NEXT_LINE}{gap}"
    return (rf"{gap}(?:(?:{line}){{0,{NOUN_LINES_BELOW}}}|(?:{line}){{{NOUN_LINES_BELOW + 1},{CONTEXT_LINES_BELOW}}}"
            rf"{_on_token_line(_any_noun(), reach)})")


@functools.cache
def _any_noun() -> str:
    from scanner.ruleset.context_names import CREDENTIAL_NOUNS, noun_pattern

    return noun_pattern(sorted(CREDENTIAL_NOUNS))


def _on_token_line(noun: str, reach: int) -> str:
    """The noun within `reach` before the token, on the token's own line."""
    return rf"(?<={noun}[^\r\n]{{0,{reach}}})"


def _token_ahead(token: str, first_line: int, reach: int) -> str:
    """A lookahead that a lead's name asks before the rest of it: a token of the shape within `first_line`
    characters on the name's line, or within `reach` of the start of one of the lines below that the lead
    may cross (each crossed line within `reach` too). The lead's gaps are tried position by position, noun
    by noun, line by line; with no token near, the lookahead alone fails them, and a name that a file
    repeats (1,800 `github` in an SBOM) cost 60 us each instead of a few."""
    line = rf"[^\r\n]{{0,{reach}}}"
    ahead = [rf"[^\r\n]{{0,{first_line}}}?(?:{token})"]
    for below in range(1, CONTEXT_LINES_BELOW + 1):
        ahead.append(rf"[^\r\n]{{0,{first_line}}}\r?\n" + rf"{line}\r?\n" * (below - 1) + rf"{line}?(?:{token})")
    return f"(?={'|'.join(ahead)})"


def _loose_lead(provider_words: Sequence[str], nouns: Sequence[str], reach: int, token: str) -> str:
    """Provider words, then a credential noun on the provider's line or one of the four below it, within the
    same reach as a whole name (see context_names.py)."""
    from scanner.ruleset.context_names import PROVIDER_START, glued_noun_pattern, noun_pattern

    gap = _gap(reach)
    # on the name's line: a gap, a noun (and its plural `s`), a gap
    ahead = _token_ahead(token, 2 * reach + max(len(n) for n in nouns) + 1, reach)
    providers = "|".join(_name_pattern(p) for p in provider_words)
    noun, glued = noun_pattern(nouns), glued_noun_pattern(nouns)
    line = rf"{_NEXT_LINE}{gap}"
    # The noun on the provider's line (right after it, or further on), or on the token's own line: two
    # branches, which keep the gate's database small (each branch is compiled into it). A noun on the
    # provider's line reaches two lines down: further, such a line is prose about the credential (`# Entra ID
    # client secrets hold ~ and .`) above whatever token of the shape comes next.
    after = (rf"(?:{glued}|{gap}{noun}){gap}(?:{line}){{0,{NOUN_LINES_BELOW}}}"
             rf"|{gap}(?:{line}){{1,{CONTEXT_LINES_BELOW}}}{_on_token_line(noun, CONTEXT_REACH)}")
    return rf"{PROVIDER_START}(?i:{providers}){ahead}(?:{after})"


def _name_pattern(name: str) -> str:
    """`Hugging Face` also matches `HUGGINGFACE_TOKEN`, `hugging_face` and `hugging-face`."""
    words = [re.escape(w) for w in re.split(r"[\s_.-]+", name.strip()) if w]
    return r"[\s_.-]?".join(words)


def context_keywords(context: dict[str, Any]) -> tuple[str, ...]:
    """The gate's literals: each name's longest word, which every spelling of the name contains."""
    return tuple(dict.fromkeys(max(re.split(r"[\s_.-]+", name.strip()), key=len).lower()
                               for name in context["names"]))


def loose_keywords(context: dict[str, Any]) -> tuple[str, ...]:
    """The longest word of each provider part a loosened name starts with: a loose match holds it, not
    always the whole name's longest word (`demio … secret` has no `demio secret`)."""
    from scanner.ruleset.context_names import loose_names

    loose = loose_names(context["names"])
    if loose is None:
        return ()
    return tuple(max(p.split(), key=len) for p in loose.providers)


# A pattern that opens by refusing a token character before its token (`(?<![A-Za-z0-9_-])sk_live_...`)
# also refuses the shell's default value, `${STRIPE_KEY:-sk_live_...}`, where `-` is syntax: such a lead
# also accepts `:-` right before the match.
_LEADING_EDGE = re.compile(r"(\(\?[a-zA-Z]+\))?(\(\?<!\[[^\]\\]*-\]\))")


def shell_default_edge(pattern: str) -> str:
    """The pattern, its leading negative lookbehind (when its class refuses `-`) widened to accept `:-`."""
    m = _LEADING_EDGE.match(pattern)
    if m is None:
        return pattern
    return f"{m.group(1) or ''}(?:(?<=:-)|{m.group(2)}){pattern[m.end():]}"


def check_context(path: Path, rule_id: str, context: dict[str, Any]) -> None:
    """A token shape with its own groups would shift the secret's group; a name word shorter than three
    letters would make the gate fire everywhere."""
    import regex

    try:
        groups = regex.compile(context["token"]).groups
    except regex.error as exc:
        raise RuleError(f"{path}: rule '{rule_id}': context.token does not compile: {exc}") from exc
    if groups:
        raise RuleError(f"{path}: rule '{rule_id}': context.token must not have capture groups; use (?:...)")
    short = [kw for kw in context_keywords(context) if len(kw) < 3]
    if short:
        raise RuleError(f"{path}: rule '{rule_id}': context name word {short[0]!r} is shorter than 3 letters")


def check_rule_compiles(rule: Rule) -> None:
    """A pattern that does not compile, or names a group it lacks, fails loading: a rule that can never
    match must not pass silently."""
    import regex

    try:
        # the alternatives the engine searches, not the whole pattern too: compiling both doubled the time
        # a fresh install takes to load the rules (branches.py keeps whole what does not split cleanly)
        compiled = [compile_pattern(pattern) for pattern in rule.searched]
        for allowed in rule.allow_patterns:
            compile_pattern(allowed)
    except regex.error as exc:
        raise RuleError(f"{rule.source}: rule '{rule.id}': pattern does not compile: {exc}") from exc
    group, groups = rule.secret_group, max(c.groups for c in compiled)
    if isinstance(group, int) and group > groups:
        raise RuleError(f"{rule.source}: rule '{rule.id}': secret_group {group} but the pattern has "
                        f"{groups} group(s)")
    if isinstance(group, str) and all(group not in c.groupindex for c in compiled):
        raise RuleError(f"{rule.source}: rule '{rule.id}': secret_group '{group}' is not a named group")
