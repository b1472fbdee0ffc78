"""Benchmark `leakstop audit`: 200 generated repositories on the local pool and on a Dask LocalCluster.

    python bench/audit.py                 # 200 repositories, 2 workers each way (~3 min here)
    python bench/audit.py --repos 40      # a smaller run

Every repository is built with one `git fast-import` from text made here: small, medium and large
histories of plain source files, and in most of them one to three planted tokens (GitHub, Stripe and
Slack shapes, random each run). Three audits are timed into fresh stores: the local process pool, a
`distributed.LocalCluster` of two worker processes (needs leakstop[dask]), then ten repositories get new
commits (five of them with a new token) and the first store is audited again, incrementally. Each audit
prints repositories/s, findings (against the planted count) and the store's size.
"""

from __future__ import annotations

import argparse
import random
import secrets
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanner.audit.executors import DaskCluster, Executor, LocalPool  # noqa: E402
from scanner.audit.run import AuditOutcome, run_audit  # noqa: E402
from scanner.ruleset.rule_set import load_ruleset  # noqa: E402
from scanner.store.store import Store  # noqa: E402

ALNUM = string.ascii_letters + string.digits
SIZES = {"small": (5, 10), "medium": (30, 40), "large": (120, 150)}
"""commits, files: a large history rewrites its files over 120 commits."""


@dataclass(frozen=True)
class LocalTarget:
    name: str
    location: str
    remote: bool = False


def token(kind: str) -> str:
    if kind == "github":
        return "ghp_" + "".join(secrets.choice(ALNUM) for _ in range(36))
    if kind == "stripe":
        return "sk_" + "live_" + "".join(secrets.choice(ALNUM) for _ in range(24))
    return (f"xoxb-{secrets.randbelow(10**10):010d}-{secrets.randbelow(10**12):012d}-"
            + "".join(secrets.choice(ALNUM) for _ in range(24)))


def source_file(rng: random.Random, index: int, version: int) -> str:
    lines = [f'"""Module {index}, revision {version}."""', ""]
    for fn in range(rng.randint(10, 40)):
        lines += [f"def step_{fn}(record, limit={rng.randint(1, 999)}):",
                  f"    total = sum(record.get('v{fn}', []))", "    return min(total, limit)", ""]
    return "\n".join(lines) + "\n"


def planted_file(kind: str, secret: str) -> str:
    key = {"github": "GITHUB_TOKEN", "stripe": "STRIPE_SECRET_KEY", "slack": "SLACK_BOT_TOKEN"}[kind]
    return f'# deployment settings\nREGION = "eu-west-1"\n{key} = "{secret}"\nRETRIES = 3\n'


def fast_import_stream(rng: random.Random, size: str, plants: list[tuple[str, str]], start: int) -> bytes:
    commits, files = SIZES[size]
    plant_at = dict(zip(rng.sample(range(commits), len(plants)), plants))
    out: list[bytes] = []
    for n in range(commits):
        touched = rng.sample(range(files), min(files, 5 if n else files))
        changed = {f"src/mod_{i}.py": source_file(rng, i, n) for i in touched}
        if n in plant_at:
            kind, secret = plant_at[n]
            changed[f"config/{kind}_{n}.py"] = planted_file(kind, secret)
        when = start + n * 3600
        message = f"change {n}\n".encode()
        out.append(b"commit refs/heads/main\n")
        out.append(f"committer Bench Writer <bench@example.invalid> {when} +0000\n".encode())
        out.append(b"data %d\n%s" % (len(message), message))
        for path, text in changed.items():
            data = text.encode()
            out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
    return b"".join(out)


def make_repositories(root: Path, count: int, seed: int) -> tuple[list[LocalTarget], int]:
    rng = random.Random(seed)
    targets: list[LocalTarget] = []
    planted = 0
    for i in range(count):
        path = root / f"repo-{i:03d}"
        subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
        size = rng.choices(list(SIZES), weights=(6, 3, 1))[0]
        kinds = rng.sample(["github", "stripe", "slack"], rng.choice([0, 1, 1, 2, 3]))
        plants = [(kind, token(kind)) for kind in kinds]
        planted += len(plants)
        stream = fast_import_stream(rng, size, plants, 1_700_000_000 + i * 86400)
        subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=stream, check=True)
        subprocess.run(["git", "checkout", "-q", "main"], cwd=path, check=True)
        targets.append(LocalTarget(str(path), str(path)))
    return targets, planted


def add_commits(targets: list[LocalTarget], count: int) -> int:
    planted = 0
    for n, target in enumerate(targets[:count]):
        path = Path(target.location)
        text = f"# follow-up {n}\n" + (planted_file("github", token("github")) if n % 2 == 0 else "VALUE = 1\n")
        planted += n % 2 == 0
        (path / "config").mkdir(exist_ok=True)
        (path / "config" / f"followup_{n}.py").write_text(text)
        subprocess.run(["git", "add", "-A"], cwd=path, check=True)
        subprocess.run(["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.invalid", "commit", "-q",
                        "-m", "follow-up"], cwd=path, check=True)
    return planted


def timed_audit(label: str, store_path: Path, targets: list[LocalTarget], executor: Executor,
                cache: Path) -> AuditOutcome:
    started = time.perf_counter()
    with Store.open(store_path) as store:
        outcome = run_audit(store, targets, executor, cache_dir=cache, max_file_size=10 * 1024 * 1024)
    seconds = time.perf_counter() - started
    new = sum(len(c.new) for c in outcome.changes)
    size = sum(p.stat().st_size for p in store_path.parent.glob(store_path.name + "*"))
    rate = len(outcome.changes) / seconds
    print(f"{label:<28} {len(outcome.changes):>4} repos in {seconds:6.2f} s = {rate:6.1f} repos/s;"
          f" {outcome.findings} findings ({new} new), {len(outcome.failures)} failed; store {size / 1024:.0f} KiB",
          flush=True)
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="leakstop-audit-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        targets, planted = make_repositories(root / "repos", args.repos, args.seed)
        print(f"generated {len(targets)} repositories with {planted} planted tokens in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        # Compiled rules are cached on disk once per rule set; the first audit after a rule change would
        # otherwise time that compilation (in each worker at once) rather than the audit.
        started = time.perf_counter()
        load_ruleset([], builtin=True)
        print(f"rule cache ready in {time.perf_counter() - started:.1f} s", flush=True)
        timed_audit(f"local pool ({args.workers} processes)", root / "local.sqlite", targets,
                    LocalPool(args.workers), root / "cache")
        from distributed import LocalCluster

        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          host="127.0.0.1") as cluster:
            dask = DaskCluster(cluster.scheduler_address)
            try:
                timed_audit(f"Dask LocalCluster ({args.workers} workers)", root / "dask.sqlite", targets, dask,
                            root / "cache")
            finally:
                dask.close()
        new_tokens = add_commits(targets, 10)
        print(f"new commits in 10 repositories, {new_tokens} with a new token", flush=True)
        timed_audit("incremental, local pool", root / "local.sqlite", targets, LocalPool(args.workers), root / "cache")


if __name__ == "__main__":
    main()
