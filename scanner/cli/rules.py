"""`leakstop rules list|check|new`: see the rules, prove each one finds its examples and not its negatives,
and start a new rule file."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click

from scanner.cli.config import config_option, named_config
from scanner.cli.error_handler import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, error_handler
from scanner.cli.groups import CommandGroup
from scanner.errors import RuleError
from scanner.ruleset.provider_keys import provider_keyed, with_provider_keys
from scanner.ruleset.rules import Rule, compile_pattern


@click.group(cls=CommandGroup)
def rules() -> None:
    """List and check detection rules."""


@rules.command("list")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--rules-path", "rules_paths", multiple=True, type=click.Path(path_type=Path),
              help="Extra rule file or folder (repeatable), as in `scan`: listed next to the built-in rules.")
@click.option("--no-builtin-rules", is_flag=True, help="As in `scan`: list only the rules from --rules-path.")
@click.option("--verifiable", is_flag=True, help="List the providers `scan --verify` can check, and how.")
@config_option
def list_rules(path: Path | None, rules_paths: tuple[Path, ...], no_builtin_rules: bool, verifiable: bool,
               config_file: Path | None) -> None:
    """One line per rule a scan of PATH (default: here) would run: id, severity, confidence, provider, name.

    The configuration is found as `scan` finds it (or named by --config): its `rules:` are listed, and the
    rules it disables or puts below its thresholds are not."""
    with error_handler():
        from scanner.cli.scan_setup import ScanFlags, setup_scan

        flags = ScanFlags(config=named_config(click.get_current_context(), config_file), rules_paths=rules_paths,
                          no_builtin_rules=no_builtin_rules)
        ruleset = setup_scan([path] if path else [], flags, suppress=False).ruleset
        if verifiable:
            list_verifiable({r.source for r in ruleset.rules})
            return
        for rule in sorted(ruleset.rules, key=lambda r: r.id):
            click.echo(f"{rule.id:<44} {rule.severity:<8} {rule.confidence:<6} {rule.provider}: {rule.name}")
        providers = len({r.provider for r in ruleset.rules})
        click.echo(f"{len(ruleset)} rules, {providers} providers", err=True)


def list_verifiable(sources: set[str]) -> None:
    """One line per provider with a read-only check: the endpoints it calls and the rules it covers."""
    from scanner.verify.spec import load_specs

    by_provider: dict[str, list[str]] = {}
    unverifiable = 0
    for spec in load_specs(sorted(Path(s) for s in sources)).values():
        if spec.request is None:
            unverifiable += 1
            continue
        endpoint = f"{spec.request.method} {spec.request.url.split('?')[0]}"
        by_provider.setdefault(spec.provider, [])
        if endpoint not in by_provider[spec.provider]:
            by_provider[spec.provider].append(endpoint)
    for provider in sorted(by_provider, key=str.lower):
        click.echo(f"{provider:<36} {', '.join(by_provider[provider])}")
    click.echo(f"{len(by_provider)} verifiable providers ({unverifiable} rules say why they cannot be checked)",
               err=True)


def counted(n: int, one: str) -> str:
    return f"{n} {one if n == 1 else one + 's'}"


@rules.command("new")
@click.argument("provider")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="Where to write the rule file (default: PROVIDER.yaml here; `-`: stdout).")
def new_rule(provider: str, output: Path | None) -> None:
    """Start a rule file for PROVIDER with every field explained; `rules check` then says what to fill in."""
    with error_handler():
        from scanner.cli.rule_scaffold import provider_slug, scaffold

        if not provider_slug(provider):
            raise RuleError(f"provider {provider!r} has no letters or digits to name the rules after")
        target = output or Path(f"{provider_slug(provider)}.yaml")
        if str(target) == "-":
            click.echo(scaffold(provider, f"{provider_slug(provider)}.yaml"), nl=False)
            return
        if target.exists():
            raise RuleError(f"{target} exists; give another --output or remove it")
        try:
            target.write_text(scaffold(provider, str(target)), encoding="utf-8")
        except OSError as exc:
            raise RuleError(f"{target}: cannot write: {exc.strerror or exc}") from exc
        click.echo(f"leakstop: wrote {target}; fill in each FILL IN: value, then run "
                   f"`leakstop rules check --rules-path {target}`", err=True)


@dataclass(frozen=True)
class Problem:
    rule: Rule
    message: str


@rules.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--rules-path", "rules_paths", multiple=True, type=click.Path(path_type=Path),
              help="Extra rule file or folder (repeatable), as in `scan`: these are checked with the "
                   "configuration's `rules:`, next to the built-in rules (an id both use is a problem); without "
                   "either, the built-in rules are checked.")
@click.option("--no-builtin-rules", is_flag=True, help="As in `scan`: no built-in rules next to --rules-path.")
@config_option
def check_rules(path: Path | None, rules_paths: tuple[Path, ...], no_builtin_rules: bool,
                config_file: Path | None) -> None:
    """Validate rules; every example must be found by its rule and no negative example may be.

    The rules checked are your own, those a scan of PATH (default: here) adds to the built-in pack: the
    configuration's `rules:` (found as `scan` finds it, or named by --config) and --rules-path; with none,
    the built-in pack."""
    with error_handler():
        from scanner.cli.scan_setup import start_folder
        from scanner.config import load_config
        from scanner.ruleset.rule_problems import RuleProblems
        from scanner.ruleset.rules import builtin_rules_dir, load_rules

        config = load_config(start_folder([path] if path else []),
                             named_config(click.get_current_context(), config_file))
        own = [*config.rules, *rules_paths]
        if config.rules:
            click.echo(f"leakstop: checking the rules {config.path} names: "
                       f"{', '.join(str(p) for p in config.rules)}", err=True)
        try:
            rules_list = load_rules(own or [builtin_rules_dir()])
        except RuleProblems as exc:
            # One line per problem, so a rule file is fixed in one round trip.
            click.echo(f"leakstop: error: {counted(len(exc.problems), 'problem')} in rule files; nothing was "
                       "checked:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            sys.exit(EXIT_ERROR)
        from scanner.ruleset.named_provider import provider_words

        with_builtin = bool(own) and config.use_builtin_rules and not no_builtin_rules
        builtin = load_rules([builtin_rules_dir()]) if with_builtin else []
        names = provider_words([*rules_list, *builtin])  # the providers a scan with these rules knows
        rules_list = with_provider_keys(rules_list, names)
        problems = [p for rule in rules_list for p in rule_problems(rule, names)]
        problems += [Problem(r, "provider_key: the rules loaded with it name no provider, so no key can name "
                                "one") for r in rules_list if provider_keyed(r.pattern) and not r.keywords]
        if not own:
            problems += builtin_problems(rules_list)
        if with_builtin:
            builtin_ids = {r.id for r in builtin}
            problems += [Problem(r, "a built-in rule has this id; give yours another") for r in rules_list
                         if r.id in builtin_ids]
        problems += verify_problems(rules_list)
        for rule in rules_list:
            slow = backtracking_probe(rule)
            if slow is not None:
                click.echo(f"leakstop: warning: {rule.source}: rule '{rule.id}' backtracks catastrophically: "
                           f"over {PROBE_TIMEOUT} s on {slow}", err=True)
        warnings = [r for r in rules_list if len(r.examples) < 2 or len(r.negative_examples) < 2]
        for rule in warnings:
            click.echo(f"leakstop: warning: {rule.source}: rule '{rule.id}' has fewer than 2 examples or negatives",
                       err=True)
        for p in problems:
            click.echo(f"{p.rule.source}: rule '{p.rule.id}': {p.message}", err=True)
        click.echo(f"{counted(len(rules_list), 'rule')} checked, {counted(len(problems), 'problem')}", err=True)
        sys.exit(EXIT_FINDINGS if problems else EXIT_CLEAN)


def builtin_problems(rules_list: list[Rule]) -> list[Problem]:
    """What the built-in pack demands beyond the schema: custom rules may skip negative examples, but
    every shipped rule proves it stays quiet on at least two near misses."""
    return [Problem(r, "negative_examples: fewer than 2; every built-in rule ships near misses it must not "
                       "report") for r in rules_list if len(r.negative_examples) < 2]


def rule_problems(rule: Rule, names: frozenset[str] | None = None) -> list[Problem]:
    """Each example is scanned as a file of its own through the real engine (prefilter included). `names`:
    the provider names of the rules checked with it, which a `provider-named` rule's examples name."""
    from scanner.engine.match import scan_fragment
    from scanner.fragment import Fragment
    from scanner.ruleset.rule_set import RuleSet

    ruleset = RuleSet((rule,))
    if names is not None:
        ruleset.provider_words = names
    path = rule.example_path or "example.txt"
    problems = []
    for i, example in enumerate(rule.examples, 1):
        result = scan_fragment(ruleset, Fragment(example, path), timeout=2.0)
        if result.timeouts:
            problems.append(Problem(rule, f"example {i} timed out"))
        elif not result.matches:
            problems.append(Problem(rule, f"example {i} is not found: {example[:80]!r}"))
    for i, negative in enumerate(rule.negative_examples, 1):
        result = scan_fragment(ruleset, Fragment(negative, path), timeout=2.0)
        if result.matches:
            problems.append(Problem(rule, f"negative example {i} is reported: {negative[:80]!r}"))
    return problems


