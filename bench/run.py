"""Benchmark leakstop against floors and peer scanners, in one command.

    python bench/run.py            # median of 3 runs per row
    python bench/run.py --quick    # 1 run per row, slow peers skipped

Why floors: a scanner cannot beat the cost of reading its input, so each
workload is also timed with the cheapest way to read it (git cat-file, git
log -p, cat, rg, interpreter start-up). The ratio to a floor says how much
room is left; the ratio to a peer says where we stand. Findings are counted
from every tool's JSON report so that speed is never bought by finding less.

The corpora (built once into ~/.cache/leakstop-bench/ by make_corpus.py) and
the peers (installed by setup_peers.sh into a bench-only venv) are prepared
automatically on first use.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import make_corpus  # noqa: E402

# --------------------------------------------------------------------------- #
# leakstop's command lines: edit here when the CLI changes.
# {target} is the repo or folder to scan, {report} a JSON file to write.
# The staged workload runs with the staged repo as working directory.
# --------------------------------------------------------------------------- #
_REPORT = ["--format", "json", "--output", "{report}", "--exit-zero", "-q", "--show-secrets"]
LEAKSTOP_ARGS: dict[str, list[str]] = {
    # cold: the peers keep nothing between runs, so neither does this row (the warm rows below do)
    "history": ["scan", "--history", "{target}", "--no-cache", *_REPORT],
    "smallhist": ["scan", "--history", "{target}", "--no-cache", *_REPORT],  # fixed costs decide here
    "tree":    ["scan", "{target}", *_REPORT],
    "staged":  ["scan", "--staged", *_REPORT],
}
# The scan cache's rows (history only): {cache} is a folder primed by one untimed run.
LEAKSTOP_CACHED_ARGS = ["scan", "--history", "{target}", "--cache-dir", "{cache}", *_REPORT]

CACHE = make_corpus.CACHE
HISTORIES = ("history", "smallhist")
"""Workloads that scan a repository's history: the same floors and peers."""
PEER_BIN = CACHE / "bin"
TIME = Path("/usr/bin/time")

# Keywords a secret scanner typically pre-filters on (for the rg floor).
KEYWORDS = """akia asia abia acca aws_secret aws_access secret_key secret password passwd pwd
token api_key apikey api-key access_key private_key client_secret auth bearer
begin rsa dsa ec openssh pgp private sk_live sk_test rk_live pk_live ghp_ gho_ ghu_
ghs_ ghr_ github_pat glpat- xoxb- xoxp- xoxa- xapp- aiza npm_ pypi- hooks.slack.com
postgres:// mysql:// mongodb+srv:// redis:// amqp:// sendgrid twilio heroku""".split()


@dataclass
class Row:
    """One command measured on one workload."""

    name: str
    kind: str                       # "leakstop", "floor" or "peer"
    argv: list[str] | None          # None: tool not available
    cwd: Path | None = None
    env: dict[str, str] | None = None
    report: Path | None = None      # JSON report to count findings in
    max_runs: int = 99              # slow tools get fewer runs
    ok_codes: tuple[int, ...] = (0,)  # exit codes that mean "ran fine"
    note: str = ""
    walls: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    findings: int | None = None
    planted_found: int | None = None
    error: str = ""
    prepare: Callable[[], None] | None = None     # once, untimed, before the first run (priming a cache)
    before_each: Callable[[], None] | None = None  # untimed, before every run (a new commit)
    cache_dir: Path | None = None                  # its size on disk goes into the note


# --------------------------------------------------------------------------- #
# Measuring
# --------------------------------------------------------------------------- #
_RSS_FALLBACK = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[2:])\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(rc)\n"
)


