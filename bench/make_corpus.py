"""Build the benchmark corpora for leakstop in ~/.cache/leakstop-bench/.

Why build instead of clone: the machine reaches package registries only, so a
real project's git history (pip's) is rebuilt from its released sdists on PyPI.
Each release is laid over the previous one and the change is split into many
small commits (one per directory, a few files each), so ``git log -p`` has the
shape of a real history: thousands of commits with small diffs, plus a few
branches, a merge, tags and some planted fake secrets (some later removed).

Four corpora, each rebuilt only if missing (``--force`` to redo):

* ``history/``    non-bare repo with the rebuilt pip history (workload 1)
* ``tree/``       the newest pip sdist unpacked, also a one-commit git repo (2)
* ``staged/``     a small repo with one small staged change (3)
* ``smallhist/``  a flask-size history rebuilt the same way from Flask's
                  releases (and its companions under third_party/), where
                  fixed costs (start-up, loading rules) decide (4)

``corpus.json`` beside them records sizes and build time for bench/run.py.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

CACHE = Path(os.environ.get("LEAKSTOP_BENCH_CACHE", Path.home() / ".cache" / "leakstop-bench"))
SDISTS = CACHE / "sdists"
AUTHORS = [
    ("Ada Byron", "ada@example.org"),
    ("Grace Hopper", "grace@example.org"),
    ("Alan Turing", "alan@example.org"),
    ("Edsger Dijkstra", "edsger@example.org"),
    ("Barbara Liskov", "barbara@example.org"),
]


# --------------------------------------------------------------------------- #
# Fake secrets. Built from pieces at run time so this source file itself does
# not look like a leak to any scanner run over the leakstop repository.
# --------------------------------------------------------------------------- #
def _fake_secrets(seed: int = 1234) -> dict[str, str]:
    """Return deterministic, well-formed but fake credentials keyed by kind."""
    rnd = random.Random(seed)

    def pick(alphabet: str, n: int) -> str:
        return "".join(rnd.choice(alphabet) for _ in range(n))

    upper_digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    b64 = alnum + "+/"
    key_body = "\n".join(pick(b64, 64) for _ in range(12))
    pem = "-----" + "BEGIN RSA " + "PRIVATE KEY-----"
    pem_end = "-----" + "END RSA " + "PRIVATE KEY-----"
    return {
        "aws_id": "AK" + "IA" + pick(upper_digits, 16),
        "aws_secret": pick(b64, 40),
        "aws_id_2": "AK" + "IA" + pick(upper_digits, 16),
        "aws_secret_2": pick(b64, 40),
        "stripe": "sk" + "_live_" + pick(alnum, 24),
        "github": "gh" + "p_" + pick(alnum, 36),
        "private_key": f"{pem}\n{key_body}\n{pem_end}\n",
        "db_url": "postgres" + "ql://admin:" + pick(alnum, 14) + "@db.prod.internal:5432/orders",
        "slack": "xo" + "xb-" + pick("0123456789", 12) + "-" + pick("0123456789", 13) + "-" + pick(alnum, 24),
        "google": "AI" + "za" + pick(alnum + "-_", 35),
        "gitlab": "gl" + "pat-" + pick(alnum, 20),
        "npm": "np" + "m_" + pick(alnum, 36),
    }


def planted(workload: str) -> list[tuple[str, list[str]]]:
    """The fake credentials planted in a workload, as (label, needles).

    A tool found a credential when any needle (a distinctive part of it) is in
    its report; run.py counts these so a faster tool can't hide a miss.
    """
    s = _fake_secrets()
    key_part = s["private_key"].splitlines()[1][:24]
    db_password = s["db_url"].split("admin:", 1)[1].split("@", 1)[0]
    if workload in ("history", "smallhist"):   # both built by build_history
        return [
            ("aws .env.deploy", [s["aws_id"], s["aws_secret"]]),
            ("aws legacy branch", [s["aws_id_2"], s["aws_secret_2"]]),
            ("stripe", [s["stripe"]]),
            ("github", [s["github"]]),
            ("private key", [key_part]),
            ("slack", [s["slack"]]),
            ("google", [s["google"]]),
            ("gitlab", [s["gitlab"]]),
            ("npm in setup.py", [s["npm"]]),
            ("postgres url", [db_password]),
        ]
    if workload == "tree":
        return [("aws", [s["aws_id"], s["aws_secret"]]), ("stripe", [s["stripe"]]), ("private key", [key_part])]
    return [("github", [s["github"]])]


# --------------------------------------------------------------------------- #
# Which releases of which projects
# --------------------------------------------------------------------------- #
def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split("."))


def every_release(versions: list[str]) -> list[str]:
    """All 1.0+ releases (0.x are tiny and their setup.py no longer builds)."""
    return [v for v in versions if _version_key(v)[:2] >= (1, 0)]


def minor_releases(versions: list[str]) -> list[str]:
    """The x.y release of each minor from 1.8 on: big real diffs, few downloads.

    Patch releases are left out on purpose: they come out on old branches
    after newer minors, and laying them over a newer tree would swing the
    whole tree back and forth, which no real history does.
    """
    return [v for v in versions if len(v.split(".")) == 2 and _version_key(v) >= (1, 8)]


@dataclass(frozen=True)
class Project:
    """A PyPI project whose sdists become part of the history."""

    name: str
    prefix: str                              # where its files live in the repo
    files_per_commit: int                    # small commits, like real pull requests
    pick: Callable[[list[str]], list[str]]   # which releases to import


# pip is the history leakstop was asked to scan; Django (under third_party/)
# brings the blob volume to a few hundred MB, as a big real repository has.
PROJECTS = [
    Project("pip", "", 6, every_release),
    Project("django", "third_party/django/", 25, minor_releases),
]


def flask_releases(versions: list[str]) -> list[str]:
    """Every Flask release from 0.3 on (0.1 and 0.2 were one module each)."""
    return [v for v in versions if _version_key(v) >= (0, 3)]


# The small history: about the size of Flask's own repository (~5k commits, ~20 MB of blobs). One file
# per commit gives Flask's releases alone that shape (4.4k commits, 2.3k blobs, 23 MB).
SMALL_PROJECTS = [
    Project("flask", "", 1, flask_releases),
]


@dataclass(frozen=True)
class Release:
    project: Project
    version: str
    sdist: Path
    mtime: int     # of the sdist's first member: orders releases of all projects


def first_mtime(sdist: Path) -> int:
    """Release date without reading the whole archive."""
    with tarfile.open(sdist) as tar:
        first = tar.next()
        return int(first.mtime) if first else 0


# --------------------------------------------------------------------------- #
# Downloading sdists
# --------------------------------------------------------------------------- #

def available_versions(project: str) -> list[str]:
    """Final releases of ``project`` known to the index, oldest first."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", project],
        capture_output=True, text=True, check=True,
    ).stdout
    m = re.search(r"Available versions:\s*(.+)", out)
    if not m:
        raise SystemExit(f"cannot list versions of {project}:\n{out}")
    versions = [v.strip() for v in m.group(1).split(",")]
    finals = [v for v in versions if re.fullmatch(r"\d+(\.\d+)*", v)]
    return sorted(finals, key=_version_key)