def verify_problems(rules_list: list[Rule]) -> list[Problem]:
    """Every verify block: placeholders that exist, a declared HTTPS host the URL keeps to, known partners."""
    from scanner.verify.spec import load_specs, spec_problems

    by_id = {r.id: r for r in rules_list}
    specs = load_specs(sorted({Path(r.source) for r in rules_list}))
    return [Problem(by_id[rule_id], message) for rule_id, spec in specs.items()
            for message in spec_problems(spec, by_id[rule_id].regex.groupindex, by_id)]


# Characters most patterns' classes accept (letters, digits, base64/URL punctuation) and that ones
# written for `key = value` text meet: a nested quantifier over any of them blows up on a long run.
PROBE_FILLERS = ("a", "A", "0", " ", "=", "-", "_", "/", "+", ".", ":", "\"", "a0", "a ", "=a")
PROBE_LENGTH = 12000
PROBE_TIMEOUT = 0.25


# Indented lines, as in code and YAML: a repeated line pattern that lets two parts share the indentation
# (`(?:[ \t]*[^\n]*\n){0,60}`) tries every split of it on every line once the rest fails to match.
PROBE_LINES = "def handler(request):\n    return render(request, 'page.html')\n    \t# done \n" * 12
PROBE_CUTS = 6


def probe_texts(rule: Rule) -> Iterator[tuple[str, str]]:
    """(description, text): each keyword (so a real scan would run the rule) followed by a long run of one
    filler and a character no pattern ends on, which forces every alternative to be tried and to fail; and
    each example, whole and cut short, between indented lines (a multi-line block whose end is missing)."""
    literal = re.match(r"(?:\\b|\^|\((?:\?[a-z]*:)?)*([\w-]*)", rule.pattern).group(1)  # type: ignore[union-attr]
    # a `provider_key` rule's keywords are a thousand names that each take the same path through its pattern
    keywords = rule.keywords[:3] if provider_keyed(rule.pattern) else rule.keywords
    for prefix in dict.fromkeys((*keywords, literal)):
        for filler in PROBE_FILLERS:
            run = filler * (PROBE_LENGTH // len(filler))
            yield f"{prefix!r} + {len(run)} x {filler!r}", f"{prefix}{run}\x00!"
    named = [(f"example {n}", e) for n, e in enumerate(rule.examples, 1)]
    named += [(f"negative example {n}", e) for n, e in enumerate(rule.negative_examples, 1)]
    for name, example in named:
        for cut in range(PROBE_CUTS, 0, -1):
            end = len(example) * cut // PROBE_CUTS
            yield (f"{name} cut at {end} of {len(example)} characters, between indented lines",
                   f"{PROBE_LINES}{example[:end]}\n{PROBE_LINES}")


def backtracking_probe(rule: Rule) -> str | None:
    """The first adversarial text this rule's regex cannot finish within PROBE_TIMEOUT, or None.

    Linear patterns take microseconds on these texts; exponential ones (`(a|aa)+b`) take years. The
    margin between them is so wide that a short limit tells them apart on any machine. What is probed is
    what the engine searches: each alternative of a rule searched one by one (ruleset/branches.py)."""
    searched = [compile_pattern(pattern) for pattern in rule.searched]
    for description, text in probe_texts(rule):
        try:
            for regex in searched:
                for _ in regex.finditer(text, timeout=PROBE_TIMEOUT):
                    pass
        except TimeoutError:
            return description
    return None


__all__ = ["rules", "EXIT_ERROR"]