def measure(row: Row, timeout: float, planted: list[tuple[str, list[str]]]) -> None:
    """Run the row once; record wall time, peak RSS of its largest process, findings."""
    assert row.argv is not None
    with tempfile.NamedTemporaryFile("r", suffix=".rss", delete=False) as tf:
        rss_file = tf.name
    if TIME.exists():
        wrapped = [str(TIME), "-f", "%M", "-o", rss_file, "--", *row.argv]
    else:   # a fresh Python per run, so RUSAGE_CHILDREN covers this run only
        wrapped = [sys.executable, "-c", _RSS_FALLBACK, rss_file, *row.argv]
    if row.report:
        row.report.unlink(missing_ok=True)
    env = dict(os.environ, **(row.env or {}))
    if row.prepare is not None:
        row.prepare()
        row.prepare = None
    if row.before_each is not None:
        row.before_each()
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(wrapped, cwd=row.cwd, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        row.error = f"timeout > {timeout:.0f} s"
        return
    finally:
        wall = time.perf_counter() - t0
    rss_text = Path(rss_file).read_text().strip().splitlines()
    os.unlink(rss_file)
    if proc.returncode not in row.ok_codes:
        lines = [ln.strip() for ln in proc.stderr.decode(errors="replace").splitlines() if ln.strip()]
        usage = [ln for ln in lines if "No such option" in ln]
        if proc.returncode == 2 and usage:
            # A usage error means the CLI does not have this mode (yet), not that it broke.
            row.error = f"not available ({usage[0].removeprefix('Error: ')})"
        else:
            row.error = f"exit {proc.returncode}: {' | '.join(lines[-2:])[:160]}"
        return
    row.walls.append(wall)
    if rss_text and rss_text[-1].isdigit():
        row.rss_kb.append(int(rss_text[-1]))
    if row.report:
        row.findings = count_findings(row.report)
        row.planted_found = count_planted(row.report, planted)


def measure_rows(rows: list[Row], runs: int, interleave: bool, timeout: float,
                 planted: list[tuple[str, list[str]]]) -> None:
    """Each row `runs` times (slow tools fewer): row after row, or with `interleave` round after round,
    every row once a round, so that a change in the machine's load falls on every row alike."""
    live = [r for r in rows if r.argv is not None]
    if interleave:
        for i in range(runs):
            for r in live:
                if i < r.max_runs and not r.error:
                    measure(r, timeout, planted)
        return
    for r in live:
        for _ in range(min(runs, r.max_runs)):
            measure(r, timeout, planted)
            if r.error:
                break


def count_planted(report: Path, planted: list[tuple[str, list[str]]]) -> int | None:
    """How many planted credentials the report mentions (detect-secrets stores SHA-1s)."""
    if not report.exists():
        return None
    text = report.read_text(errors="replace")
    return sum(any(n in text or hashlib.sha1(n.encode()).hexdigest() in text for n in needles)
               for _, needles in planted)


def count_findings(report: Path) -> int | None:
    """Number of findings in a JSON or JSON-lines report, whatever the tool."""
    if not report.exists():
        return None
    text = report.read_text(errors="replace").strip()
    if not text:
        return 0
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        lines = [ln for ln in text.splitlines() if ln.strip().startswith("{")]
        return len(lines)
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict):
        for key in ("findings", "Findings", "leaks", "secrets"):
            if isinstance(data.get(key), list):
                return len(data[key])
        if isinstance(data.get("results"), dict):          # detect-secrets baseline
            return sum(len(v) for v in data["results"].values())
        if isinstance(data.get("results"), list):
            return len(data["results"])
    return None


# --------------------------------------------------------------------------- #
# Which commands
# --------------------------------------------------------------------------- #
# LEAKSTOP_BENCH_VENV: another venv, for a second checkout benched on the same machine (each checkout
# reinstalls the venv as its own)
LEAKSTOP_VENV = Path(os.environ.get("LEAKSTOP_BENCH_VENV", CACHE / "leakstop-venv"))
# Users run leakstop installed, with byte-compiled modules; an inherited PYTHONDONTWRITEBYTECODE would
# make every run compile every module again (~60 ms) and measure a start-up nobody pays.
INSTALLED_ENV = {"PYTHONDONTWRITEBYTECODE": ""}