def sdist_path(project: str, version: str) -> Path | None:
    """The cached sdist for a version, whatever its archive suffix."""
    for suffix in (".tar.gz", ".zip", ".tar.bz2"):
        p = SDISTS / f"{project}-{version}{suffix}"
        if p.exists():
            return p
    return None


def download(project: str, version: str) -> Path | None:
    """Fetch one sdist with pip (cached). None when pip cannot get it."""
    have = sdist_path(project, version)
    if have:
        return have
    failed = SDISTS / f".failed-{project}-{version}"
    if failed.exists():
        return None
    tmp = SDISTS / f".dl-{project}-{version}"
    shutil.rmtree(tmp, ignore_errors=True)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
         "--disable-pip-version-check", "-q", f"{project}=={version}", "-d", str(tmp)],
        capture_output=True, text=True,
    )
    files = list(tmp.glob(f"*{version}*")) if tmp.exists() else []
    if proc.returncode != 0 or not files:
        failed.touch()       # e.g. an ancient setup.py that no longer builds metadata
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    suffix = next((x for x in (".tar.gz", ".zip", ".tar.bz2") if files[0].name.endswith(x)), ".tar.gz")
    dest = SDISTS / f"{project}-{version}{suffix}"   # pip keeps the project's spelling (Django-...)
    files[0].replace(dest)
    shutil.rmtree(tmp, ignore_errors=True)
    return dest


