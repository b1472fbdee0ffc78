"""Precision on real code: findings per MB on the sources of large, popular PyPI projects.

    python bench/precision.py            # download (once), unpack, scan, print the tables
    python bench/precision.py --list     # also list every finding (redacted) for review

These sources hold no live secrets, so every finding is a false positive (or a documented test key):
fewer per MB is better. Each finding left is reviewed in bench/precision-review.md. gitleaks runs on the
same trees when a binary is found on PATH or in ~/.cache/leakstop-bench/{bin,venv/bin}.

Not a test: it needs the network once, and its figures are for people, not for assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path.home() / ".cache" / "leakstop-bench" / "precision"
# Pinned: the numbers in precision-review.md are for exactly these sources.
PROJECTS = (
    "django==5.1.4",
    "pip==24.3.1",
    "requests==2.32.3",
    "flask==3.1.0",
    "ansible-core==2.18.1",
    "setuptools==75.6.0",
    "sphinx==8.1.3",
    "numpy==2.1.3",
    "pandas==2.2.3",
)


@dataclass(frozen=True)
class Tree:
    name: str
    path: Path
    megabytes: float


def download(spec: str) -> Path | None:
    """The sdist archive, from the cache or via `pip download`; None (with a note) when it cannot be had.
    A project whose sdist needs a compiler just to report its metadata (numpy, pandas) is read from its
    wheel instead, which carries the same Python sources and tests."""
    target = CACHE / "sdists"
    target.mkdir(parents=True, exist_ok=True)
    name, version = spec.split("==")
    stem = f"{name.replace('-', '_').lower()}-{version}"
    for archive in target.iterdir():
        if archive.name.lower().replace("-", "_").startswith(stem.replace("-", "_")):
            return archive
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", spec,
         "-d", str(target)], capture_output=True, text=True,
    )
    if proc.returncode != 0:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:", spec,
             "-d", str(target)], capture_output=True, text=True,
        )
    if proc.returncode != 0:
        print(f"skipped {spec}: pip download failed: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return download(spec)


def unpack(archive: Path) -> Path:
    dest = CACHE / "trees" / archive.name.split(".tar")[0].split(".zip")[0].split(".whl")[0]
    if dest.is_dir():
        return dest
    tmp = dest.with_suffix(".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if archive.suffix in (".zip", ".whl"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(tmp, filter="data") if hasattr(tarfile, "data_filter") else tf.extractall(tmp)
    tmp.rename(dest)
    return dest


def tree_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def leakstop_findings(tree: Path) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", str(tree), "--format", "json", "--no-git", "--no-group",
         "--exit-zero", "--quiet"], capture_output=True, text=True, cwd=ROOT,
    )
    if proc.returncode != 0:
        raise SystemExit(f"leakstop failed on {tree}: {proc.stderr.strip()}")
    findings: list[dict] = json.loads(proc.stdout)["findings"]
    return findings


def gitleaks_binary() -> str | None:
    home = Path.home() / ".cache" / "leakstop-bench"
    for candidate in (shutil.which("gitleaks"), home / "bin" / "gitleaks", home / "venv" / "bin" / "gitleaks"):
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        proc = subprocess.run([str(candidate), "version"], capture_output=True, text=True)
        if proc.returncode == 0 and proc.stdout.strip()[:1].isdigit():
            return str(candidate)
    return None


def gitleaks_findings(binary: str, tree: Path) -> list[dict]:
    """gitleaks' report for a tree; cached per tree and gitleaks version, since neither changes."""
    version = subprocess.run([binary, "version"], capture_output=True, text=True).stdout.strip()
    report = CACHE / "gitleaks" / f"{tree.name}-{version}.json"
    if report.is_file():
        cached: list[dict] = json.loads(report.read_text() or "[]")
        return cached
    report.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [binary, "dir", str(tree), "--no-banner", "--log-level", "error", "--exit-code", "0",
         "--report-format", "json", "--report-path", str(report)], capture_output=True, text=True,
    )
    findings: list[dict] = json.loads(report.read_text() or "[]")
    return findings


def per_mb(count: int, megabytes: float) -> str:
    return f"{count / megabytes:.3f}" if megabytes else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--list", action="store_true", help="List every leakstop finding for review.")
    args = parser.parse_args()
    trees = []
    for spec in PROJECTS:
        archive = download(spec)
        if archive:
            path = unpack(archive)
            trees.append(Tree(spec, path, tree_size_mb(path)))
    gitleaks = gitleaks_binary()
    by_rule: Counter[str] = Counter()
    peer_by_rule: Counter[str] = Counter()
    total = [0, 0, 0.0]
    print(f"{'project':<24} {'MB':>7} {'leakstop':>9} {'per MB':>8} {'gitleaks':>9} {'per MB':>8}")
    for tree in trees:
        ours = leakstop_findings(tree.path)
        by_rule.update(f["rule_id"] for f in ours)
        theirs = gitleaks_findings(gitleaks, tree.path) if gitleaks else []
        peer_by_rule.update(f.get("RuleID", "?") for f in theirs)
        total[0] += len(ours)
        total[1] += len(theirs)
        total[2] += tree.megabytes
        peer = f"{len(theirs):>9} {per_mb(len(theirs), tree.megabytes):>8}" if gitleaks else f"{'n/a':>9} {'':>8}"
        print(f"{tree.name:<24} {tree.megabytes:>7.1f} {len(ours):>9} {per_mb(len(ours), tree.megabytes):>8} {peer}")
        if args.list:
            for f in ours:
                where = os.path.relpath(CACHE / "trees" / tree.path.name / f["path"], CACHE / "trees")
                print(f"    {f['rule_id']:<36} {where}:{f['line']}  {f['secret']}")
    peer_total = f"{total[1]:>9} {per_mb(int(total[1]), total[2]):>8}" if gitleaks else f"{'n/a':>9}"
    print(f"{'TOTAL':<24} {total[2]:>7.1f} {total[0]:>9} {per_mb(int(total[0]), total[2]):>8} {peer_total}")
    print(f"\ngitleaks: {gitleaks or 'not found (PATH, ~/.cache/leakstop-bench/bin, venv/bin)'}")
    print("\nleakstop findings per rule:")
    for rule, n in by_rule.most_common():
        print(f"  {n:>5}  {rule}")
    if gitleaks:
        print("\ngitleaks findings per rule:")
        for rule, n in peer_by_rule.most_common():
            print(f"  {n:>5}  {rule}")


if __name__ == "__main__":
    main()