def installed_leakstop() -> Path | None:
    """leakstop installed as the README installs it, into a bench-only venv (editable from this checkout,
    reinstalled when the checkout or its pyproject.toml changes: the console script's entry point and the
    dependencies live there), with its modules byte-compiled. None if that fails."""
    exe, python = LEAKSTOP_VENV / "bin" / "leakstop", LEAKSTOP_VENV / "bin" / "python"
    marker = LEAKSTOP_VENV / "installed-from"
    installed_from = f"{REPO_ROOT}\n{hashlib.sha256((REPO_ROOT / 'pyproject.toml').read_bytes()).hexdigest()}"
    try:
        if not (exe.exists() and marker.exists() and marker.read_text() == installed_from):
            print(f"installing leakstop from {REPO_ROOT} into {LEAKSTOP_VENV} ...", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(LEAKSTOP_VENV)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", str(REPO_ROOT)], check=True)
            marker.write_text(installed_from)
        subprocess.run([str(python), "-m", "compileall", "-q", str(REPO_ROOT / "scanner")], check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return exe


def leakstop_launcher() -> tuple[list[str], dict[str, str]] | None:
    """leakstop installed in the bench venv, else the `leakstop` CLI if on PATH, else `python -m scanner`
    from this checkout."""
    env = {"PYTHONPATH": str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    candidates: list[tuple[list[str], dict[str, str]]] = []
    installed = installed_leakstop()
    if installed:
        candidates.append(([str(installed)], INSTALLED_ENV))
    if shutil.which("leakstop"):
        candidates.append(([shutil.which("leakstop") or "leakstop"], {}))
    candidates.append(([sys.executable, "-m", "scanner"], env))
    for argv, extra in candidates:
        try:
            ok = subprocess.run([*argv, "scan", "--help"], env=dict(os.environ, **extra),
                                capture_output=True, timeout=60).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            return argv, extra
    return None


def peer(name: str) -> str | None:
    """Path of a peer binary: the bench venv's links first, then PATH."""
    p = PEER_BIN / name
    return str(p) if p.exists() else shutil.which(name)


def tool_version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    words = (out.stdout or out.stderr).split()
    return next((w.lstrip("v") for w in words if w[:1].isdigit() or w[:2] == "v8"), "")


def trufflehog_clone(history: Path) -> Path:
    """truffleHog 2.x scans the branches of remote 'origin' only, so give it a
    local (hard-linked, cheap) clone whose origin is the history corpus."""
    clone = CACHE / f"{history.name}-trufflehog"
    if not (clone / ".git").exists():
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(history), str(clone)], check=True)
    return clone


def history_clone(history: Path, tmp: Path) -> Path:
    """A bare, hard-linked clone of every ref of the history corpus, for the row that adds a commit before
    each run (the corpus itself stays as the other rows measure it)."""
    clone = tmp / "history-clone.git"
    if not clone.exists():
        subprocess.run(["git", "clone", "-q", "--mirror", str(history), str(clone)], check=True)
    return clone


def add_commit(repo: Path) -> None:
    """One new commit on HEAD's branch that adds one small new file (content new to the repository)."""
    def git(*args: str, data: str | None = None) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], input=data, capture_output=True, text=True,
                              check=True).stdout.strip()

    stamp = f"{time.time_ns()}"
    blob = git("hash-object", "-w", "--stdin", data=f"release notes draft {stamp}\n")
    entries = git("ls-tree", "HEAD") + f"\n100644 blob {blob}\tbench-{stamp}.txt\n"
    tree = git("mktree", data=entries)
    commit = git("commit-tree", tree, "-p", "HEAD", "-m", f"bench commit {stamp}")
    git("update-ref", "HEAD", commit)


def dir_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def q(path: Path | str) -> str:
    """Quote a path for sh -c."""
    return "'" + str(path).replace("'", "'\\''") + "'"


def sh(cmd: str) -> list[str]:
    return ["sh", "-c", cmd]


def cached_rows(argv: list[str], env: dict[str, str], target: Path, tmp: Path,
                rep: Callable[[str], Path]) -> list[Row]:
    """leakstop with its scan cache: the same history again, and the history after one new commit."""
    rows = []
    for name, tool, repo, new_commit in (("leakstop warm (history unchanged)", "leakstop-warm", target, False),
                                         ("leakstop warm (after one new commit)", "leakstop-new-commit",
                                          history_clone(target, tmp) if target.exists() else target, True)):
        cache = tmp / f"scan-cache-{tool}"
        command = [*argv, *(a.format(target=repo, report=rep(tool), cache=cache) for a in LEAKSTOP_CACHED_ARGS)]

        def prime(command: list[str] = command) -> None:
            subprocess.run(command, env=dict(os.environ, **env), capture_output=True, check=False)

        rows.append(Row(name, "leakstop", command, env=env, report=rep(tool), prepare=prime, cache_dir=cache,
                        before_each=(lambda repo=repo: add_commit(repo)) if new_commit else None))
    return rows