def download_all(project: str, versions: list[str], jobs: int = 3) -> list[tuple[str, Path]]:
    """Download in a few parallel pip processes (network bound, not CPU)."""
    SDISTS.mkdir(parents=True, exist_ok=True)
    done: list[tuple[str, Path]] = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for version, path in zip(versions, pool.map(lambda v: download(project, v), versions), strict=True):
            if path:
                done.append((version, path))
            else:
                print(f"  skip {project} {version}: no sdist", file=sys.stderr)
    return done


# --------------------------------------------------------------------------- #
# Reading an sdist into memory
# --------------------------------------------------------------------------- #
@dataclass
class Entry:
    mode: str      # git mode: 100644, 100755 or 120000
    data: bytes


Change = tuple[str, Entry | None]   # (path, new content or None to delete)


def read_sdist(path: Path) -> tuple[dict[str, Entry], int]:
    """Files of an sdist keyed by path without the top folder, plus its newest mtime."""
    files: dict[str, Entry] = {}
    newest = 0
    if path.suffix == ".zip":
        import zipfile
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if info.is_dir():
                    continue
                name = info.filename.split("/", 1)[-1]
                files[name] = Entry("100644", z.read(info))
                newest = max(newest, int(time.mktime(info.date_time + (0, 0, -1))))
        return files, newest
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            if "/" not in m.name:
                continue
            name = m.name.split("/", 1)[1]
            if not name or ".." in name.split("/"):
                continue
            newest = max(newest, int(m.mtime))
            if m.issym():
                files[name] = Entry("120000", m.linkname.encode())
            elif m.isfile():
                f = tar.extractfile(m)
                assert f is not None
                files[name] = Entry("100755" if m.mode & 0o111 else "100644", f.read())
    return files, newest


# --------------------------------------------------------------------------- #
# Writing history with git fast-import
# --------------------------------------------------------------------------- #
@dataclass
class Stream:
    """A git fast-import input being written; one commit method per need."""

    out: io.BufferedWriter
    next_mark: int = 1
    commits: int = 0
    tips: dict[str, int] = field(default_factory=dict)
    author_turn: int = 0

    def _data(self, payload: bytes) -> None:
        self.out.write(b"data %d\n" % len(payload))
        self.out.write(payload)
        self.out.write(b"\n")

    def commit(self, branch: str, when: int, message: str,
               changes: list[tuple[str, Entry | None]], *, parent: int | None = None,
               merge: int | None = None) -> int:
        """Write one commit on ``branch``; ``None`` entries delete paths."""
        mark = self.next_mark
        self.next_mark += 1
        name, email = AUTHORS[self.author_turn % len(AUTHORS)]
        self.author_turn += 1
        w = self.out.write
        w(f"commit refs/heads/{branch}\nmark :{mark}\n".encode())
        w(f"author {name} <{email}> {when} +0000\n".encode())
        w(f"committer {name} <{email}> {when} +0000\n".encode())
        self._data(message.encode())
        start = parent if parent is not None else self.tips.get(branch)
        if start is not None:
            w(f"from :{start}\n".encode())
        if merge is not None:
            w(f"merge :{merge}\n".encode())
        for path, entry in changes:
            quoted = json.dumps(path) if (" " in path or '"' in path or "\n" in path) else path
            if entry is None:
                w(f"D {quoted}\n".encode())
            else:
                w(f"M {entry.mode} inline {quoted}\n".encode())
                self._data(entry.data)
        w(b"\n")
        self.tips[branch] = mark
        self.commits += 1
        return mark

    def tag(self, name: str, mark: int) -> None:
        self.out.write(f"reset refs/tags/{name}\nfrom :{mark}\n\n".encode())


def _group_key(path: str, prefix: str) -> str:
    """Directory a change belongs to; vendored packages are split per package."""
    parts = path[len(prefix):].split("/")[:-1]
    depth = 4 if "_vendor" in parts else 3
    return prefix + ("/".join(parts[:depth]) or ".")


