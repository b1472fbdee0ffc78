"""Find and load the project configuration: `.leakstop.yaml` or `[tool.leakstop]` in pyproject.toml.

A configuration must never turn the scanner off by accident: unknown keys, wrong types and malformed
files are errors naming the file (and line), built-in rules stay active unless the file says otherwise
in so many words, and every value remembers where it came from so `leakstop config show` can tell.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.errors import ConfigError
from scanner.ruleset.globs import path_matches

CONFIG_NAMES = (".leakstop.yaml", ".leakstop.yml")
PYPROJECT = "pyproject.toml"
DEFAULT = "default"
CONFIDENCE_ORDER = ("high", "medium", "low", "fixture")
"""`fixture`: findings only in test and documentation paths (a rule's `fixture_paths`); hidden by default."""
SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
"""--max-file-size's default, which the sources take as their own."""
# Paths an exclude glob is tried on; a glob matching all of them would exclude every file.
_EVERYTHING_PROBES = ("a", "README.md", "src/app/main.py", ".env", "deep/er/still/x.json")


@dataclass(frozen=True)
class RuleAllowlist:
    """One per-rule allowlist: a finding of one of `rules` is not reported where any condition holds."""

    rules: tuple[str, ...]
    paths: tuple[str, ...] = ()
    """Globs, matched like `exclude` against each place the secret is seen."""
    regexes: tuple[str, ...] = ()
    """Searched in the secret."""
    lines: tuple[str, ...] = ()
    """Searched in the line the secret is on."""
    stopwords: tuple[str, ...] = ()
    """Lower-cased; a secret containing one is not reported."""
    description: str = ""
    where: str = ""
    """`file:line #n` of the entry, named in the suppression reason."""

    def conditions(self) -> tuple[tuple[str, ...], ...]:
        """Everything but where it was written: two files setting the same allowlist set one."""
        return self.rules, self.paths, self.regexes, self.lines, self.stopwords


@dataclass(frozen=True)
class Config:
    """The effective configuration. `origins` says, per key, which file set it (or `default`)."""

    root: Path
    """The project root: where the configuration, `.leakstopignore` and baselines live."""
    path: Path | None = None
    disable: tuple[str, ...] = ()
    use_builtin_rules: bool = True
    rules: tuple[Path, ...] = ()
    exclude: tuple[str, ...] = ()
    allow_patterns: tuple[str, ...] = ()
    stopwords: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    min_confidence: str = "low"
    min_severity: str = "info"
    allowlists: tuple[RuleAllowlist, ...] = ()
    baseline: Path | None = None
    """A baseline file the configuration names (absolute), used as --baseline is."""
    extends: tuple[Path, ...] = ()
    """The base files this one extends, nearest first (`extend:`, and theirs)."""
    origins: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    silencing: tuple[str, ...] = ()
    """The warnings that say this configuration silences (nearly) everything (an exclude or allow pattern
    that matches all, a tiny max_file_size): errors in range and CI scans."""
    text: str = field(default="", repr=False)
    """The file's text, so later errors (an unknown rule id in `disable`) can name a line."""

    def origin(self, key: str) -> str:
        return self.origins.get(key, DEFAULT)

    def line_of(self, key: str, value: str = "") -> str:
        """`file:line` of a key (or of a value under it) for error messages; just the file if unknown."""
        line = key_line(self.text, key, value) if self.text else None
        return f"{self.path}:{line}" if line else str(self.path)


def project_top(start: Path) -> Path:
    """The git work tree containing `start` (found by its `.git`, without running git), else `start`."""
    folder = start.resolve()
    folder = folder if folder.is_dir() else folder.parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def searched_folders(start: Path) -> tuple[Path, ...]:
    """Where configuration may be: `start` and its parents up to the git top; outside a work tree,
    `start` alone. A parent up to `/` (`/tmp` on a shared runner) may be written by another account."""
    folder = start.resolve()
    folder = folder if folder.is_dir() else folder.parent
    chain = (folder, *folder.parents)
    for i, candidate in enumerate(chain):
        if (candidate / ".git").exists():
            return chain[:i + 1]
    return (folder,)


def find_upwards(start: Path, names: tuple[str, ...]) -> Path | None:
    """The first of `names` in `start` or a parent folder, up to the git top (outside git: `start` only)."""
    for candidate in searched_folders(start):
        for name in names:
            if (candidate / name).is_file():
                return candidate / name
        if (candidate / ".git").exists():
            return None
    return None


def find_config(start: Path) -> Path | None:
    """`.leakstop.yaml` or a pyproject.toml with `[tool.leakstop]`, nearest first; both in one folder is
    an error (which one wins would be a guess)."""
    for candidate in searched_folders(start):
        found = [candidate / n for n in CONFIG_NAMES if (candidate / n).is_file()]
        pyproject = candidate / PYPROJECT
        # Only a file that mentions leakstop is parsed: an unrelated broken pyproject.toml is not our error.
        if pyproject.is_file() and "leakstop" in read_text(pyproject) and "leakstop" in tool_tables(pyproject):
            found.append(pyproject)
        if len(found) > 1:
            raise ConfigError(f"{candidate}: both {found[0].name} and {found[1].name} configure leakstop; keep one")
        if found:
            return found[0]
        if (candidate / ".git").exists():
            return None
    return None


def tool_tables(path: Path) -> Mapping[str, Any]:
    tool = parse_toml(path, read_text(path)).get("tool", {})
    return tool if isinstance(tool, dict) else {}


def load_config(start: Path, explicit: Path | None = None) -> Config:
    """The configuration for a scan of `start`: `explicit` (from --config) or the nearest one found."""
    path = explicit if explicit is not None else find_config(start)
    if path is None:
        return Config(root=project_top(start))
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    text = read_text(path)
    return config_from_data(path, text, validated_data(path, text))


def validated_data(path: Path, text: str) -> dict[str, Any]:
    """Parse and validate, or reuse the result for a file whose text was validated before.

    Importing PyYAML and jsonschema costs ~180 ms, more than the pre-commit hook's whole scan; the cached
    value is the validated data as JSON (no secrets: configuration only), keyed by the file's text."""
    import json

    from scanner.ruleset.cache import read_private

    cached = cache_file(path, text)
    stored = read_private(cached)
    try:
        data = json.loads(stored.decode("utf-8")) if stored is not None else None
        if isinstance(data, dict):
            return data
    except ValueError:
        pass
    data = validate(path, text, config_data(path, text))
    remember(cached, data)
    return data


def cache_file(path: Path, text: str) -> Path:
    from scanner import __version__
    from scanner.ruleset.cache import cache_dir
    from scanner.sha256 import sha256_hex

    key = sha256_hex(f"{__version__}\0{path.suffix}\0{text}")
    return cache_dir() / f"config-{key[:24]}.json"


def remember(cached: Path, data: dict[str, Any]) -> None:
    """Best effort, owner-only; data YAML made of dates or other non-JSON values is simply not cached."""
    import json

    from scanner.ruleset.cache import write_private

    try:
        encoded = json.dumps(data)
    except (TypeError, ValueError):
        return
    write_private(cached, encoded.encode("utf-8"))


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from exc


def config_data(path: Path, text: str) -> object:
    if path.suffix == ".toml":
        tool = parse_toml(path, text).get("tool", {})
        if not isinstance(tool, dict) or "leakstop" not in tool:
            raise ConfigError(f"{path}: no [tool.leakstop] table")
        return tool["leakstop"]
    from scanner.ruleset.yaml_io import load_yaml

    try:
        data = load_yaml(text)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return {} if data is None else data


def parse_toml(path: Path, text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on older Pythons only
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


@functools.lru_cache(maxsize=1)
def config_schema() -> dict[str, Any]:
    import json

    schema: dict[str, Any] = json.loads((Path(__file__).parent / "config_schema.json").read_text(encoding="utf-8"))
    return schema


def validate(path: Path, text: str, data: object) -> dict[str, Any]:
    """JSON Schema, with the two mistakes people make most spelled out: a misspelt key and a wrong type."""
    import difflib

    import jsonschema

    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of keys to values")
    schema = config_schema()
    entries = data.get("allowlists")
    entry_keys = schema["properties"]["allowlists"]["items"]["properties"]
    for where, keys, known in (("", data, schema["properties"]),
                               ("allow.", data.get("allow"), schema["properties"]["allow"]["properties"]),
                               *((f"allowlists.{i}.", entry, entry_keys)
                                 for i, entry in enumerate(entries if isinstance(entries, list) else ()))):
        for key in keys if isinstance(keys, dict) else ():
            if key not in known:
                near = difflib.get_close_matches(str(key), list(known), n=1)
                hint = f" (did you mean '{where}{near[0]}'?)" if near else f" (known keys: {', '.join(known)})"
                raise ConfigError(f"{located(path, text, str(key))}: unknown key '{where}{key}'{hint}")
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        key = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        if error.validator == "type":
            expected = " or ".join([error.validator_value] if isinstance(error.validator_value, str)
                                   else error.validator_value)
            message = f"expected {expected}, got {type_name(error.instance)}"
        else:
            message = error.message
        top = str(error.absolute_path[0]) if error.absolute_path else ""
        raise ConfigError(f"{located(path, text, top.split('.')[-1])}: {key}: {message}")
    return data


def type_name(value: object) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "mapping"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def located(path: Path, text: str, key: str) -> str:
    line = key_line(text, key) if key else None
    return f"{path}:{line}" if line else str(path)


def key_line(text: str, key: str, value: str = "") -> int | None:
    """The 1-based line where `key` is set (YAML `key:` or TOML `key =`), or where `value` appears after it."""
    lines = text.splitlines()
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[:=]|^\s*\[tool\.leakstop\.{re.escape(key)}\]")
    for i, line in enumerate(lines):
        if pattern.search(line):
            if not value:
                return i + 1
            for j in range(i, len(lines)):
                if value in lines[j]:
                    return j + 1
            return i + 1
    return None


MAX_EXTEND_DEPTH = 8
"""How many files one `extend:` chain may hold: enough for a company, team and project policy."""


def config_from_data(path: Path, text: str, data: Mapping[str, Any],
                     read: Callable[[Path], str | None] | None = None, chain: tuple[Path, ...] = ()) -> Config:
    """The configuration a file's validated data makes, its `extend:` chain merged in. `read` gives a
    base file's text (None: no such file); a range scan passes one that reads the base revision."""
    own = own_config(path, text, data)
    if "extend" not in data:
        return own
    chain = (*chain, path.resolve())
    base_path = (path.parent / str(data["extend"])).resolve()
    where = located(path, text, "extend")
    if base_path in chain:
        raise ConfigError(f"{where}: extend: {data['extend']} is already in the chain "
                          f"({' -> '.join(str(p) for p in (*chain, base_path))}); extends cannot loop")
    if len(chain) >= MAX_EXTEND_DEPTH:
        raise ConfigError(f"{where}: extend: more than {MAX_EXTEND_DEPTH} files in one chain")
    base_text = (read or disk_text)(base_path)
    if base_text is None:
        raise ConfigError(f"{where}: extend: {base_path}: no such configuration file")
    base = config_from_data(base_path, base_text, validated_data(base_path, base_text), read, chain)
    return extended(base, own, data)


def disk_text(path: Path) -> str | None:
    return read_text(path) if path.is_file() else None


# Config fields that merge (base first, then this file's, each value once) and the key that sets each.
MERGED = {"disable": "disable", "rules": "rules", "exclude": "exclude", "allow_patterns": "allow.patterns",
          "stopwords": "allow.stopwords", "allowlists": "allowlists"}
# Fields this file's value replaces when it sets them.
REPLACED = {"use_builtin_rules": "use_builtin_rules", "max_file_size": "max_file_size",
            "min_confidence": "min_confidence", "min_severity": "min_severity", "baseline": "baseline"}


def extended(base: Config, own: Config, data: Mapping[str, Any]) -> Config:
    """`own` on top of `base`: lists merge, base first; any other value set in `own` wins."""
    values: dict[str, Any] = {}
    origins = dict(base.origins)
    for name, key in MERGED.items():
        if name == "allowlists":
            unique: dict[tuple[tuple[str, ...], ...], RuleAllowlist] = {}
            for allowlist in (*base.allowlists, *own.allowlists):
                unique.setdefault(allowlist.conditions(), allowlist)
            values[name] = tuple(unique.values())
        else:
            values[name] = tuple(dict.fromkeys((*getattr(base, name), *getattr(own, name))))
        if key in own.origins:
            origins[key] = f"{base.origins[key]} + {own.origins[key]}" if key in base.origins else own.origins[key]
    for name, key in REPLACED.items():
        set_here = key in own.origins
        values[name] = getattr(own if set_here else base, name)
        if set_here:
            origins[key] = own.origins[key]
    return replace(own, origins=origins, warnings=base.warnings + own.warnings,
                   extends=(base.path, *base.extends) if base.path else base.extends, **values)


def own_config(path: Path, text: str, data: Mapping[str, Any]) -> Config:
    """The configuration one file sets by itself (its `extend:` aside)."""
    here = str(path)
    allow = data.get("allow", {})
    origins = {key: here for key in data if key not in ("allow", "extend")}
    origins.update({f"allow.{key}": here for key in allow})
    values: dict[str, Any] = {
        "disable": tuple(data.get("disable", ())),
        "use_builtin_rules": data.get("use_builtin_rules", True),
        "rules": rule_locations(path, text, data.get("rules", ())),
        "exclude": tuple(data.get("exclude", ())),
        "allow_patterns": tuple(allow.get("patterns", ())),
        "stopwords": tuple(s.lower() for s in allow.get("stopwords", ())),
        "min_confidence": data.get("min_confidence", "low"),
        "min_severity": data.get("min_severity", "info"),
    }
    if "max_file_size" in data:
        values["max_file_size"] = byte_size(path, text, data["max_file_size"])
    if "baseline" in data:
        values["baseline"] = (path.parent / str(data["baseline"])).resolve()
    values["allowlists"] = rule_allowlists(path, text, data.get("allowlists", ()))
    check_patterns(path, text, values["allow_patterns"])
    warnings = tuple(f"{located(path, text, 'exclude')}: exclude glob '{glob}' matches every path; "
                     "nothing will be scanned" for glob in values["exclude"] if excludes_everything(glob))
    warnings += silencing(path, text, values)
    return Config(root=path.parent.resolve(), path=path, origins=origins, warnings=warnings, silencing=warnings,
                  text=text, **values)


def rule_allowlists(path: Path, text: str, entries: Sequence[Mapping[str, Any]]) -> tuple[RuleAllowlist, ...]:
    where = located(path, text, "allowlists")
    out = []
    for number, entry in enumerate(entries, 1):
        rules = entry["rules"]
        allowlist = RuleAllowlist(
            rules=(rules,) if isinstance(rules, str) else tuple(rules), paths=tuple(entry.get("paths", ())),
            regexes=tuple(entry.get("regexes", ())), lines=tuple(entry.get("lines", ())),
            stopwords=tuple(w.lower() for w in entry.get("stopwords", ())),
            description=str(entry.get("description", "")), where=f"{where} #{number}")
        if not (allowlist.paths or allowlist.regexes or allowlist.lines or allowlist.stopwords):
            raise ConfigError(f"{where}: allowlists #{number}: give at least one of paths, regexes, lines, "
                              "stopwords (without one it would allow nothing)")
        check_patterns(path, text, allowlist.regexes + allowlist.lines, f"allowlists #{number}")
        out.append(allowlist)
    return tuple(out)


# Secrets of unrelated shapes: an allow pattern that matches all of them allows any secret.
# (Assembled at run time so that this file holds no scannable token.)
_SECRET_PROBES = ("sk_" + "live_7Yq2Wm9Rt4Lp6Zx1Bn8Vc3Kd", "AKIA" + "Q7RT2MX9PL4VK8NB", "Zt4mQ9vX2nB7kL1p", "x")
TINY_FILE_SIZE = 1024


def silencing(path: Path, text: str, values: Mapping[str, Any]) -> tuple[str, ...]:
    """Warnings for settings that would silence (nearly) every finding: a configuration that turns the
    scanner off must say so, not pass quietly."""
    out: list[str] = []
    patterns = values["allow_patterns"]
    if patterns:
        import regex

        out.extend(f"{located(path, text, 'allow')}: allow pattern '{p}' matches any secret; nothing will "
                   "be reported" for p in patterns if all(regex.search(p, probe) for probe in _SECRET_PROBES))
    out.extend(f"{located(path, text, 'allow')}: stopword '{w}' is in most secrets; nearly nothing will be "
               "reported" for w in values["stopwords"] if len(w) <= 2)
    size = values.get("max_file_size")
    if size is not None and size < TINY_FILE_SIZE:
        out.append(f"{located(path, text, 'max_file_size')}: max_file_size is {size} bytes; nearly every file "
                   "will be skipped unscanned")
    out.extend(f"{a.where}: allowlists: {why}; {', '.join(a.rules)} will report (nearly) nothing"
               for a in values.get("allowlists", ()) for why in allowlist_silencing(a))
    return tuple(out)


def allowlist_silencing(allowlist: RuleAllowlist) -> list[str]:
    """What in a per-rule allowlist holds for (nearly) every secret or path."""
    out = [f"path glob '{g}' matches every path" for g in allowlist.paths if excludes_everything(g)]
    out += [f"stopword '{w}' is in most secrets" for w in allowlist.stopwords if len(w) <= 2]
    if allowlist.regexes:
        import regex

        out += [f"regex '{p}' matches any secret" for p in allowlist.regexes
                if all(regex.search(p, probe) for probe in _SECRET_PROBES)]
    return out


def byte_size(path: Path, text: str, value: int | str) -> int:
    from scanner.value_checks import BadValue
    from scanner.value_checks import byte_size as checked_size

    try:
        return checked_size(value)
    except BadValue as exc:
        raise ConfigError(f"{located(path, text, 'max_file_size')}: max_file_size: {exc}") from exc


def rule_locations(path: Path, text: str, values: Sequence[str]) -> tuple[Path, ...]:
    """The config's rule files and folders, relative to the config file."""
    from scanner.value_checks import BadValue, rule_location

    try:
        return tuple((path.parent / rule_location(value)).resolve() for value in values)
    except BadValue as exc:
        raise ConfigError(f"{located(path, text, 'rules')}: rules: {exc}") from exc


def check_patterns(path: Path, text: str, patterns: tuple[str, ...], key: str = "allow.patterns") -> None:
    if not patterns:
        return  # importing `regex` costs ~20 ms on the pre-commit path
    import regex

    for pattern in patterns:
        try:
            regex.compile(pattern)
        except regex.error as exc:
            line_key = "patterns" if key == "allow.patterns" else "allowlists"
            raise ConfigError(f"{located(path, text, line_key)}: {key}: '{pattern}' does not "
                              f"compile: {exc}") from exc


def excludes_everything(glob: str) -> bool:
    return all(path_matches(probe, (glob,)) for probe in _EVERYTHING_PROBES)


def at_least(value: str, minimum: str, order: tuple[str, ...]) -> bool:
    """`high` is at least `medium`: orders run from most to least."""
    return order.index(value) <= order.index(minimum)
