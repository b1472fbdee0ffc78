"""The rule cache: one file per rule set and `regex` installation, so each environment gets its patterns
precompiled by its own `regex`."""

from __future__ import annotations

import pickle
import shutil
import sys

import pytest
import regex

from scanner.ruleset import cache, cache_format, rules
from scanner.ruleset.cache import cache_key
from scanner.ruleset.rule_set import load_ruleset
from scanner.ruleset.rules import builtin_rules_dir, load_rules, rule_files


def test_another_regex_installation_gets_another_cache_file(tmp_path, monkeypatch):
    """A project venv and the system Python share the cache folder; a `regex` found elsewhere on the
    path (another version) must not read patterns the first one compiled, nor be handed its file."""
    other = tmp_path / "site-packages"
    (other / "regex").mkdir(parents=True)
    (other / "regex" / "__init__.py").write_text("raise ImportError('never imported to make a key')\n")
    here = cache_key([builtin_rules_dir()])
    monkeypatch.setattr(sys, "path", [str(other), *sys.path])
    assert cache_key([builtin_rules_dir()]) != here
    assert cache_key([builtin_rules_dir()]) == cache_key([builtin_rules_dir()])


def test_a_warm_cache_serves_patterns_compiled_by_this_regex(tmp_path, monkeypatch):
    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(tmp_path))
    load_ruleset()  # builds the cache
    rules.PRECOMPILED.clear()
    rules.PRECOMPILED_FOR[0] = ""
    ruleset = load_ruleset()  # reads it
    rules.precompiled_for(ruleset.rules)  # what a rule reads when it first runs
    assert rules.PRECOMPILED_FOR[0] == regex.__version__
    assert all(pattern in rules.PRECOMPILED for rule in ruleset.rules for pattern in rule.searched)
    [cache] = tmp_path.glob("rules-*.marshal")
    assert cache.stat().st_mode & 0o077 == 0


def test_a_warm_cache_gives_back_the_very_rules_the_files_hold(tmp_path, monkeypatch):
    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(tmp_path))
    from_files = tuple(load_rules(rule_files([builtin_rules_dir()])))
    assert load_ruleset().rules == from_files  # builds the cache
    [entry] = tmp_path.glob("rules-*.marshal")
    warm = load_ruleset().rules
    assert warm == from_files and [hash(r) for r in warm] == [hash(r) for r in from_files]
    version, compiled = stored_compiled(entry)
    assert version == regex.__version__ and set(compiled) <= {p for r in warm for p in (*r.searched, *r.allow_patterns)}


def stored_compiled(entry):
    opened = cache.open_private(entry)
    assert opened is not None
    return cache_format.read_compiled(*opened)


def stored_rules(entry):
    opened = cache.open_private(entry)
    assert opened is not None
    stored = cache_format.read(*opened, reload=lambda rule_id: pytest.fail(f"{rule_id}'s record is damaged"))
    assert stored is not None
    return stored[0]


def test_a_cache_written_for_other_rule_fields_is_rebuilt(tmp_path, monkeypatch):
    """A Rule that gained or lost a field must not be filled from rows of the old shape."""
    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(tmp_path))
    from_files = load_rules(rule_files([builtin_rules_dir()]))
    load_ruleset()
    [entry] = tmp_path.glob("rules-*.marshal")
    with monkeypatch.context() as older:
        older.setattr(cache_format, "HOT_FIELDS", cache_format.HOT_FIELDS[1:])
        entry.write_bytes(cache_format.encode(from_files, regex.__version__, {}))
    assert load_ruleset().rules == tuple(from_files)
    assert stored_rules(entry) == from_files  # rewritten in the current shape