def _digest(entry: Entry) -> bytes:
    return hashlib.blake2b(entry.mode.encode() + entry.data, digest_size=16).digest()


def split_changes(old: dict[str, bytes], new: dict[str, Entry], project: Project) -> list[tuple[str, list[Change]]]:
    """Split one release's diff into small (title, changes) commits."""
    changed: dict[str, list[Change]] = {}
    for path, entry in sorted(new.items()):
        if old.get(path) != _digest(entry):
            changed.setdefault(_group_key(path, project.prefix), []).append((path, entry))
    for path in sorted(set(old) - set(new)):
        changed.setdefault(_group_key(path, project.prefix), []).append((path, None))
    out: list[tuple[str, list[Change]]] = []
    step = project.files_per_commit
    for group, items in changed.items():
        for i in range(0, len(items), step):
            out.append((group, items[i:i + step]))
    return out


def _text(s: str) -> Entry:
    return Entry("100644", s.encode())


def plant_plan(n: int, s: dict[str, str]) -> dict[int, list[tuple[str, list[Change]]]]:
    """Which fake secrets go into (and out of) main after which release.

    Keyed by release index; each item is (message, changes). Paths are outside
    pip's tree so later releases leave them alone unless a step removes them.
    """
    env = f"AWS_ACCESS_KEY_ID={s['aws_id']}\nAWS_SECRET_ACCESS_KEY={s['aws_secret']}\nREGION=eu-west-1\n"
    stripe = (f'import stripe\n\nstripe.api_key = "{s["stripe"]}"\n\n'
              'def smoke():\n    return stripe.Balance.retrieve()\n')
    steps: list[tuple[float, str, list[Change]]] = [
        (0.10, "Add deploy environment", [(".env.deploy", _text(env))]),
        (0.14, "Remove deploy environment (oops)", [(".env.deploy", None)]),
        (0.25, "Add payment smoke test", [("tools/payments_smoke.py", _text(stripe))]),
        (0.33, "Add CI release helper", [("tools/release_token.sh", _text(
            f"#!/bin/sh\nexport GITHUB_TOKEN={s['github']}\ngh release create \"$1\"\n"))]),
        (0.36, "Use CI secret instead of inline token", [("tools/release_token.sh", _text(
            "#!/bin/sh\ngh release create \"$1\"\n"))]),
        (0.45, "Add test deploy key", [("tests/data/deploy_key", _text(s["private_key"]))]),
        (0.55, "Notify chat on release", [("tools/notify.py", _text(
            f'SLACK_BOT_TOKEN = "{s["slack"]}"\nMAPS_API_KEY = "{s["google"]}"\n'))]),
        (0.80, "Drop test deploy key", [("tests/data/deploy_key", None)]),
        (0.90, "Add mirror publishing config", [("tools/mirror.cfg", _text(
            f"[gitlab]\ntoken = {s['gitlab']}\nurl = https://gitlab.example.org\n"))]),
    ]
    plan: dict[int, list[tuple[str, list[Change]]]] = {}
    for frac, message, changes in steps:
        idx = max(1, min(n - 1, int(n * frac)))
        plan.setdefault(idx, []).append((message, changes))
    return plan


