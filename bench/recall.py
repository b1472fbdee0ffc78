"""Recall on generated credentials: every rule, every surrounding people write keys in.

    python bench/recall.py                 # the tables (about a minute)
    python bench/recall.py --rules 'aws-*' --misses   # one family, listing every miss
    python bench/recall.py --json recall.json

For each rule a fresh token of its shape is made from the rule's own first example (the secret the rule
finds there, its prefix kept, every other character replaced by a random one of the same class), checked
against the rule where the example had it, and then written into each of the surroundings below (a .env
line, YAML, JSON, XML, Dockerfile, curl, a log line, a Markdown table...), named after the rule's provider
as a person would name it. Each text is scanned as a file of its own through the real engine and the
same de-duplication as a scan. A surrounding counts as found when any finding covers the token;
`by rule` when the rule itself (not a generic rule) reports it.

Near misses are measured the same way: the token cut short by a quarter, the token with its random
part replaced by `x`s, and (counted apart) the token with one character of its random part replaced by one
no token of the shape holds (`!`; and `?` for its last one), as a test of a detector spoils a token, and its
random part in the other case (`3F9A...` for `3f9a...`). Findings on those are false positives. The first
five kinds are written in five surroundings (.env, Python, JSON, nested YAML, prose); the token cut short is
also written in every other one, for the table's last column.

Not a test: the figures are for people (they go in the closing notes and bench/README.md). No token
here comes from another project; every one is made at run time.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import random
import re
import string
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.engine.match import scan_fragment  # noqa: E402
from scanner.engine.ranking import outranked  # noqa: E402
from scanner.fragment import Fragment  # noqa: E402
from scanner.ruleset.rule_set import RuleSet, load_ruleset  # noqa: E402
from scanner.ruleset.rules import Rule  # noqa: E402


@dataclass(frozen=True)
class Names:
    """The ways a person spells a provider in code: ACME_CLOUD, acme_cloud, acmeCloud, AcmeCloud, acme."""

    upper: str
    snake: str
    camel: str
    pascal: str
    host: str


def names_of(provider: str) -> Names:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", provider) if w] or ["acme"]
    lower = [w.lower() for w in words]
    return Names(
        upper="_".join(w.upper() for w in words),
        snake="_".join(lower),
        camel=lower[0] + "".join(w.capitalize() for w in lower[1:]),
        pascal="".join(w.capitalize() for w in lower),
        host="".join(lower),
    )


# (name, file name, template). {T} is the token; the rest come from Names.
SURROUNDINGS: tuple[tuple[str, str, str], ...] = (
    ("dotenv", ".env", "{upper}_API_KEY={T}\n"),
    ("dotenv-token", "deploy.env", "# {pascal}\n{upper}_TOKEN={T}\n"),
    ("shell-export", "env.sh", 'export {upper}_SECRET="{T}"\n'),
    ("python", "settings.py", '{snake}_api_key = "{T}"\n'),
    ("python-kwarg", "client.py", 'client = {pascal}Client(api_key="{T}", timeout=30)\n'),
    ("javascript", "index.js", "const {camel}ApiKey = '{T}';\n"),
    ("go", "main.go", '\t{camel}Token := "{T}"\n'),
    ("java", "Config.java", 'private static final String {upper}_SECRET = "{T}";\n'),
    ("json", "config.json", '{{\n  "{snake}_access_token": "{T}"\n}}\n'),
    ("yaml-nested", "config.yaml", "{snake}:\n  api_key: {T}\n  region: eu-west-1\n"),
    ("toml", "config.toml", '[{snake}]\ntoken = "{T}"\n'),
    ("properties", "app.properties", "{snake}.api.key={T}\n"),
    ("ini", "settings.ini", "[{snake}]\nsecret_key = {T}\n"),
    ("xml-attribute", "web.config", '<add key="{pascal}ApiKey" value="{T}" />\n'),
    ("xml-element", "settings.xml", "<{camel}Token>{T}</{camel}Token>\n"),
    ("dockerfile", "Dockerfile", "FROM python:3.12-slim\nENV {upper}_API_KEY {T}\n"),
    ("compose", "docker-compose.yml", "services:\n  app:\n    environment:\n      - {upper}_TOKEN={T}\n"),
    ("actions-env", "ci.yml", "env:\n  {upper}_API_KEY: {T}\n"),
    ("terraform", "main.tf", 'provider "{snake}" {{\n  token = "{T}"\n}}\n'),
    ("powershell", "setup.ps1", '$env:{upper}_API_KEY = "{T}"\n'),
    ("curl-bearer", "notes.sh", 'curl -H "Authorization: Bearer {T}" https://api.{host}.com/v1/me\n'),
    ("curl-api-key", "test.sh", "curl https://api.{host}.io/v2/items -H 'X-API-Key: {T}'\n"),
    ("url-query", "links.txt", "https://api.{host}.com/v2/data?api_key={T}&format=json\n"),
    ("cli-flag", "Makefile", "deploy:\n\t{host} login --token {T}\n"),
    ("log-line", "app.log", "2024-05-01T10:22:03Z INFO {snake}.client initialised with key {T}\n"),
    ("markdown-table", "README.md", "| variable | value |\n|---|---|\n| {upper}_API_KEY | {T} |\n"),
    ("prose", "notes.txt", "Here is the {pascal} API token for staging: {T}\n"),
    ("php-array", "config.php", "    '{snake}_key' => '{T}',\n"),
    ("ruby", "initializer.rb", "config.{snake}_secret = '{T}'\n"),
    ("bare", "token.txt", "{T}\n"),
)

# Characters that stay as they are in a generated token: separators and a rule's fixed parts.
_KEEP = set("_-.:/+=~@")


def fresh_token(seed: str, keep: int, rng: random.Random, keep_end: int = 0) -> str:
    """The seed with its first `keep` and last `keep_end` characters kept and every other letter or digit
    replaced by a random one of the same class, segment by segment (a hex segment stays hex), so the token
    has the rule's shape but is new."""
    body = seed[keep:len(seed) - keep_end]
    out = [_fresh_segment(part, rng) for part in re.split(r"([^A-Za-z0-9]+)", body)]
    return seed[:keep] + "".join(out) + seed[len(seed) - keep_end:]