def test_writing_the_cache_prunes_entries_unused_for_a_month_and_nothing_else(tmp_path, leakstop):
    """Each change of the rules or a config leaves a new cache entry (a gate database is ~2.3 MB): the
    next write removes this folder's own entries older than 30 days, never another program's files."""
    import os
    import time

    cache = tmp_path / "cache"
    cache.mkdir()
    month_ago = time.time() - 31 * 86400
    ours = ["rules-0123456789abcdef01234567.marshal", "rules-0123456789abcdef01234567.pickle",
            "gate-89abcdef0123456789abcdef.pickle", "config-fedcba9876543210fedcba98.json",
            "gate-89abcdef0123456789abcdef.4242.tmp"]
    others = ["rules-notes.txt", "config-backup.json", "gate-89abcdef0123456789abcdef.pickle.bak"]
    recent = "gate-00000000000000000000ffff.pickle"
    for name in [*ours, *others, recent]:
        (cache / name).write_bytes(b"x")
        if name != recent:
            os.utime(cache / name, (month_ago, month_ago))
    (tmp_path / "app.py").write_text("x = 1\n")
    result = leakstop("scan", tmp_path / "app.py", env={"LEAKSTOP_CACHE_DIR": str(cache)})
    assert result.code == 0, result.output
    left = {p.name for p in cache.iterdir()}
    assert not left & set(ours)
    assert set(others) | {recent} <= left
    assert any(name.startswith("rules-") and name.endswith(".marshal") for name in left - set(others))


def test_a_cache_entry_others_could_write_is_ignored(tmp_path, leakstop):
    """A rule cache planted in a shared cache folder must not decide what a scan looks for: an entry that
    another account could have written (group/other-writable here; not ours, in general) is rebuilt."""
    import os

    from secrets_fixtures import STRIPE

    cache = tmp_path / "cache"
    target = tmp_path / "app.py"
    target.write_text(f'stripe_key = "{STRIPE}"\n')
    env = {"LEAKSTOP_CACHE_DIR": str(cache)}
    assert leakstop("scan", target, env=env).code == 1
    [entry] = cache.glob("rules-*.marshal")
    entry.write_bytes(cache_format.encode([], regex.__version__, {}))  # a cache that holds no rules at all
    os.chmod(entry, 0o666)
    result = leakstop("scan", target, env=env)
    assert result.code == 1 and "stripe" in result.stdout.lower(), result.output
    entry.write_bytes(cache_format.encode([], regex.__version__, {}))
    os.chmod(entry, 0o600)  # the same file, private: trusted, and a scan with no rules is an error
    assert leakstop("scan", target, env=env).code == 2


@pytest.mark.parametrize("module", cache.PATTERN_MAKERS)
def test_a_new_context_expansion_gets_another_cache_file(monkeypatch, tmp_path, module):
    """Context rules' patterns (and keyword-pattern rules' context branches) are made by code from short YAML
    entries: a leakstop whose expansion changed (a longer reach, more lines, another noun) must not serve the
    patterns the old one cached for unchanged files, even with the same version number."""
    here = cache_key([builtin_rules_dir()])
    edited = tmp_path / "ruleset"
    shutil.copytree(cache.PATTERN_MAKERS_FOLDER, edited, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PATTERN_MAKERS_FOLDER", edited)
    assert cache_key([builtin_rules_dir()]) == here
    (edited / module).write_text((edited / module).read_text() + "\nCONTEXT_LINES_BELOW = 3\n")
    assert cache_key([builtin_rules_dir()]) != here


EXTRA_RULE = """\
provider: Quillbase
rules:
  - id: quillbase-token
    name: Quillbase token
    keywords: [qbt_]
    pattern: '\\b(qbt_[a-z0-9]{24})\\b'
    examples: ['qbt_k3v9x2m7q4w8z1p5r6t0y3u8', 'x = "qbt_a9b8c7d6e5f4g3h2i1j0k9l8"']
    negative_examples: ['qbt_short', 'qbt_k3v9x2m7q4w8z1p5r6t0y3u8zz']
    remediation: Revoke it.
"""


def test_another_configuration_compiles_only_the_patterns_no_rule_cache_holds(tmp_path, monkeypatch):
    """A rule file of one's own makes another rule set, and another cache file: its first load takes the
    built-in patterns compiled for the cache beside it, and compiles only its own (and the loaded rules
    are those the files hold)."""
    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(tmp_path / "cache"))
    load_ruleset()  # the built-in rules' cache
    rules.PRECOMPILED.clear()
    compiled: list[str] = []
    start = rules._start_compiling
    monkeypatch.setattr(rules, "_start_compiling", lambda found: (compiled.extend(
        p for r in found for p in (*r.searched, *r.allow_patterns) if p not in rules.PRECOMPILED), start(found))[1])
    extra = tmp_path / "quillbase.yaml"
    extra.write_text(EXTRA_RULE, encoding="utf-8")
    loaded = cache.cached_rules([builtin_rules_dir(), extra])
    assert compiled == [r"\b(qbt_[a-z0-9]{24})\b"]
    assert tuple(loaded) == tuple(load_rules(rule_files([builtin_rules_dir(), extra])))


