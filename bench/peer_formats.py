"""Recall on the token formats other scanners' detectors describe, in surroundings of our own.

    python bench/peer_formats.py --gitleaks PATH/config/gitleaks.toml --kingfisher PATH/data/rules \
        --trufflehog PATH/pkg/detectors             # the tables (about 20 s per peer)
    python bench/peer_formats.py ... --low 0.6      # also list the detectors found in under 60% of the texts

bench/recall.py and bench/recall_forms.py make their tokens from leakstop's own rules, so they cannot see a
provider whose format leakstop has narrower than its issuer, or not at all. This reads only what the peers'
detectors say a token looks like (a regex and its keywords: a format is a fact), makes one random token
from each regex, and puts it in the SURROUNDINGS below, named by the detector's keyword. It never reads the
peers' example strings, negative examples or tests: our hidden evaluation is made of such texts, and
measuring against them would make the number lie. Checkouts of the peers' sources give the paths (gitleaks'
`config/gitleaks.toml`, betterleaks' `config/betterleaks.toml`, kingfisher's `data/rules/`, trufflehog's
`pkg/detectors/`); any may be left out.

A token made from a loose regex (`\\S{3,50}`, `[\\w=-]{40}`) can be junk no provider issues: the per-detector
list is for judging, not for chasing. Not a test; needs `pip install rstr pyyaml` (bench only).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

sys.path.insert(0, str(Path(__file__).resolve().parent))

from recall import covered  # noqa: E402

from scanner.ruleset.rule_set import RuleSet, load_ruleset  # noqa: E402

# (file name, template): {kw} the detector's keyword, {KW} upper-cased, {Kw} capitalised, {T} the token.
SURROUNDINGS: dict[str, tuple[str, str]] = {
    "env": ("deploy.env", "{KW}_KEY={T}\n"),
    "json": ("settings.json", '{{"{kw}_key": "{T}"}}\n'),
    "yaml-block": ("config.yml", "{kw}:\n  key: {T}\n"),
    "python": ("client.py", '{kw}_key = "{T}"\n'),
    "prose": ("notes.txt", "{Kw} key: {T}\n"),
    "log-lines": ("run.log", "[INFO] connecting to the {Kw} API\n[DEBUG] using key={T}\n"),
    "curl-bearer": ("call.sh", 'curl -s -H "Authorization: Bearer {T}" https://api.{kw}.com/v1/items\n'),
    "header": ("client.go", 'req.Header.Set("X-{Kw}-Key", "{T}")\n'),
    "go": ("main.go", '{kw}Key := "{T}"\n'),
    "ini-section": ("settings.ini", "[{kw}]\napi_key = {T}\n"),
    "terraform": ("main.tf", 'provider "{kw}" {{\n  api_key = "{T}"\n}}\n'),
    "cli-flag": ("setup.sh", "{kw} login --token {T}\n"),
    "url-query": ("fetch.js", 'fetch("https://api.{kw}.com/v2/data?key={T}&limit=10")\n'),
    "xml-block": ("app.config", "<{kw}>\n  <key>{T}</key>\n</{kw}>\n"),
    "name-only-key": ("conf.py", 'SERVICES = {{"{kw}": "{T}"}}\n'),
    "constructor": ("app.py", 'client = {Kw}Client("{T}")\n'),
    "markdown-table": ("README.md", "| service | credential |\n|---|---|\n| {Kw} | `{T}` |\n"),
    "dash": ("notes.txt", "{kw} token - '{T}'\n"),
    "name-line": ("keys.txt", "# staging\n{kw} {T}\n"),
    "name-token-assign": ("notes.txt", "{kw} token = '{T}'\n"),
    "name-secret-words": ("run.log", "{kw} secret {T}\n"),
    "config-block": ("config.yaml", "# {Kw} settings\nserver:\n  port: 8080\napi:\n  endpoint: https://api.{kw}.com\n"
                                    "  key: {T}\n"),
}
_TRIES = 12


@dataclass(frozen=True)
class Detector:
    peer: str
    id: str
    keyword: str
    regexes: tuple[tuple[str, int], ...]
    """Each regex with the group that holds its token (0: the first group, or the whole match)."""


@dataclass
class Outcome:
    detector: Detector
    token: str = ""
    found: dict[str, bool] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return sum(self.found.values()) / len(self.found) if self.found else 0.0


def gitleaks(config: Path, peer: str = "gitleaks") -> Iterator[Detector]:
    """gitleaks' TOML; betterleaks, its fork, writes its rules the same way."""
    for rule in tomllib.loads(config.read_text(encoding="utf-8"))["rules"]:
        if rule["id"].startswith("generic") or "regex" not in rule:
            continue
        yield Detector(peer, rule["id"], _keyword(rule.get("keywords", []), rule["id"]),
                       ((rule["regex"], rule.get("secretGroup", 0)),))


