"""Peak memory of `leakstop scan --history` on a generated history of ~50k small commits.

    python bench/memory.py                 # builds the repository once, then measures
    python bench/memory.py --commits 5000  # a smaller history (its own folder)

Why: a history scan must stream commits, not hold them; a scanner that loads a large history whole runs
out of memory on exactly the repositories that need it most. The target is a peak under 300 MB.

The repository is generated with `git fast-import` (seconds, not the minutes `git commit` would take) into
~/.cache/leakstop-bench/memory-repo[-N]. Each commit changes one of a few hundred small files and every
hundredth adds a fake key, so the scan does real work and reports findings. Two figures are printed:
the largest single process (getrusage RUSAGE_CHILDREN: leakstop or one of its workers) and the largest sum
over leakstop's whole process tree, sampled from /proc every 50 ms while it runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 300
FILES = 400


def fake_key(i: int) -> str:
    """A Stripe-shaped key assembled at run time (no scannable token in this file)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    body = "".join(alphabet[(i * 7 + k * 13) % 57] for k in range(32))
    return "sk_" + "live_" + body


def fast_import_stream(commits: int):
    """One commit per iteration on `main`; each rewrites one small file (inline data, no blobs reused)."""
    for i in range(1, commits + 1):
        path = f"src/m{i % FILES}/file{i % FILES}.py"
        body = f"# revision {i}\nvalue_{i} = {i * 31 % 9973}\n"
        if i % 100 == 0:
            body += f"key = '{fake_key(i)}'\n"
        data = body.encode()
        message = f"change {i}\n".encode()
        yield (f"commit refs/heads/main\nmark :{i}\n"
               f"committer Bench <bench@example.invalid> {1_600_000_000 + i} +0000\n"
               f"data {len(message)}\n").encode() + message
        if i > 1:
            yield f"from :{i - 1}\n".encode()
        yield f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n"


def build_repo(path: Path, commits: int) -> None:
    if (path / "HEAD").exists() or (path / ".git").exists():
        return
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    started = time.perf_counter()
    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=path, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for chunk in fast_import_stream(commits):
        proc.stdin.write(chunk)
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "symbolic-ref", "HEAD", "refs/heads/main"], cwd=path, check=True)
    print(f"built {commits} commits in {time.perf_counter() - started:.1f}s at {path}", file=sys.stderr)


def tree_rss_kb(pid: int) -> int:
    """Resident memory of `pid` and all its descendants, from /proc (0 where /proc is not there)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        child = int(entry.name)
        children.setdefault(int(fields[1]), []).append(child)
        rss[child] = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, []))
    return total


def measure(repo: Path) -> tuple[float, float, float, int]:
    """(seconds, peak MB of one process, peak MB of the whole tree, exit code)."""
    command = [sys.executable, "-m", "scanner", "scan", "--history", str(repo), "--format", "json",
               "-o", os.devnull, "--quiet"]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT)
    peak_tree = 0
    while proc.poll() is None:
        peak_tree = max(peak_tree, tree_rss_kb(proc.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    # ru_maxrss of waited-for children: the largest single descendant, in KB on Linux
    peak_one = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_one / 1024, peak_tree / 1024, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=50_000)
    args = parser.parse_args()
    cache = Path(os.environ.get("LEAKSTOP_BENCH_DIR", Path.home() / ".cache" / "leakstop-bench"))
    repo = cache / ("memory-repo" if args.commits == 50_000 else f"memory-repo-{args.commits}")
    build_repo(repo, args.commits)
    seconds, one, tree, code = measure(repo)
    verdict = "ok" if max(one, tree) < TARGET_MB else f"OVER the {TARGET_MB} MB target"
    print(f"scan --history of {args.commits} commits: {seconds:.1f}s, exit {code}, peak RSS {one:.0f} MB "
          f"(largest process), {tree:.0f} MB (whole process tree): {verdict}")
    sys.exit(0 if code in (0, 1) and max(one, tree) < TARGET_MB else 1)


if __name__ == "__main__":
    main()