def build_history(releases: list[Release], dest: Path) -> None:
    """Write the whole history through one git fast-import process (releases of several projects, each
    under its own prefix, oldest first)."""
    secrets = _fake_secrets()
    n = len(releases)
    plan = plant_plan(n, secrets)
    branch_legacy = max(1, int(n * 0.40))
    branch_feature = max(1, int(n * 0.65))
    merge_feature = min(n - 1, branch_feature + 3)
    branch_experiment = max(1, int(n * 0.75))

    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True)
    fi = subprocess.Popen(["git", "-C", str(dest), "fast-import", "--quiet", "--done"],
                          stdin=subprocess.PIPE)
    assert fi.stdin is not None
    st = Stream(fi.stdin)  # type: ignore[arg-type]
    olds: dict[str, dict[str, bytes]] = {r.project.name: {} for r in releases}
    feature_tip: int | None = None
    for idx, rel in enumerate(releases):
        proj, version, old = rel.project, rel.version, olds[rel.project.name]
        raw, mtime = read_sdist(rel.sdist)
        files = {proj.prefix + p: e for p, e in raw.items()}
        t = mtime - 3600 * 6
        pieces = split_changes(old, files, proj)
        for k, (group, changes) in enumerate(pieces):
            verb = "Import" if not old else "Update"
            st.commit("main", t + k, f"{verb} {group} for {proj.name} {version} ({len(changes)} files)\n", changes)
        # A secret pasted into a real file: the project's next release overwrites it.
        setup_py = proj.prefix + "setup.py"
        if idx == max(1, int(n * 0.20)) and setup_py in files:
            leaked = Entry("100644", files[setup_py].data +
                           f"\n# TODO remove before release\nNPM_TOKEN = '{secrets['npm']}'\n".encode())
            st.commit("main", t + len(pieces), "Wire publishing token\n", [(setup_py, leaked)])
            files[setup_py] = leaked
        st.tag(f"v{version}" if not proj.prefix else f"{proj.name}-{version}", st.tips["main"])
        for j, (msg, changes) in enumerate(plan.get(idx, [])):
            st.commit("main", t + len(pieces) + 10 + j, msg + "\n", changes)

        if idx == branch_legacy:
            base = st.tips["main"]
            first = min((p for p in files if p.endswith("/__init__.py")), key=len, default="")
            if first:
                body = files[first].data
                st.commit(f"release/{version}.x", t + 100, f"Backport fix to {version}\n",
                          [(first, Entry("100644", body + b"\n# backport: tolerate missing HOME\n"))], parent=base)
                st.commit(f"release/{version}.x", t + 200, "Add legacy mirror credentials\n",
                          [("ci/legacy_mirror.env", _text(
                              f"AWS_ACCESS_KEY_ID={secrets['aws_id_2']}\nAWS_SECRET_ACCESS_KEY={secrets['aws_secret_2']}\n"))])
                st.commit(f"release/{version}.x", t + 300, "Rotate legacy mirror credentials\n",
                          [("ci/legacy_mirror.env", _text("AWS_PROFILE=legacy-mirror\n"))])
        if idx == branch_feature:
            base = st.tips["main"]
            st.commit("feature/db-settings", t + 100, "Add settings for download stats\n",
                      [("tools/stats/settings.py", _text(f'DATABASE_URL = "{secrets["db_url"]}"\nPOOL_SIZE = 5\n'))],
                      parent=base)
            feature_tip = st.commit("feature/db-settings", t + 200, "Add stats README\n",
                                    [("tools/stats/README.md", _text("# Stats\n\nCollects download counts.\n"))])
        if idx == merge_feature and feature_tip is not None:
            st.commit("main", t + 400, "Merge branch 'feature/db-settings'\n",
                      [("tools/stats/settings.py", _text(f'DATABASE_URL = "{secrets["db_url"]}"\nPOOL_SIZE = 5\n')),
                       ("tools/stats/README.md", _text("# Stats\n\nCollects download counts.\n"))],
                      merge=feature_tip)
        if idx == merge_feature + 2:
            st.commit("main", t + 500, "Read DATABASE_URL from the environment\n",
                      [("tools/stats/settings.py", _text('import os\n\nDATABASE_URL = os.environ["DATABASE_URL"]\n'))])
        if idx == branch_experiment:
            base = st.tips["main"]
            st.commit("experiment/telemetry", t + 100, "Try telemetry uploader (do not merge)\n",
                      [("tools/telemetry.py", _text(
                          f'AWS_KEY = "{secrets["aws_id"]}"\nGITHUB_TOKEN = "{secrets["github"]}"\n'))],
                      parent=base)
        olds[proj.name] = {p: _digest(e) for p, e in files.items()}
        print(f"  {proj.name} {version}: {len(pieces)} commits", file=sys.stderr)
    st.out.write(b"done\n")
    st.out.close()
    if fi.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(dest), "checkout", "-q", "-f", "main"], check=True)
    repack_like_a_clone(dest)
    subprocess.run(["git", "-C", str(dest), "pack-refs", "--all"], check=True)
    subprocess.run(["git", "-C", str(dest), "prune-packed"], check=True)


PACKING = "repack -a -d -f"
"""How the histories' packs were made; corpus.json records it, and a corpus packed otherwise is repacked."""