def test_no_lazy_field_has_a_class_default():
    """A rule read from the cache lacks its LAZY_FIELDS until one is read: a class attribute of that name
    (a dataclass default given by value) would answer for it, wrongly, and they would never be read."""
    assert not [name for name in rules.LAZY_FIELDS if hasattr(rules.Rule, name)]


def test_a_warm_load_reads_a_rules_pattern_and_compiled_patterns_when_it_runs(tmp_path, monkeypatch):
    """The hook reads the fields every rule needs; a rule's pattern, examples and remediation only for a
    rule that runs (or is reported), its compiled patterns only when it runs, and then they are the
    files' own."""
    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(tmp_path))
    from_files = {r.id: r for r in load_rules(rule_files([builtin_rules_dir()]))}
    load_ruleset()  # builds the cache
    rules.PRECOMPILED.clear()
    rules.COMPILED_LATER.clear()
    rules.compile_pattern.cache_clear()
    warm = load_ruleset().rules
    assert not rules.PRECOMPILED and not [r.id for r in warm if set(rules.LAZY_FIELDS) & set(vars(r))]
    stripe = next(r for r in warm if r.id.startswith("stripe"))
    assert stripe.pattern == from_files[stripe.id].pattern and not rules.PRECOMPILED  # the gate reads texts
    rules.compile_pattern(stripe.searched[0])
    assert set(rules.PRECOMPILED) == {*stripe.searched, *stripe.allow_patterns}
    assert stripe.examples == from_files[stripe.id].examples and stripe == from_files[stripe.id]
    assert sum(set(rules.LAZY_FIELDS) <= set(vars(r)) for r in warm) == 1


def test_a_warm_scan_cache_context_is_the_cold_one_and_reads_no_record(tmp_path, monkeypatch):
    """The scan cache's context hashes every rule's every field: a warm load takes each rule's digest from
    the rule cache's header, so it names the same context as rules read from the files, without reading
    ~1,500 records for it; a rule changed after the load (a configuration's) is hashed anew."""
    import dataclasses

    from scanner.engine.scan_cache import scan_context

    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(tmp_path))
    cold = load_ruleset()  # builds the cache
    warm = load_ruleset()
    assert scan_context(warm, 1.0) == scan_context(cold, 1.0) != scan_context(warm, 2.0)
    assert not [r.id for r in warm.rules if set(rules.LAZY_FIELDS) & set(vars(r))]
    first = warm.rules[0]
    changed = dataclasses.replace(first, min_entropy=first.min_entropy + 0.5)
    assert rules.fields_digest(changed) != rules.fields_digest(first)
    assert rules.fields_digest(dataclasses.replace(first)) == rules.fields_digest(first)


def test_a_warm_gate_key_is_the_cold_one_and_reads_no_record(tmp_path, monkeypatch):
    """A history scan asks its gate's key before its workers fork: from a warm load it comes from the
    digests in the rule cache's header, without reading every rule's pattern; and a change to what the
    gate is built from (a pattern, the rules' keywords) names another gate."""
    import dataclasses

    from scanner.ruleset.gate import gate_key

    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(tmp_path))
    cold = load_ruleset()
    warm = load_ruleset()
    keywords = list(warm.by_keyword)
    assert gate_key(warm.rules, keywords) == gate_key(cold.rules, list(cold.by_keyword))
    assert not [r.id for r in warm.rules if set(rules.LAZY_FIELDS) & set(vars(r))]
    first = warm.rules[0]
    widened = (dataclasses.replace(first, pattern=first.pattern + "|zzqx"), *warm.rules[1:])
    assert gate_key(widened, keywords) != gate_key(warm.rules, keywords) != gate_key(warm.rules, keywords[1:])