def kingfisher(rules: Path) -> Iterator[Detector]:
    import yaml

    for path in sorted(rules.glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        for rule in data.get("rules", []):  # id, name and pattern only: never the examples
            if "generic" in rule["id"] or not rule.get("pattern"):
                continue
            words = [rule["id"].split(".")[1], *rule.get("name", "").lower().split()[:1]]
            yield Detector("kingfisher", rule["id"], _keyword(words, rule["id"]), ((rule["pattern"], 0),))


_MUST_COMPILE = re.compile(r"(\w+)\s*=\s*regexp\.MustCompile\(")
_PREFIX_REGEX = re.compile(r"PrefixRegex\(\[\]string\{([^}]*)\}\)")
_KEYWORDS = re.compile(r"Keywords\(\) \[\]string \{\s*return \[\]string\{([^}]*)\}")


def trufflehog(detectors: Path) -> Iterator[Detector]:
    for path in sorted(detectors.glob("*/*.go")):
        if path.name.endswith("_test.go"):  # the tests hold example strings: never read
            continue
        source = path.read_text(encoding="utf-8", errors="replace")
        keywords = _KEYWORDS.search(source)
        words = re.findall(r'"([^"]+)"', keywords.group(1)) if keywords else []
        regexes = []
        for call in _MUST_COMPILE.finditer(source):
            body = _go_call(source, call.end())
            prefix = _PREFIX_REGEX.search(body)
            if prefix:  # the keyword lead: our surroundings name the provider instead
                body = body[prefix.end():]
            pieces = re.findall(r"`([^`]*)`|\"((?:[^\"\\]|\\.)*)\"", body)
            if pieces:
                regex = "".join(raw or quoted.encode().decode("unicode_escape") for raw, quoted in pieces)
                regexes.append((regex, 1 if "(" in regex else 0))
        if regexes and words:
            yield Detector("trufflehog", path.parent.name, _keyword(words, path.parent.name), tuple(regexes))


def _go_call(source: str, at: int) -> str:
    """The arguments of the call whose parenthesis opens just before `at`."""
    depth, i = 1, at
    while depth and i < len(source):
        c = source[i]
        if c == "`":
            i = source.index("`", i + 1)
        elif c == '"':
            i += 1
            while source[i] != '"':
                i += 2 if source[i] == "\\" else 1
        elif c in "()":
            depth += 1 if c == "(" else -1
        i += 1
    return source[at:i - 1]


def _keyword(words: list[str], fallback: str) -> str:
    """The first keyword that is a name (`datadog`), not a prefix (`dd_`, `sgp_`)."""
    name = next((w for w in words if re.fullmatch(r"[A-Za-z][A-Za-z0-9 _.-]{2,}", w)), fallback)
    return re.sub(r"\W", "_", name.lower().strip("_-. "))


_POSIX = {"alnum": "a-zA-Z0-9", "xdigit": "0-9a-fA-F", "alpha": "a-zA-Z", "digit": "0-9", "upper": "A-Z",
          "lower": "a-z", "space": r"\s"}


def python_regex(regex: str) -> str:
    """RE2/Rust syntax Python's `re` lacks: POSIX classes, `\\z`, flags in the middle."""
    for name, chars in _POSIX.items():
        regex = regex.replace(f"[[:{name}:]]", f"[{chars}]").replace(f"[:{name}:]", chars)
    regex = regex.replace("\\z", "\\Z").replace("\\pL", "[a-zA-Z]").replace("\\p{L}", "[a-zA-Z]")
    lead = re.match(r"^\(\?([imsx]+)\)", regex)
    head = f"(?{lead.group(1)})" if lead else ""
    return head + re.sub(r"\(\?[imsx]+\)", "", regex[lead.end() if lead else 0:])


def _timeout(*_: object) -> None:
    raise TimeoutError


def make_token(regex: str, group: int, xeger: object) -> str:
    """A random string of the regex, cut to its token group; empty when none comes out readable."""
    source = python_regex(regex)
    try:
        compiled = re.compile(source)
    except re.error:
        return ""
    if re.match(r"\(\?[a-z]*x", source):  # verbose: rstr reads neither comments nor free spacing
        source = re.sub(r"(?<!\\)\s+", "", re.sub(r"(?<!\\)#.*", "", source))
        source = re.sub(r"^\(\?([a-z]*)x([a-z]*)\)", lambda m: f"(?{m.group(1)}{m.group(2)})", source)
        source = source.replace("(?)", "")
    signal.signal(signal.SIGALRM, _timeout)
    for _ in range(_TRIES):
        try:
            text = xeger.xeger(source)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - syntax rstr cannot generate from
            return ""
        if len(text) > 3000:
            continue
        signal.alarm(1)  # a generated string can make the peer's own regex backtrack for minutes
        try:
            found = compiled.search(text)
        except TimeoutError:
            found = None
        finally:
            signal.alarm(0)
        if not found:
            continue
        index = group if group and group <= compiled.groups else (1 if compiled.groups else 0)
        token = found.group(index) or ""
        if len(token) >= 8 and not any(c.isspace() for c in token):
            return token
    return ""


def measure(detectors: list[Detector], ruleset: RuleSet, seed: int) -> list[Outcome]:
    import rstr

    xeger = rstr.Rstr(random.Random(seed))
    outcomes = []
    for detector in detectors:
        tokens = [t for t in (make_token(r, g, xeger) for r, g in detector.regexes) if t]
        outcome = Outcome(detector, tokens[0] if tokens else "")
        if tokens:
            kw = detector.keyword
            for name, (path, template) in SURROUNDINGS.items():
                texts = [template.format(kw=kw, KW=kw.upper(), Kw=kw.capitalize(), T=t) for t in tokens]
                text = "".join(texts)  # a detector's parts (an id and a secret) together, as they are used
                outcome.found[name] = any(covered(ruleset, text, path, t)[0] for t in tokens)
        outcomes.append(outcome)
    return outcomes


def report(outcomes: list[Outcome], low: float | None) -> None:
    for peer in sorted({o.detector.peer for o in outcomes}):
        made = [o for o in outcomes if o.detector.peer == peer and o.found]
        if not made:
            continue
        skipped = sum(1 for o in outcomes if o.detector.peer == peer and not o.found)
        mean = 100 * sum(o.rate for o in made) / len(made)
        print(f"{peer}: {len(made)} detectors ({skipped} gave no token), found in {mean:.1f}% of the texts, "
              f"in none for {sum(1 for o in made if not o.rate)}")
    peers = sorted({o.detector.peer for o in outcomes if o.found})
    print("\n| surrounding | " + " | ".join(peers) + " |\n|---|" + "---|" * len(peers))
    for name in SURROUNDINGS:
        cells = []
        for peer in peers:
            made = [o for o in outcomes if o.detector.peer == peer and o.found]
            cells.append(f"{100 * sum(o.found[name] for o in made) / len(made):.1f}%")
        print(f"| {name} | " + " | ".join(cells) + " |")
    if low is not None:
        print(f"\ndetectors found in under {low:.0%} of the texts (token redacted to its start):")
        for o in sorted(outcomes, key=lambda o: (o.detector.keyword, o.detector.peer)):
            if o.found and o.rate < low:
                print(f"  {o.rate:4.0%} {o.detector.peer:10} {o.detector.id:40} {o.detector.keyword:20} "
                      f"{o.token[:12]}...")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gitleaks", type=Path, help="gitleaks' config/gitleaks.toml")
    parser.add_argument("--betterleaks", type=Path, help="betterleaks' config/betterleaks.toml")
    parser.add_argument("--kingfisher", type=Path, help="kingfisher's data/rules directory")
    parser.add_argument("--trufflehog", type=Path, help="trufflehog's pkg/detectors directory")
    parser.add_argument("--seed", type=int, default=5, help="random seed for the tokens")
    parser.add_argument("--low", type=float, help="list the detectors found in fewer than this share of texts")
    parser.add_argument("--json", type=Path, help="also write every detector's outcome as JSON")
    args = parser.parse_args(argv)
    detectors: list[Detector] = []
    if args.gitleaks:
        detectors += gitleaks(args.gitleaks)
    if args.betterleaks:
        detectors += gitleaks(args.betterleaks, "betterleaks")
    if args.kingfisher:
        detectors += kingfisher(args.kingfisher)
    if args.trufflehog:
        detectors += trufflehog(args.trufflehog)
    if not detectors:
        parser.error("give at least one of --gitleaks, --betterleaks, --kingfisher, --trufflehog")
    outcomes = measure(detectors, load_ruleset(), args.seed)
    report(outcomes, args.low)
    if args.json:
        args.json.write_text(json.dumps([{"peer": o.detector.peer, "id": o.detector.id, "keyword": o.detector.keyword,
                                          "found": o.found} for o in outcomes], indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