def rows_for(workload: str, target: Path, tmp: Path, quick: bool) -> list[Row]:
    """Leakstop, floors and peers for one workload."""
    rows: list[Row] = []

    def rep(tool: str) -> Path:
        return tmp / f"{workload}-{tool}.json"

    cwd = target if workload == "staged" else None

    launcher = leakstop_launcher()
    if launcher:
        argv, env = launcher
        args = [a.format(target=target, report=rep("leakstop")) for a in LEAKSTOP_ARGS[workload]]

        # One untimed run first, as any earlier scan on the machine would have: it fills the rule cache (the
        # compiled patterns and gate, not the scan cache), whose cold fill after an install or a rule change
        # is a cost of its own, not of the scan measured here.
        def prime(command: list[str] = [*argv, *args]) -> None:
            subprocess.run(command, cwd=cwd, env=dict(os.environ, **env), capture_output=True, check=False)

        rows.append(Row("leakstop", "leakstop", [*argv, *args], cwd=cwd, env=env, report=rep("leakstop"),
                        prepare=prime))
        if workload == "history":
            rows.extend(cached_rows(argv, env, target, tmp, rep))
    else:
        rows.append(Row("leakstop", "leakstop", None, note="not available"))

    if workload in HISTORIES:
        rows.append(Row("git cat-file --batch-all-objects --batch", "floor",
                        sh(f"git -C {q(target)} cat-file --batch-all-objects --batch >/dev/null")))
        # Same bytes in pack order: no delta-chain thrashing, the true "read every object" floor.
        rows.append(Row("  ... --unordered", "floor",
                        sh(f"git -C {q(target)} cat-file --batch-all-objects --batch --unordered >/dev/null")))
        rows.append(Row("git log -p -U0 --all", "floor",
                        sh(f"git -C {q(target)} log -p -U0 --all >/dev/null")))
    elif workload == "tree":
        kw = tmp / "keywords.txt"
        kw.write_text("\n".join(KEYWORDS) + "\n")
        rg = shutil.which("rg")
        rows.append(Row(f"rg -i -F ({len(KEYWORDS)} keywords)", "floor",
                        [rg, "-i", "-F", "-c", "--hidden", "--no-ignore", "-g", "!.git", "-f", str(kw), str(target)]
                        if rg else None, note="" if rg else "rg not installed"))
        rows.append(Row("cat all files", "floor",
                        sh(f"find {q(target)} -name .git -prune -o -type f -print0 | xargs -0 cat >/dev/null")))
    else:
        venv_python = LEAKSTOP_VENV / "bin" / "python"
        python = str(venv_python) if venv_python.exists() else sys.executable
        rows.append(Row("python -c pass", "floor", [python, "-c", "pass"], env=INSTALLED_ENV))
        rows.append(Row("git diff --cached", "floor", ["git", "diff", "--cached"], cwd=cwd))

    gl, bl, ds, th = peer("gitleaks"), peer("betterleaks"), peer("detect-secrets"), peer("trufflehog")
    common_gl = ["--no-banner", "--log-level", "error", "--exit-code", "0", "-f", "json"]
    common_bl = ["--no-banner", "--log-level", "error", "--exit-code", "0"]
    glv = f"gitleaks {tool_version([gl, 'version'])}" if gl else "gitleaks"
    blv = f"betterleaks {tool_version([bl, 'version'])}" if bl else "betterleaks"
    dsv = f"detect-secrets {tool_version([ds, '--version'])}" if ds else "detect-secrets"
    thv = "trufflehog 2.x"

    def add(name: str, tool: str | None, build: Callable[[str], list[str]] | None, na: str = "n/a", *,
            report: str = "", cwd: Path | None = None, max_runs: int = 99,
            ok_codes: tuple[int, ...] = (0,)) -> None:
        """A peer row: "not installed", "n/a" (mode unsupported) or a command."""
        if tool is None:
            rows.append(Row(name, "peer", None, note="not installed"))
        elif build is None:
            rows.append(Row(name, "peer", None, note=na))
        else:
            rows.append(Row(name, "peer", build(tool), cwd=cwd, report=rep(report) if report else None,
                            max_runs=max_runs, ok_codes=ok_codes))

    if workload in HISTORIES:
        add(glv, gl, lambda t: [t, "git", str(target), *common_gl, "-r", str(rep("gitleaks"))],
            report="gitleaks")
        add(blv, bl, lambda t: [t, "git", str(target), *common_bl, "-o", str(rep("betterleaks"))],
            report="betterleaks")

        def truffle(t: str) -> list[str]:
            clone = trufflehog_clone(target)
            return sh(f"{q(t)} --json --regex --entropy=False --cleanup --repo_path {q(clone)} "
                      f"file://{q(clone)} > {q(rep('trufflehog'))}")

        add(thv, th, None if quick else truffle, "skipped by --quick (slow)",
            report="trufflehog", max_runs=1, ok_codes=(0, 1))   # exits 1 when it finds something
        add(dsv, ds, None, "n/a (no history mode)")
    elif workload == "tree":
        add(glv, gl, lambda t: [t, "dir", str(target), *common_gl, "-r", str(rep("gitleaks"))],
            report="gitleaks")
        add(blv, bl, lambda t: [t, "fs", str(target), *common_bl, "-o", str(rep("betterleaks"))],
            report="betterleaks")
        add(thv, th, None, "n/a (git history only)")
        # detect-secrets finds nothing when handed an absolute path from elsewhere: run it in the tree.
        add(dsv, ds, lambda t: sh(f"{q(t)} scan --all-files . > {q(rep('detect-secrets'))}"),
            report="detect-secrets", cwd=target, max_runs=1)   # about a minute a run
    else:
        add(glv, gl, lambda t: [t, "git", "--staged", ".", *common_gl, "-r", str(rep("gitleaks"))],
            report="gitleaks", cwd=cwd)
        add(blv, bl, lambda t: [t, "git", "--staged", ".", *common_bl, "-o", str(rep("betterleaks"))],
            report="betterleaks", cwd=cwd)
        add(thv, th, None, "n/a (no staged mode)")
        # detect-secrets' own pre-commit usage: scan the staged file names.
        add(dsv, ds, lambda t: sh(f"git diff --cached --name-only -z | xargs -0 {q(t)} scan "
                               f"> {q(rep('detect-secrets'))}"), report="detect-secrets", cwd=cwd)
    return rows