def _fresh_segment(part: str, rng: random.Random) -> str:
    if not part or not part.isalnum() or not part.isascii():
        return part
    if all(c in "0123456789abcdef" for c in part):
        return "".join(rng.choice("0123456789abcdef") for _ in part)
    if all(c in "0123456789ABCDEF" for c in part):
        return "".join(rng.choice("0123456789ABCDEF") for _ in part)
    pools = {0: string.digits, 1: string.ascii_lowercase, 2: string.ascii_uppercase}
    return "".join(rng.choice(pools[c.isupper() * 2 or c.islower() * 1]) for c in part)


def kept_prefix(rule: Rule, seed: str) -> int:
    """How much of the seed is the rule's fixed part: a keyword it starts with, or everything up to its
    last separator within the first 12 characters (`sk_live_`, `xoxb-`, `hvs.`)."""
    lower = seed.lower()
    keep = max((len(kw) for kw in rule.keywords if lower.startswith(kw)), default=0)
    head = seed[:12]
    cut = max(head.rfind(c) for c in "_-.")
    return max(keep, cut + 1 if cut > 0 else 0)


def seed_of(rule: Rule) -> tuple[str, str, int, int] | None:
    """(example, secret, start, end) of the first example the rule finds on its own."""
    ruleset = RuleSet((rule,))
    for example in rule.examples:
        matches = scan_fragment(ruleset, Fragment(example, rule.example_path or "example.txt"), timeout=2.0).matches
        if matches:
            m = matches[0]
            return example, m.secret, m.start, m.end
    return None


