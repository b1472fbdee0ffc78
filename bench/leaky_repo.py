"""Score leakstop (and the peer scanners) on the leaky-repo benchmark.

    python bench/leaky_repo.py               # leakstop + every peer found
    python bench/leaky_repo.py --only leakstop
    python bench/leaky_repo.py --lines       # also list the lines each tool flagged

What it measures
----------------
leaky-repo (github.com/Plazmaz/leaky-repo) is a public repository of planted
secrets. Its `.leaky-meta/secrets.csv` says, per file, how many "risk" lines
the file holds (columns: name, num_risk, num_informative; 96 risk lines in
all). The CSV gives counts, not line numbers, so a tool scores, per file,
min(distinct lines it flagged, expected risk lines): the benchmark's own
convention. A finding is one (path, start line); several findings on one line
count once. Lines flagged beyond the expected count, and findings in files the
CSV does not score, are shown in the "extra" column: they are informative
lines, files added after the CSV (kucoin, square, teams webhook, CircleCI) or
false positives: read them with --lines.

Every tool is run over the same checkout:
  leakstop     python -m scanner scan DIR --no-git --format json --no-group --exit-zero
  gitleaks     gitleaks dir DIR -f json
  betterleaks  betterleaks fs DIR
  detect-secrets  detect-secrets scan --all-files .   (run inside DIR)
  trufflehog   truffleHog 2.x --regex over a local clone (git history only;
               it reports strings, not lines: each string is mapped back to
               the lines of the file that contain it)
Peers are looked up in ~/.cache/leakstop-bench/bin first (bench/setup_peers.sh
installs them there), then on PATH; a missing one is shown as "not installed".

The corpus (not shipped, never committed here)
----------------------------------------------
The benchmark files are reference data and stay outside this repository, in
~/.cache/leakstop-bench/leaky-repo (or $LEAKY_REPO_DIR). There is no network
here but the package registries, so the corpus is rebuilt from the stored
copy of public GitHub repositories that the development sessions' `search`
tool reads (see bench/README):
  1. find_files repo="Plazmaz/leaky-repo" lists the files with a commit each
     (the listed commit is the newest stored version);
  2. read_file repo="Plazmaz/leaky-repo" path=P commit=C for each file, written
     byte for byte to ~/.cache/leakstop-bench/leaky-repo/P, including
     .leaky-meta/secrets.csv (etc/shadow, listed in the CSV, is not stored:
     it scores 0 for every tool);
  3. `git init && git add -A && git commit` inside it, so git-based scans work.
When the folder or its secrets.csv is missing the script says
"corpus missing: see bench/README" and exits 2.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
CACHE = Path(os.environ.get("LEAKSTOP_BENCH_CACHE", Path.home() / ".cache" / "leakstop-bench"))
CORPUS = Path(os.environ.get("LEAKY_REPO_DIR", CACHE / "leaky-repo"))
PEER_BIN = CACHE / "bin"
CSV_PATH = ".leaky-meta/secrets.csv"

Lines = dict[str, set[int]]          # relative path -> flagged line numbers


# --------------------------------------------------------------------------- #
# Ground truth
# --------------------------------------------------------------------------- #
def load_expected(corpus: Path) -> dict[str, int]:
    """secrets.csv: path -> number of risk lines (comment and blank lines skipped)."""
    rows = [ln for ln in (corpus / CSV_PATH).read_text().splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]
    expected: dict[str, int] = {}
    for row in csv.reader(rows):
        if len(row) >= 2 and row[1].strip().isdigit():
            expected[row[0].strip().lstrip("/")] = int(row[1])
    return expected


# --------------------------------------------------------------------------- #
# Runners: each returns {relative path: {lines}} or None when not installed
# --------------------------------------------------------------------------- #
def rel(path: str, corpus: Path) -> str:
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(corpus)
        except ValueError:
            return str(p)
    s = p.as_posix()
    return s[2:] if s.startswith("./") else s


def peer(name: str) -> str | None:
    p = PEER_BIN / name
    return str(p) if p.exists() else shutil.which(name)


def run(argv: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, **kw)


def run_leakstop(corpus: Path, tmp: Path) -> Lines | None:
    report = tmp / "leakstop.json"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = run([sys.executable, "-m", "scanner", "scan", str(corpus), "--no-git", "--format", "json",
               "--no-group", "--exit-zero", "-q", "-o", str(report)], env=env, cwd=REPO_ROOT)
    if not report.exists():
        sys.stderr.write(f"leakstop failed ({out.returncode}): {out.stderr.strip()[-2000:]}\n")
        return None
    found: Lines = defaultdict(set)
    for f in json.loads(report.read_text()).get("findings", []):
        for occ in f.get("occurrences") or [f]:
            found[rel(occ["path"], corpus)].add(int(occ["line"]))
    return found


def run_gitleaks(corpus: Path, tmp: Path) -> Lines | None:
    exe = peer("gitleaks")
    if not exe:
        return None
    report = tmp / "gitleaks.json"
    run([exe, "dir", str(corpus), "--no-banner", "--log-level", "error", "--exit-code", "0",
         "-f", "json", "-r", str(report)])
    found: Lines = defaultdict(set)
    for f in json.loads(report.read_text() or "[]") if report.exists() else []:
        found[rel(f["File"], corpus)].add(int(f["StartLine"]))
    return found


def run_betterleaks(corpus: Path, tmp: Path) -> Lines | None:
    exe = peer("betterleaks")
    if not exe:
        return None
    report = tmp / "betterleaks.json"
    run([exe, "fs", str(corpus), "--no-banner", "--log-level", "error", "--exit-code", "0",
         "-o", str(report)])
    found: Lines = defaultdict(set)
    data = json.loads(report.read_text() or "{}") if report.exists() else {}
    items = data.get("findings", []) if isinstance(data, dict) else data
    for f in items:
        loc = f.get("location") or {}
        path = loc.get("path") or f.get("File")
        line = loc.get("start_line") or f.get("StartLine")
        if path and line:
            found[rel(path, corpus)].add(int(line))
    return found


def run_detect_secrets(corpus: Path, tmp: Path) -> Lines | None:
    exe = peer("detect-secrets")
    if not exe:
        return None
    out = run([exe, "scan", "--all-files", "."], cwd=corpus)
    found: Lines = defaultdict(set)
    try:
        results = json.loads(out.stdout).get("results", {})
    except json.JSONDecodeError:
        return found
    for path, items in results.items():
        for item in items:
            found[rel(path, corpus)].add(int(item["line_number"]))
    return found


def run_trufflehog(corpus: Path, tmp: Path) -> Lines | None:
    exe = peer("trufflehog")
    if not exe:
        return None
    if not (corpus / ".git").exists():
        sys.stderr.write("trufflehog: corpus is not a git repository (see the docstring), skipped\n")
        return {}
    # truffleHog 2.x scans the branches of remote "origin": give it a clone of the corpus.
    clone = tmp / "trufflehog-clone"
    run(["git", "clone", "-q", str(corpus), str(clone)])
    out = run([exe, "--json", "--regex", "--repo_path", str(clone), f"file://{clone}"])
    found: Lines = defaultdict(set)
    for line in out.stdout.splitlines():
        if not line.startswith("{"):
            continue
        obj = json.loads(line)
        path = obj.get("path", "")
        try:
            text = (corpus / path).read_text(errors="replace").splitlines()
        except OSError:
            continue
        for s in obj.get("stringsFound", []):
            probe = s.strip().splitlines()[0] if s.strip() else ""
            for n, t in enumerate(text, 1):
                if probe and probe in t:
                    found[path].add(n)
    return found


TOOLS = {
    "leakstop": run_leakstop,
    "gitleaks": run_gitleaks,
    "betterleaks": run_betterleaks,
    "detect-secrets": run_detect_secrets,
    "trufflehog": run_trufflehog,
}


# --------------------------------------------------------------------------- #
# Scoring and printing
# --------------------------------------------------------------------------- #
def score(expected: dict[str, int], found: Lines) -> tuple[dict[str, int], int, int]:
    """Per-file score, total score, and flagged lines beyond what the CSV expects."""
    per = {path: min(len(found.get(path, ())), n) for path, n in expected.items()}
    extra = sum(max(0, len(lines) - expected.get(path, 0)) for path, lines in found.items())
    return per, sum(per.values()), extra


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--only", action="append", choices=list(TOOLS), help="run only these tools")
    ap.add_argument("--lines", action="store_true", help="list flagged line numbers per file")
    args = ap.parse_args(argv)

    corpus: Path = args.corpus.expanduser().resolve()
    if not (corpus / CSV_PATH).exists():
        print("corpus missing: see bench/README (and this script's docstring)", file=sys.stderr)
        return 2
    expected = load_expected(corpus)
    total = sum(expected.values())

    results: dict[str, Lines | None] = {}
    with tempfile.TemporaryDirectory(prefix="leaky-repo-") as t:
        for name in args.only or list(TOOLS):
            results[name] = TOOLS[name](corpus, Path(t))
    ran = {k: v for k, v in results.items() if v is not None}
    scores = {k: score(expected, v) for k, v in ran.items()}

    names = list(ran)
    w = max(len(p) for p in expected) + 2
    cols = [max(len(n), 7) for n in names]
    print(f"{'file':<{w}}{'risk':>5}  " + "  ".join(f"{n:>{c}}" for n, c in zip(names, cols)))
    for path in sorted(expected, key=lambda p: (-expected[p], p)):
        missing = "" if (corpus / path).exists() else "  (not in corpus)"
        cells = "  ".join(f"{scores[n][0][path]:>{c}}" for n, c in zip(names, cols))
        print(f"{path:<{w}}{expected[path]:>5}  {cells}{missing}")
    print("-" * (w + 7 + sum(c + 2 for c in cols)))
    print(f"{'risk lines found':<{w}}{total:>5}  " + "  ".join(f"{scores[n][1]:>{c}}" for n, c in zip(names, cols)))
    print(f"{'extra lines':<{w}}{'':>5}  " + "  ".join(f"{scores[n][2]:>{c}}" for n, c in zip(names, cols)))
    print()
    for n in names:
        print(f"{n}: {scores[n][1]} of {total}")
    for n, v in results.items():
        if v is None:
            print(f"{n}: not installed")

    if args.lines:
        for n in names:
            print(f"\n== {n}")
            for path in sorted(ran[n]):
                tag = f"expected {expected[path]}" if path in expected else "not scored"
                print(f"  {path}: {sorted(ran[n][path])} ({tag})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