# --------------------------------------------------------------------------- #
# Printing
# --------------------------------------------------------------------------- #
def fmt_ratio(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.2f}x" if x < 10 else f"{x:.0f}x"


def render(workload: str, desc: str, size: int | None, rows: list[Row], n_planted: int, markdown: bool) -> str:
    """A table per workload; ratios are leakstop's figure divided by the row's."""
    base = rows[0] if rows and rows[0].kind == "leakstop" and rows[0].walls else None
    head = ["tool", "kind", "wall s", "min-max s", "MB/s", "peak RSS MB", "findings", "planted found",
            "time: leakstop/row", "RSS: leakstop/row", "note"]
    body: list[list[str]] = []
    for r in rows:
        if not r.walls:
            body.append([r.name, r.kind, "", "", "", "", "", "", "", "", r.error or r.note or "not available"])
            continue
        wall = statistics.median(r.walls)
        rss = max(r.rss_kb) / 1024 if r.rss_kb else None
        mbs = f"{size / 1e6 / wall:.1f}" if size else "-"
        t_ratio = statistics.median(base.walls) / wall if base else None
        m_ratio = (max(base.rss_kb) / 1024 / rss) if base and base.rss_kb and rss else None
        spread = f"{min(r.walls):.3f}-{max(r.walls):.3f}" if len(r.walls) > 1 else "(1 run)"
        body.append([r.name, r.kind, f"{wall:.3f}", spread, mbs, f"{rss:.0f}" if rss else "?",
                     "-" if r.findings is None else str(r.findings),
                     "-" if r.planted_found is None else f"{r.planted_found}/{n_planted}",
                     "1x" if r is base else fmt_ratio(t_ratio),
                     "1x" if r is base else fmt_ratio(m_ratio), r.note])
    lines = [f"\n### {workload}: {desc}\n" if markdown else f"\n== {workload}: {desc}"]
    if markdown:
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "|".join("---" for _ in head) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in body]
    else:
        widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
        for row in [head, *body]:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