def repack_like_a_clone(dest: Path) -> None:
    """One pack with its deltas computed again, as a forge's pack or `git gc` has them. fast-import stores each
    blob as a delta of whatever blob it wrote before, and `repack -a -d` alone keeps those deltas: the bench
    history's pack was 146 MB (53 MB so repacked), and git spent 3.1 s rather than 0.7 s inflating its blobs,
    more than any scanner's own work on a real clone (pip's history: `git log -p` 3.4 s for 579 MB)."""
    subprocess.run(["git", "-C", str(dest), "repack", "-a", "-d", "-f", "-q"], check=True)


# --------------------------------------------------------------------------- #
# Tree and staged corpora
# --------------------------------------------------------------------------- #
def _git(repo: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.org",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.org",
               GIT_AUTHOR_DATE="2024-01-01T00:00:00Z", GIT_COMMITTER_DATE="2024-01-01T00:00:00Z")
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env).stdout


def _write_files(root: Path, files: dict[str, Entry]) -> None:
    for name, entry in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if entry.mode == "120000":
            continue   # symlinks are irrelevant for scanning speed
        target.write_bytes(entry.data)
        if entry.mode == "100755":
            target.chmod(0o755)


def build_tree(newest: Path, dest: Path) -> None:
    """Newest sdist unpacked, three planted secrets, committed once."""
    files, _ = read_sdist(newest)
    s = _fake_secrets()
    files["tools/deploy.env"] = _text(f"AWS_ACCESS_KEY_ID={s['aws_id']}\nAWS_SECRET_ACCESS_KEY={s['aws_secret']}\n")
    files["tools/payments.py"] = _text(f'STRIPE_KEY = "{s["stripe"]}"\n')
    files["tests/data/deploy_key"] = _text(s["private_key"])
    dest.mkdir(parents=True)
    _write_files(dest, files)
    _git(dest, "init", "-q", "-b", "main")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "Import newest release")


def build_staged(newest: Path, dest: Path) -> None:
    """A small repo (one package of pip) with one small staged change."""
    files, _ = read_sdist(newest)
    small = {p: e for p, e in files.items() if p.startswith("src/pip/_internal/cli/")}
    small["README.md"] = _text("# demo\n")
    dest.mkdir(parents=True)
    _write_files(dest, small)
    _git(dest, "init", "-q", "-b", "main")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "Initial import")
    s = _fake_secrets()
    target = dest / "src/pip/_internal/cli/status_codes.py"
    target.write_text(target.read_text() + f'\n# quick test\nGITHUB_TOKEN = "{s["github"]}"\nRETRIES = 3\n')
    _git(dest, "add", str(target.relative_to(dest)))


# --------------------------------------------------------------------------- #
# Stats and main
# --------------------------------------------------------------------------- #
def repo_stats(repo: Path) -> dict[str, int]:
    """Commits, blobs and bytes of all blobs: the history workload's size."""
    commits = int(_git(repo, "rev-list", "--all", "--count").strip())
    blobs = blob_bytes = objects = 0
    out = _git(repo, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectsize)")
    for line in out.splitlines():
        kind, size = line.split()
        objects += 1
        if kind == "blob":
            blobs += 1
            blob_bytes += int(size)
    pack = sum(p.stat().st_size for p in (repo / ".git" / "objects" / "pack").glob("*.pack"))
    branches = len(_git(repo, "for-each-ref", "refs/heads").splitlines())
    return {"commits": commits, "objects": objects, "blobs": blobs, "blob_bytes": blob_bytes,
            "pack_bytes": pack, "branches": branches}


def tree_bytes(root: Path) -> tuple[int, int]:
    """Files and bytes under a tree, skipping .git."""
    n = total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        if ".git" in dirnames:
            dirnames.remove(".git")
        for f in filenames:
            p = Path(dirpath, f)
            if p.is_file() and not p.is_symlink():
                n += 1
                total += p.stat().st_size
    return n, total


CORPORA = ("history", "tree", "staged", "smallhist")


