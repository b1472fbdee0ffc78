"""Suppressions are not trusted from the change being judged.

A pull request that adds a key and, in the same change, `exclude: ["pay.py"]` to `.leakstop.yaml` (or an
ignore entry, a baseline entry, an allow comment: anyone holding the secret can compute its fingerprint)
would pass its own scan. So `--range`, `--since` and `--pre-push` take the configuration, the ignore file
and a baseline inside the repository from the base revision (what the change is judged against); what the
change adds to them is reported, and applied only with `--trust-range-config`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.cli.scan_setup import ScanFlags, ScanSetup, effective_ruleset
from scanner.config import CONFIG_NAMES, Config, config_from_data, validated_data
from scanner.errors import GitError
from scanner.findings import Finding
from scanner.fragment import Fragment
from scanner.git import runner as git
from scanner.scan import Suppressor
from scanner.suppress import IGNORE_FILE

if TYPE_CHECKING:
    from scanner.suppress.rule_examples import RuleExamples

RANGE_KINDS = ("range", "since", "pre-push")


def base_revision(root: Path, kind: str, since: str, rev_range: str) -> str | None:
    """The revision a change is judged against: A of `A..B`, the merge base for `A...B`, REV of --since.
    None when there is no single one (a push of a new branch)."""
    if kind == "since":
        return since or None  # empty: HEAD's whole history is newer than --since's date
    if kind == "range" and "..." in rev_range:
        left, right = rev_range.split("...", 1)
        out = git.run_git(root, "merge-base", left or "HEAD", right or "HEAD", check=False).strip()
        return out.decode("ascii") if out else None
    if kind == "range" and ".." in rev_range:
        return rev_range.split("..", 1)[0] or "HEAD"
    return None


def text_at(root: Path, rev: str, relative: str) -> str | None:
    """A file's text at a revision, None if it has no such file."""
    blob = git.run_git(root, "rev-parse", "--verify", "-q", f"{rev}:{relative}", check=False).strip()
    if not blob:
        return None
    return git.run_git(root, "cat-file", "blob", blob.decode("ascii")).decode("utf-8", "replace")


@dataclass
class UntrustedInline:
    """A suppressor that honours no inline allow comment but remembers each it would have honoured: in a
    range scan, every scanned line is one the change wrote."""

    seen: list[str]

    def __call__(self, finding: Finding, fragment: Fragment) -> str:
        from scanner.suppress.inline import InlineAllow

        reason = InlineAllow()(finding, fragment)
        if reason:
            self.seen.append(f"{finding.first.path}:{finding.first.line}")
        return ""


def judged_setup(setup: ScanSetup, flags: ScanFlags, repo_path: Path, kind: str, since: str,
                 rev_range: str) -> tuple[ScanSetup, list[str]]:
    """The setup with suppressions from the base revision, and what the change adds (as warnings)."""
    root = git.work_tree_root(repo_path)
    rev = base_revision(root, kind, since, rev_range) if root is not None else None
    if root is None or rev is None:
        return setup, []
    if git.resolve_commit(git.repository(root), rev) is None:
        raise GitError(f"{rev}: no such revision in {root}")
    head = setup.config
    base = head if flags.config is not None else base_config(root, rev, head)
    added = config_additions(head, base)
    ruleset = setup.ruleset
    min_confidence = flags.min_confidence or base.min_confidence
    min_severity = flags.min_severity or base.min_severity
    if base is not head:
        ruleset = effective_ruleset(base, flags.rules_paths, flags.no_builtin_rules, min_confidence, min_severity,
                                    flags.enable_rules, flags.disable_rules)
    suppressors, more = base_suppressors(setup, root, rev, base)
    added += more
    judged = replace(setup, config=base, ruleset=ruleset, suppressors=suppressors,
                     max_file_size=flags.max_file_size or base.max_file_size,
                     min_confidence=min_confidence, min_severity=min_severity)
    warnings = []
    if added:
        warnings.append(f"this change adds {', '.join(added)}; their effect is not applied: suppressions come "
                        f"from {rev} (--trust-range-config applies them)")
    return judged, warnings


def base_config(root: Path, rev: str, head: Config) -> Config:
    names = [str(head.path.resolve().relative_to(root.resolve()))] if head.path is not None else list(CONFIG_NAMES)
    for relative in names:
        text = text_at(root, rev, relative.replace("\\", "/"))
        if text is not None:
            path = root / relative
            return config_from_data(path, text, validated_data(path, text), read=revision_reader(root, rev))
    return Config(root=root.resolve())


def revision_reader(root: Path, rev: str) -> Callable[[Path], str | None]:
    """How the base revision's configuration reads the files it extends: those inside the repository as
    the base revision has them (the change may edit a shared policy file too), others from disk."""
    from scanner.config import disk_text

    def read(path: Path) -> str | None:
        relative = relative_in(root, path)
        return disk_text(path) if relative is None else text_at(root, rev, relative)

    return read