def test_a_cached_rule_sent_to_another_process_takes_every_field_and_no_open_file(tmp_path, monkeypatch):
    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(tmp_path))
    load_ruleset()
    rule = load_ruleset().rules[0]
    sent = pickle.loads(pickle.dumps(rule))
    assert "_lazy" not in vars(sent) and set(rules.LAZY_FIELDS) <= set(vars(sent))
    assert sent == load_rules(rule_files([builtin_rules_dir()]))[0]


@pytest.mark.slow
def test_a_truncated_or_unfinished_cache_is_rebuilt_and_finds_the_same(tmp_path, leakstop):
    """A cache cut short (a full disk, a copy that stopped) or whose end never reached the disk is not
    used: the scan rebuilds it and reports exactly what a scan with a sound cache does."""
    import json

    from secrets_fixtures import ALL

    target = tmp_path / "app.py"
    target.write_text("".join(f'{name.replace("-", "_")} = "{secret}"\n' for name, secret in ALL.items()))
    cache = tmp_path / "cache"
    env = {"LEAKSTOP_CACHE_DIR": str(cache)}

    def findings() -> list[object]:
        result = leakstop("scan", target, "--format", "json", env=env)
        assert result.code == 1, result.output
        return sorted((f["rule_id"], f["fingerprint"]) for f in json.loads(result.stdout)["findings"])

    cold = findings()
    [entry] = cache.glob("rules-*.marshal")
    whole = entry.read_bytes()
    assert findings() == cold  # warm
    for damaged in (whole[:len(whole) // 2], whole[:-1], whole[:-8] + bytes(8), whole + b"\0"):
        entry.write_bytes(damaged)
        assert findings() == cold
        assert stored_compiled(entry) is not None  # rebuilt whole


def test_a_record_damaged_while_in_use_comes_from_the_rule_files(tmp_path, monkeypatch):
    """The file is checked whole when read, its records only when a rule first needs one: a record
    damaged in between (the file overwritten in place) is taken from the rule files, never left empty,
    and the file is removed, for the next scan to rebuild."""
    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(tmp_path))
    load_ruleset()
    warm = load_ruleset().rules
    [entry] = tmp_path.glob("rules-*.marshal")
    data = entry.read_bytes()
    records_at = cache_format.PREAMBLE + int.from_bytes(data[len(cache_format.MAGIC):][:8], "little")
    with entry.open("r+b") as fh:
        fh.seek(records_at)
        fh.write(b"\xff" * (len(data) - records_at - len(cache_format.MAGIC)))
    assert warm == tuple(load_rules(rule_files([builtin_rules_dir()])))
    assert not entry.exists()


def test_damaged_compiled_patterns_are_compiled_again(tmp_path, monkeypatch):
    """Stored compiled patterns only spare compiling: a rule whose stored ones are damaged compiles its
    patterns itself, and finds what it always found."""
    monkeypatch.setenv("LEAKSTOP_CACHE_DIR", str(tmp_path))
    load_ruleset()
    rules.PRECOMPILED.clear()
    rules.COMPILED_LATER.clear()
    rules.compile_pattern.cache_clear()
    warm = load_ruleset().rules
    [entry] = tmp_path.glob("rules-*.marshal")
    data = entry.read_bytes()
    header_size, records_size = (int.from_bytes(data[at:at + 8], "little")
                                 for at in (len(cache_format.MAGIC), len(cache_format.MAGIC) + 8))
    blobs_at = cache_format.PREAMBLE + header_size + records_size
    with entry.open("r+b") as fh:
        fh.seek(blobs_at)
        fh.write(b"\xff" * (len(data) - blobs_at - len(cache_format.MAGIC)))
    stripe = next(r for r in warm if r.id.startswith("stripe"))
    compiled = [rules.compile_pattern(p) for p in stripe.searched]
    assert not rules.PRECOMPILED and [c.pattern for c in compiled] == list(stripe.searched)
    assert all(any(c.search(example) for c in compiled) for example in stripe.examples)