def releases_of(projects: list[Project], max_versions: int) -> list[Release]:
    """The projects' chosen releases, downloaded (cached), oldest first across projects."""
    releases: list[Release] = []
    for proj in projects:
        versions = proj.pick(available_versions(proj.name))
        if max_versions:
            versions = versions[-max_versions:]
        print(f"downloading up to {len(versions)} {proj.name} sdists into {SDISTS} (cached)", file=sys.stderr)
        releases += [Release(proj, v, p, first_mtime(p)) for v, p in download_all(proj.name, versions)]
    releases.sort(key=lambda r: r.mtime)
    if len([r for r in releases if r.project is projects[0]]) < 2:
        raise SystemExit(f"too few {projects[0].name} sdists downloaded to build a history")
    return releases


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--force", action="store_true", help="rebuild the corpora even if present")
    ap.add_argument("--max-versions", type=int, default=0,
                    help="use only the newest N releases of each project (0 = all; for quick trials)")
    args = ap.parse_args(argv)

    CACHE.mkdir(parents=True, exist_ok=True)
    meta_path = CACHE / "corpus.json"
    if args.force:
        for p in (*(CACHE / name for name in CORPORA), meta_path, CACHE / "history-trufflehog",
                  CACHE / "smallhist-trufflehog"):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    missing = [name for name in CORPORA if not (CACHE / name).is_dir()]
    meta: dict[str, object] = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if meta.get("packing") != PACKING:
        for name in ("history", "smallhist"):
            if name not in missing:  # built by an older make_corpus.py: fast-import's deltas
                print(f"repacking {name} ({PACKING})", file=sys.stderr)
                repack_like_a_clone(CACHE / name)
                shutil.rmtree(CACHE / f"{name}-trufflehog", ignore_errors=True)  # run.py clones it again
                meta[name] = repo_stats(CACHE / name)
        meta["packing"] = PACKING
        if meta_path.exists():
            meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    if meta_path.exists() and not missing:
        print(f"corpus present in {CACHE} (use --force to rebuild)", file=sys.stderr)
        return 0

    t0 = time.monotonic()
    builders: list[tuple[str, Callable[[Path], None]]] = []
    if {"history", "tree", "staged"} & set(missing):
        releases = releases_of(PROJECTS, args.max_versions)
        newest_pip = [r for r in releases if r.project is PROJECTS[0]][-1].sdist
        meta["project"] = PROJECTS[0].name
        meta["releases"] = {p.name: [r.version for r in releases if r.project is p] for p in PROJECTS}
        builders += [
            ("history", lambda dest: build_history(releases, dest)),
            ("tree", lambda dest: build_tree(newest_pip, dest)),
            ("staged", lambda dest: build_staged(newest_pip, dest)),
        ]
    if "smallhist" in missing:
        small = releases_of(SMALL_PROJECTS, args.max_versions)
        meta["smallhist_releases"] = {p.name: [r.version for r in small if r.project is p] for p in SMALL_PROJECTS}
        builders.append(("smallhist", lambda dest: build_history(small, dest)))
    t_dl = time.monotonic()
    for name, build in builders:
        dest = CACHE / name
        if not dest.exists():
            tmp = CACHE / f".{name}.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            print(f"building {name}", file=sys.stderr)
            shutil.rmtree(CACHE / f"{name}-trufflehog", ignore_errors=True)   # run.py's clone of a history
            build(tmp)
            tmp.rename(dest)   # built under a temporary name: never half a corpus
    meta["history"] = repo_stats(CACHE / "history")
    meta["smallhist"] = repo_stats(CACHE / "smallhist")
    meta["packing"] = PACKING
    t_build = time.monotonic()
    tree = CACHE / "tree"
    files, size = tree_bytes(tree)
    meta["tree"] = {"path": str(tree), "files": files, "bytes": size}
    meta["staged"] = {"path": str(CACHE / "staged")}
    meta["download_seconds"] = round(t_dl - t0, 1)
    meta["build_seconds"] = round(t_build - t_dl, 1)
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    for name in ("history", "smallhist"):
        h = meta[name]
        assert isinstance(h, dict)
        print(f"{name}: {h['commits']} commits, {h['blobs']} blobs, {h['blob_bytes'] / 1e6:.0f} MB of blobs, "
              f"pack {h['pack_bytes'] / 1e6:.0f} MB", file=sys.stderr)
    print(f"tree: {files} files, {size / 1e6:.1f} MB; download {meta['download_seconds']} s, "
          f"build {meta['build_seconds']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