def token_for(rule: Rule, rng: random.Random) -> str | None:
    """A new token of the rule's shape, proven by the rule finding it where its example had the seed."""
    seed = seed_of(rule)
    if seed is None:
        return None
    example, secret, start, end = seed
    single = RuleSet((rule,))
    for attempt in range(9):
        token = fresh_token(secret, kept_prefix(rule, secret), rng, keep_end=(0, 2, 4)[attempt % 3])
        text = example[:start] + token + example[end:]
        if scan_fragment(single, Fragment(text, rule.example_path or "example.txt"), timeout=2.0).matches:
            return token
    return None


def covered(ruleset: RuleSet, text: str, path: str, token: str) -> tuple[bool, set[str]]:
    """Whether any finding covers the token, and which rules report it."""
    fragment = Fragment(text, path)
    result = scan_fragment(ruleset, fragment, timeout=2.0)
    at = text.find(token)
    span = (at, at + len(token))
    beaten = outranked(result.matches)
    rules = {m.rule.id for i, m in enumerate(result.matches)
             if m.start < span[1] and span[0] < m.end and i not in beaten}
    return bool(rules), rules


def near_misses(token: str, keep: int) -> list[tuple[str, str]]:
    short = token[: max(keep + 4, len(token) * 3 // 4)]
    exes = token[:keep] + re.sub(r"[A-Za-z0-9]", "x", token[keep:])
    middle = keep + (len(token) - keep) // 2
    spoilt = token[:middle] + "!" + token[middle + 1:]
    rest = token[keep:]
    cased = token[:keep] + (rest.upper() if rest != rest.upper() else rest.lower())
    kinds = [("cut", short), ("exes", exes), ("spoilt", spoilt), ("spoilt_end", token[:-1] + "?")]
    return kinds + [("cased", cased)] if cased != token else kinds


def run(rules_glob: str, seed: int, show_misses: bool) -> dict[str, object]:
    rng = random.Random(seed)
    ruleset = load_ruleset()
    chosen = [r for r in ruleset.rules if fnmatch.fnmatch(r.id, rules_glob)]
    per_rule: dict[str, tuple[int, int, int]] = {}
    per_surrounding: Counter[str] = Counter()
    per_surrounding_by_rule: Counter[str] = Counter()
    cut_flagged: Counter[str] = Counter()
    fp_near: Counter[str] = Counter()
    near_total: Counter[str] = Counter()
    no_token: list[str] = []
    misses: defaultdict[str, list[str]] = defaultdict(list)
    started = time.perf_counter()
    for rule in chosen:
        token = token_for(rule, rng)
        if token is None:
            no_token.append(rule.id)
            continue
        names = names_of(rule.provider)
        keep = kept_prefix(rule, token)
        found = by_rule = 0
        near = near_misses(token, keep)
        for name, path, template in SURROUNDINGS:
            text = template.format(T=token, **names.__dict__)
            hit, rules = covered(ruleset, text, path, token)
            found += hit
            by_rule += rule.id in rules
            per_surrounding[name] += hit
            per_surrounding_by_rule[name] += rule.id in rules
            if not hit:
                misses[rule.id].append(name)
            if name in ("dotenv", "python", "json", "yaml-nested", "prose"):
                for kind, miss in near:
                    flagged = covered(ruleset, template.format(T=miss, **names.__dict__), path, miss)[0]
                    near_total[kind] += 1
                    fp_near[kind] += flagged
                    cut_flagged[name] += flagged and kind == "cut"
            else:
                cut = near[0][1]
                cut_flagged[name] += covered(ruleset, template.format(T=cut, **names.__dict__), path, cut)[0]
        per_rule[rule.id] = (found, by_rule, len(SURROUNDINGS))
    seconds = time.perf_counter() - started
    tested = len(per_rule)
    total = tested * len(SURROUNDINGS)
    report = {
        "rules": len(chosen),
        "rules_tested": tested,
        "rules_without_token": no_token,
        "providers": len({r.provider for r in chosen}),
        "surroundings": len(SURROUNDINGS),
        "texts": total,
        "recall": sum(f for f, _, _ in per_rule.values()) / total if total else 0.0,
        "recall_by_rule": sum(b for _, b, _ in per_rule.values()) / total if total else 0.0,
        "near_miss_texts": near_total["cut"] + near_total["exes"],
        "near_miss_flagged": ((fp_near["cut"] + fp_near["exes"]) / (near_total["cut"] + near_total["exes"])
                              if near_total else 0.0),
        "spoilt_texts": near_total["spoilt"],
        "spoilt_flagged": fp_near["spoilt"] / near_total["spoilt"] if near_total else 0.0,
        "spoilt_end_flagged": fp_near["spoilt_end"] / near_total["spoilt_end"] if near_total else 0.0,
        "cased_texts": near_total["cased"],
        "cased_flagged": fp_near["cased"] / near_total["cased"] if near_total["cased"] else 0.0,
        "per_surrounding": {n: (per_surrounding[n] / tested if tested else 0.0,
                                per_surrounding_by_rule[n] / tested if tested else 0.0,
                                cut_flagged[n] / tested if tested else 0.0)
                            for n, _, _ in SURROUNDINGS},
        "cut_flagged_everywhere": sum(cut_flagged.values()) / total if total else 0.0,
        "per_rule": {rid: f / n for rid, (f, _, n) in per_rule.items()},
        "seconds": seconds,
    }
    if show_misses:
        report["misses"] = dict(misses)
    return report


def print_report(report: dict[str, object], worst: int) -> None:
    print(f"{report['rules_tested']} of {report['rules']} rules ({report['providers']} providers), "
          f"{report['surroundings']} surroundings, {report['texts']} texts, {report['seconds']:.1f} s")
    print(f"recall: {report['recall']:.1%} (by the rule itself: {report['recall_by_rule']:.1%}); "
          f"near misses flagged: {report['near_miss_flagged']:.1%} of {report['near_miss_texts']}; "
          f"spoilt tokens flagged: {report['spoilt_flagged']:.1%} of {report['spoilt_texts']} "
          f"(at their end: {report['spoilt_end_flagged']:.1%}); "
          f"in the other case: {report['cased_flagged']:.1%} of {report['cased_texts']}; "
          f"cut by a quarter, in every surrounding: {report['cut_flagged_everywhere']:.1%}")
    print("\n| surrounding | found | by the rule | cut by a quarter, flagged |\n|---|---|---|---|")
    per_surrounding = report["per_surrounding"]
    assert isinstance(per_surrounding, dict)
    for name, (found, by_rule, cut) in per_surrounding.items():
        print(f"| {name} | {found:.1%} | {by_rule:.1%} | {cut:.1%} |")
    per_rule = report["per_rule"]
    assert isinstance(per_rule, dict)
    weakest = sorted(per_rule.items(), key=lambda kv: kv[1])[:worst]
    print(f"\nweakest {len(weakest)} rules:")
    for rid, value in weakest:
        print(f"  {value:6.1%}  {rid}")
    no_token = report["rules_without_token"]
    assert isinstance(no_token, list)
    if no_token:
        print(f"\n{len(no_token)} rules gave no token (multi-line or path-bound examples): "
              + ", ".join(no_token[:20]) + (" ..." if len(no_token) > 20 else ""))
    misses = report.get("misses")
    if isinstance(misses, dict):
        for rid, names in misses.items():
            print(f"miss {rid}: {', '.join(names)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", default="*", help="glob over rule ids (default: every rule)")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the tokens")
    parser.add_argument("--misses", action="store_true", help="list every missed surrounding per rule")
    parser.add_argument("--worst", type=int, default=25, help="how many of the weakest rules to list")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    report = run(args.rules, args.seed, args.misses)
    print_report(report, args.worst)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