# --------------------------------------------------------------------------- #
# Main
# --------------------------------------------------------------------------- #
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1 run per row and skip slow peers")
    ap.add_argument("--runs", type=int, default=3, help="runs per row; the median is shown (default 3)")
    ap.add_argument("--only", default="history,smallhist,tree,staged", help="comma-separated workloads")
    ap.add_argument("--timeout", type=float, default=1200, help="seconds allowed per run")
    ap.add_argument("--markdown", action="store_true", help="print markdown tables (for the README)")
    ap.add_argument("--no-setup", action="store_true", help="do not run setup_peers.sh")
    ap.add_argument("--interleave", action="store_true",
                    help="run the rows round after round instead of row after row (a shared machine)")
    args = ap.parse_args(argv)
    runs = 1 if args.quick else max(1, args.runs)

    if not args.no_setup:
        subprocess.run(["bash", str(HERE / "setup_peers.sh")], stdout=subprocess.DEVNULL)
    if make_corpus.main([]) != 0:
        return 1
    meta = json.loads((CACHE / "corpus.json").read_text())
    h, t, sh_ = meta["history"], meta["tree"], meta["smallhist"]
    targets = {
        "history": (CACHE / "history", h["blob_bytes"],
                    f"{h['commits']} commits, {h['blobs']} blobs, {h['blob_bytes'] / 1e6:.0f} MB of blobs "
                    f"(MB/s over blob bytes)"),
        "smallhist": (CACHE / "smallhist", sh_["blob_bytes"],
                      f"{sh_['commits']} commits, {sh_['blobs']} blobs, {sh_['blob_bytes'] / 1e6:.0f} MB of blobs "
                      f"(flask's releases; MB/s over blob bytes)"),
        "tree": (CACHE / "tree", t["bytes"],
                 f"{t['files']} files, {t['bytes'] / 1e6:.1f} MB (newest {meta['project']} sdist + 3 planted)"),
        "staged": (CACHE / "staged", None, "one small staged change in a small repo"),
    }
    print(f"leakstop bench: {runs} run(s) per row, median wall time, warm page cache, "
          f"{os.cpu_count()} cores; ratios = leakstop's figure / the row's", flush=True)
    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"warning: load average {load:.1f} before starting; other work on this machine "
              "inflates and scatters the figures", flush=True)
    out: dict[str, list[dict[str, object]]] = {}
    with tempfile.TemporaryDirectory(prefix="leakstop-bench-") as tmpdir:
        for workload in [w.strip() for w in args.only.split(",") if w.strip()]:
            target, size, desc = targets[workload]
            rows = rows_for(workload, target, Path(tmpdir), args.quick)
            measure_rows(rows, runs, args.interleave, args.timeout, make_corpus.planted(workload))
            for r in rows:
                if r.argv is None:
                    continue
                if r.cache_dir is not None and r.cache_dir.exists():
                    r.note = f"scan cache {dir_bytes(r.cache_dir) / 1e6:.1f} MB on disk"
                print(f"  {workload:8s} {r.name:45s} "
                      f"{(f'{statistics.median(r.walls):.3f} s') if r.walls else r.error}", file=sys.stderr, flush=True)
            n_planted = len(make_corpus.planted(workload))
            print(render(workload, desc, size, rows, n_planted, args.markdown), flush=True)
            out[workload] = [{"name": r.name, "kind": r.kind, "walls": r.walls, "rss_kb": r.rss_kb,
                              "findings": r.findings, "planted_found": r.planted_found,
                              "error": r.error, "note": r.note} for r in rows]
    (CACHE / "results.json").write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