def config_additions(head: Config, base: Config) -> list[str]:
    out = []
    for what, now, before in (("exclude", head.exclude, base.exclude),
                              ("allow pattern", head.allow_patterns, base.allow_patterns),
                              ("stopword", head.stopwords, base.stopwords),
                              ("disabled rule", head.disable, base.disable),
                              ("extended file", tuple(map(str, head.extends)), tuple(map(str, base.extends)))):
        new = [v for v in now if v not in before]
        if new:
            out.append(f"{counted(len(new), what)} ({', '.join(new)})")
    known = {a.conditions() for a in base.allowlists}
    new_lists = [a for a in head.allowlists if a.conditions() not in known]
    if new_lists:
        out.append(f"{counted(len(new_lists), 'per-rule allowlist')} "
                   f"(for {', '.join(dict.fromkeys(r for a in new_lists for r in a.rules))})")
    if head.max_file_size < base.max_file_size:
        out.append(f"a lower max_file_size ({head.max_file_size} bytes)")
    if not head.use_builtin_rules and base.use_builtin_rules:
        out.append("use_builtin_rules: false")
    if head.baseline is not None and head.baseline != base.baseline:
        out.append(f"baseline: {head.baseline.name}")
    return out


def base_suppressors(setup: ScanSetup, root: Path, rev: str, base: Config
                     ) -> tuple[tuple[Suppressor, ...], list[str]]:
    """The scan's suppressors rebuilt from the base revision: ignore file, base config's allowlist, a baseline
    inside the repository; inline comments only remembered. And what the change added to the first and last."""
    from scanner.suppress.allowlist import GlobalAllowlist
    from scanner.suppress.baseline import Baseline
    from scanner.suppress.ignore_file import IgnoreList, parse_ignore_text
    from scanner.suppress.rule_allowlist import RuleAllowlists
    from scanner.suppress.rule_examples import RuleExamples

    added: list[str] = []
    out: list[Suppressor] = []
    for suppressor in setup.suppressors:
        if isinstance(suppressor, IgnoreList):
            relative = relative_in(root, suppressor.file) or IGNORE_FILE
            text = text_at(root, rev, relative)
            entries = parse_ignore_text(suppressor.file, text) if text is not None else []
            kept = {e.fingerprint for e in entries}
            current = [e for es in suppressor.active.values() for e in es] + suppressor.expired
            new = [e for e in current if e.fingerprint not in kept]
            if new:
                added.append(counted(len(new), "ignore entry", "ignore entries"))
            setup.ignores = IgnoreList(suppressor.file, entries)
            out.append(setup.ignores)
        elif isinstance(suppressor, Baseline):
            inside = relative_in(root, suppressor.file)
            if inside is None:
                out.append(suppressor)  # the user's own file, outside the change
                continue
            recorded = baseline_entries(suppressor.file, text_at(root, rev, inside))
            if suppressor.entries - recorded:
                added.append(counted(len(suppressor.entries - recorded), "baseline entry", "baseline entries"))
            out.append(Baseline(suppressor.file, recorded))
        elif isinstance(suppressor, (GlobalAllowlist, RuleAllowlists)):
            continue
        elif isinstance(suppressor, RuleExamples):
            examples, new_examples = base_examples(root, rev, suppressor)
            if new_examples:
                added.append(counted(new_examples, "rule example"))
            out.append(examples)
        elif type(suppressor).__name__ == "InlineAllow":
            out.append(UntrustedInline([]))
        else:
            out.append(suppressor)
    if base.allow_patterns or base.stopwords:
        out.append(GlobalAllowlist(base.allow_patterns, base.stopwords))
    if base.allowlists:
        out.append(RuleAllowlists(base.allowlists))
    return tuple(out), added


def base_examples(root: Path, rev: str, current: RuleExamples) -> tuple[RuleExamples, int]:
    """Rule-file examples as the base revision has them (a rule file outside the repository as it is),
    and how many examples the change added: a real key the change calls an example stays reported."""
    from scanner.suppress.rule_examples import RuleExamples, examples_in_text

    files: dict[str, frozenset[str]] = {}
    added = 0
    for file, examples in current.files.items():
        relative = relative_in(root, Path(file))
        files[file] = examples if relative is None else examples_in_text(text_at(root, rev, relative)) & examples
        added += len(examples - files[file])
    return RuleExamples(files), added


def baseline_entries(file: Path, text: str | None) -> frozenset[str]:
    if text is None:
        return frozenset()
    import tempfile

    from scanner.suppress.baseline import read_baseline

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / file.name
        copy.write_text(text, encoding="utf-8")
        return read_baseline(copy).entries


def relative_in(root: Path, file: Path) -> str | None:
    try:
        return file.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def counted(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def inline_warnings(setup: ScanSetup) -> list[str]:
    seen = [place for s in setup.suppressors if isinstance(s, UntrustedInline) for place in s.seen]
    if not seen:
        return []
    return [f"{counted(len(seen), 'inline allow comment')} written by this change not honoured "
            f"({', '.join(seen[:5])}{', …' if len(seen) > 5 else ''}; --trust-range-config honours them)"]
