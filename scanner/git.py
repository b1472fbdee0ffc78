"""The only module that talks to git.

Every call: `-z` where paths are printed, `--no-ext-diff --no-color` where diffs are, and the GIT_*
variables that git exports to hooks removed (otherwise a pre-commit hook scanning another repository
would read the hook's index instead). The staged diff puts one back: the index a running `git commit`
names, when it belongs to the repository scanned (`hook_index`).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import GitError

# Variables git sets for hooks that would redirect our calls to the wrong repository or index.
_HOOK_VARIABLES = ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "GIT_PREFIX", "GIT_OBJECT_DIRECTORY",
                   "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE")


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _HOOK_VARIABLES}
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["LC_ALL"] = "C"
    return env


def git_executable() -> str:
    exe = which_git()
    if exe is None:
        raise GitError("git is not installed or not on PATH")
    return exe


def which_git() -> str | None:
    """git's path, as shutil.which finds it. On POSIX the search is done here: importing shutil (which
    loads bz2 and lzma for its archive formats) cost the pre-commit hook ~2.5 ms. Windows keeps
    shutil.which, for its PATHEXT rules."""
    if os.name == "nt":
        import shutil

        return shutil.which("git")
    for folder in os.get_exec_path():
        candidate = os.path.join(folder, "git")
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return candidate
    return None


def run_git(cwd: Path, *args: str, check: bool = True, input: bytes | None = None,
            index: str | None = None) -> bytes:
    """Run git and return stdout; a failure becomes GitError with git's own first line of complaint.

    `index` is the index file to read instead of the repository's own (see `hook_index`)."""
    env = git_env() if index is None else {**git_env(), "GIT_INDEX_FILE": index}
    proc = subprocess.run([git_executable(), *args], cwd=cwd, env=env, capture_output=True, input=input)
    if check and proc.returncode != 0:
        raise GitError(f"{git_failure(args, proc.stderr, proc.returncode)} (in {cwd})")
    return proc.stdout


def work_tree_root(path: Path) -> Path | None:
    """The top of the git work tree containing `path`, or None outside git (or without git)."""
    if which_git() is None:
        return None
    folder = path if path.is_dir() else path.parent
    proc = subprocess.run(
        [git_executable(), "rev-parse", "--show-toplevel"], cwd=folder, env=git_env(),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        return None
    return Path(os.fsdecode(proc.stdout.rstrip(b"\n")))


def hooks_dir(root: Path) -> Path:
    """Where git runs hooks from for this repository: `core.hooksPath` when set, else `.git/hooks`."""
    out = os.fsdecode(run_git(root, "rev-parse", "--git-path", "hooks").rstrip(b"\n"))
    return (root / out).resolve()


def git_outcome(cwd: Path, *args: str) -> tuple[int, str]:
    """Run git where failing is an answer, not an error (a hook that blocks a commit): exit code and
    stdout+stderr together, in the order a user would have seen them."""
    proc = subprocess.run([git_executable(), *args], cwd=cwd, env=git_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def tracked_and_untracked_files(root: Path, below: Path) -> list[str]:
    """Files git would commit under `below`: tracked plus untracked-but-not-ignored, relative to `root`.

    `.gitignore` is honoured this way without reimplementing its rules.
    """
    rel = os.path.relpath(below, root)
    out = run_git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", rel)
    return sorted({os.fsdecode(p) for p in out.split(b"\0") if p})


# --- repositories, staged changes and history (the git modes of `scan`) ---------------------------------

# Flags that make diff output independent of the user's configuration (external diff tools, colour,
# textconv filters, `diff.noprefix`, `diff.relative`, `diff.submodule=log`, non-ASCII path munging).
_DIFF_FLAGS = ("--raw", "-p", "-z", "-U0", "--abbrev=40", "--full-index", "--no-color", "--no-ext-diff",
               "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/", "--no-relative", "--submodule=short")
_COMMIT_FORMAT = "--format=%x00%x01%H%x00%an%x00%ae%x00%aI"


@dataclass(frozen=True)
class RepoInfo:
    """What the git modes need to know about the repository at a path."""

    path: Path
    git_dir: Path
    bare: bool
    shallow: bool


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    author: str
    email: str
    date: str


def repository(path: Path) -> RepoInfo:
    """The repository at `path` (a work tree, a subfolder, a linked worktree or a bare repository)."""
    if not path.is_dir():
        raise GitError(f"{path}: not a folder (the git modes take the repository's folder)")
    proc = subprocess.run(
        [git_executable(), "-c", "safe.bareRepository=all", "rev-parse", "--absolute-git-dir",
         "--is-bare-repository", "--is-shallow-repository"],
        cwd=path, env=git_env(), capture_output=True,
    )
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        if any("not a git repository" in line for line in reason):
            raise GitError(f"{path}: not a git repository")
        raise GitError(f"{path}: cannot read the repository: {reason[-1] if reason else proc.returncode}")
    git_dir, bare, shallow = os.fsdecode(proc.stdout).splitlines()[:3]
    return RepoInfo(path=path, git_dir=Path(git_dir), bare=bare == "true", shallow=shallow == "true")


def head_commit(repo: RepoInfo) -> str | None:
    """HEAD's commit id, or None while HEAD is unborn (an empty repository, before the first commit)."""
    out = run_git(repo.path, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
    return out.decode("ascii").strip() or None


def hook_index(repo: RepoInfo) -> str | None:
    """The index a running `git commit` is about to record, when leakstop runs as its hook.

    `commit -a`, `commit PATH`, `--only`, `--include` and `--amend -a` build a temporary index
    (`index.lock`, `next-index-*.lock`) and name it in GIT_INDEX_FILE; `.git/index` is stale until the
    commit is done. It is honoured only inside the scanned repository's own git folder: an index of
    another repository (leakstop run on this one from that one's hook) must not be read here."""
    named = os.environ.get("GIT_INDEX_FILE")
    if not named:
        return None
    index = Path(os.path.abspath(named)).resolve()  # a relative name is relative to where git ran the hook
    return str(index) if index.parent == repo.git_dir.resolve() and index.is_file() else None


def staged_diff(repo: RepoInfo) -> bytes:
    """What `git commit` would record: the index against HEAD (or the empty tree before the first commit).

    Renames are detected so a moved file does not count as all-new lines. Without a commit argument git
    itself compares with the empty tree while HEAD is unborn, which saves the pre-commit hook a process."""
    return run_git(repo.path, "-c", "core.quotePath=true", "diff", "--cached", *_DIFF_FLAGS,
                   "--find-renames", "--", index=hook_index(repo))


def resolve_commit(repo: RepoInfo, rev: str) -> str | None:
    out = run_git(repo.path, "rev-parse", "-q", "--verify", "--end-of-options", f"{rev}^{{commit}}", check=False)
    return out.decode("ascii").strip() or None


def remote_name(repo: RepoInfo, remote: str) -> str | None:
    """The configured remote that `remote` names, as a name or as its URL (git hands a pre-push hook the
    URL when the push named one); None for a URL of no configured remote."""
    out = run_git(repo.path, "config", "-z", "--get-regexp", r"^remote\..*\.url$", check=False)
    urls = {}
    for record in out.split(b"\0"):
        key, _, url = os.fsdecode(record).partition("\n")
        if key.startswith("remote.") and key.endswith(".url"):
            urls[key[len("remote."):-len(".url")]] = url
    if remote in urls:
        return remote
    return next((name for name, url in urls.items() if url == remote), None)


def commit_patches(repo: RepoInfo, revs: list[str]) -> Iterator[tuple[CommitInfo, bytes]]:
    """Each commit of `revs` (oldest first) with its `--raw -p` diff; merges as dense combined diffs, so
    only what a merge itself adds (a conflict resolution) is attributed to it."""
    args = ["-c", "core.quotePath=true", "log", "--reverse", "--topo-order", "--root", "--cc", *_DIFF_FLAGS,
            _COMMIT_FORMAT, *revs, "--"]
    yield from split_commits(stream_git(repo.path, *args))


def commit_trees(repo: RepoInfo, revs: list[str]) -> Iterator[tuple[CommitInfo, bytes]]:
    """Each commit (oldest first) with the blobs it changed, from tree diffs only (`--raw`, no content
    diffs): the cheap way to learn which commit introduced which blob at which path."""
    args = ["log", "--reverse", "--topo-order", "--root", "--raw", "--cc", "-z", "--no-renames", "--abbrev=40",
            "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative", _COMMIT_FORMAT, *revs, "--"]
    yield from split_commits(stream_git(repo.path, *args))


def split_commits(chunks: Iterator[bytes]) -> Iterator[tuple[CommitInfo, bytes]]:
    """Commits of `git log` output read with _COMMIT_FORMAT, split by their structure (log_stream.py)."""
    from scanner.log_stream import log_commits

    for fields, body in log_commits(chunks, 4):
        sha, author, email, date = (f.decode("utf-8", "replace") for f in fields)
        yield CommitInfo(sha, author, email, date), body


def stream_git(cwd: Path, *args: str) -> Iterator[bytes]:
    """Stream a git command's stdout in large chunks; a failure at the end becomes GitError."""
    proc = subprocess.Popen([git_executable(), *args], cwd=cwd, env=git_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    try:
        while True:
            chunk = proc.stdout.read1(1 << 20)  # type: ignore[attr-defined]
            if not chunk:
                break
            yield chunk
        err = proc.stderr.read()
        if proc.wait() != 0:
            raise GitError(git_failure(args, err, proc.returncode))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def git_failure(args: Sequence[str], stderr: bytes, code: int) -> str:
    lines = [ln for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    command = next((a for i, a in enumerate(args)
                    if not a.startswith("-") and "=" not in a and (i == 0 or args[i - 1] != "-c")), "")
    # git's `fatal:` line names the object or file it gave up on; the `error:` lines before it often don't
    fatal = [ln for ln in lines if ln.startswith("fatal:")]
    return f"git {command} failed: {(fatal or lines)[0] if lines else f'exit {code}'}"


def head_tree(repo: RepoInfo) -> set[tuple[str, str]]:
    """(path, blob id) of every file in HEAD's tree: which findings are still present at HEAD."""
    if head_commit(repo) is None:
        return set()
    out = run_git(repo.path, "ls-tree", "-r", "-z", "--full-tree", "HEAD")
    entries = set()
    for record in out.split(b"\0"):
        if record:
            meta, _, name = record.partition(b"\t")
            entries.add((name.decode("utf-8", "backslashreplace"), meta.split(b" ")[2].decode("ascii")))
    return entries


def blob_sizes(repo: RepoInfo, blob_ids: Iterable[str]) -> dict[str, int]:
    """Sizes of the given blobs without reading them (so an over-size blob is never loaded).

    A missing object fails closed: a history that cannot be read completely is not a clean history."""
    ids = list(blob_ids)
    out = run_git(repo.path, "cat-file", "--batch-check=%(objectname) %(objectsize)",
                  input=("\n".join(ids) + "\n").encode("ascii"))
    sizes = {}
    for line in out.decode("ascii", "replace").splitlines():
        name, _, size = line.partition(" ")
        if size == "missing" or not size.isdigit():
            raise GitError(f"object {name} is missing from the repository (a corrupt or incomplete clone)")
        sizes[name] = int(size)
    return sizes


def stored_bytes(path: Path) -> int:
    """The size of the repository's objects on disk (packs and loose objects, `git count-objects`), or 0
    when git cannot tell (not a repository: the scan itself reports that)."""
    try:
        code, out = git_outcome(path, "count-objects", "-v")
    except (OSError, GitError):  # not a folder, git missing: the scan reports it
        return 0
    sizes = dict(line.partition(": ")[::2] for line in out.splitlines()) if code == 0 else {}
    return sum(int(value) for key, value in sizes.items() if key in ("size", "size-pack") and value.isdigit()) * 1024


def blob_listing(repo: RepoInfo) -> dict[bytes, int]:
    """Every blob git lists (packs, loose objects, alternates) with its size, in the order git stores
    them: one `cat-file --batch-all-objects --unordered` pass, cheap enough (0.35 s per 100k objects) to
    run while `git log` walks the history."""
    listed: dict[bytes, int] = {}
    listing = stream_git(repo.path, "cat-file", "--batch-check=%(objecttype) %(objectname) %(objectsize)",
                         "--batch-all-objects", "--unordered")
    rest = b""
    for chunk in listing:
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        for line in lines:
            kind, _, rest_of_line = line.partition(b" ")
            name, _, size = rest_of_line.partition(b" ")
            if kind == b"blob" and size.isdigit():
                listed[name] = int(size)
    return listed


def blobs_in_pack_order(repo: RepoInfo, blob_ids: Iterable[str], listing: dict[bytes, int] | None = None
                        ) -> dict[str, int]:
    """The given blobs' sizes, in the order to read them: the order git stores them in (`blob_listing`).

    `cat-file --batch` then serves consecutive blobs from its delta base cache instead of unpacking each
    delta chain again. Measured on the bench history repacked as clones are (`gc --aggressive`, newest
    first): git needs 1.0-1.8 s in pack order against 2.5-3.5 s in first-appearance order (11.5 s in hash
    order). A wanted blob the listing lacks, or lists as `missing` (a corrupt loose object), is asked for
    by id (a promisor object of a partial clone), and fails closed there if git cannot find it either."""
    wanted = {blob.encode("ascii") for blob in blob_ids}
    listed = blob_listing(repo) if listing is None else listing
    ordered = {name.decode("ascii"): size for name, size in listed.items() if name in wanted}
    unlisted = [blob for blob in (name.decode("ascii") for name in wanted) if blob not in ordered]
    if unlisted:
        ordered.update(blob_sizes(repo, sorted(unlisted)))
    return ordered


def read_blob(repo: RepoInfo, blob_id: str) -> bytes:
    """One blob's bytes (a file git called binary, read to see whether it is UTF-16 text)."""
    return next(blob_contents(repo, [blob_id]))[1]


# git maps whole packs into memory and keeps 96 MB of delta bases: on the bench history its RSS reached
# 250 MB, the peak of the whole scan. Smaller windows and cache: 96 MB, at the same speed (3.37 s vs 3.39 s).
CAT_FILE_MEMORY = ("-c", "core.packedGitWindowSize=8m", "-c", "core.packedGitLimit=32m",
                   "-c", "core.deltaBaseCacheLimit=48m")


def blob_contents(repo: RepoInfo, blob_ids: Sequence[str]) -> Iterator[tuple[str, bytes]]:
    """Stream the blobs' contents through one `git cat-file --batch`, in the order asked."""
    reader = BlobReader(repo.path)
    try:
        yield from reader.read(blob_ids)
    finally:
        reader.close()


class BlobReader:
    """One long-lived `git cat-file --batch`, asked for batch after batch of blobs.

    A history scan's worker processes each own one, so blob contents go from git straight to the process
    that scans them: when the parent read every blob and forwarded it, that (reading, decoding, pickling
    ~500 MB through pipes) was a third of the scan's CPU."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.proc: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([git_executable(), *CAT_FILE_MEMORY, "cat-file", "--batch"], cwd=self.path,
                                env=git_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def read(self, blob_ids: Sequence[str]) -> Iterator[tuple[str, bytes]]:
        """(id, bytes) for each id, in the order asked; a missing or unreadable object is a GitError
        naming it (a history scan that cannot read a blob must not pass it by)."""
        import threading

        if self.proc is None:
            self.proc = self._start()
        proc = self.proc
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        stdin = proc.stdin

        def feed() -> None:
            try:
                for start in range(0, len(blob_ids), 512):
                    stdin.write(("\n".join(blob_ids[start:start + 512]) + "\n").encode("ascii"))
                stdin.flush()
            except (OSError, ValueError):  # git gone, or the reader closed while this thread wrote
                pass

        # A writer thread only when the ids could fill the pipe while nobody reads the answers.
        writer = threading.Thread(target=feed, daemon=True) if len(blob_ids) > 64 else None
        if writer is not None:
            writer.start()
        else:
            feed()
        out = proc.stdout
        answered = 0
        try:
            for expected in blob_ids:
                header = out.readline()
                fields = header.split()
                if len(fields) != 3:
                    err = proc.stderr.read() if proc.poll() is not None or not header else b""
                    detail = git_failure(["cat-file"], err, proc.wait()) if err else header.decode(errors="replace")
                    raise GitError(f"cannot read object {expected}: {detail.strip() or 'git stopped early'}")
                size = int(fields[2])
                data = out.read(size)
                out.read(1)
                if len(data) != size:
                    raise GitError(f"cannot read object {expected}: truncated")
                answered += 1
                yield fields[0].decode("ascii"), data
        finally:
            if answered < len(blob_ids):  # left unread in the pipe, the answers would go to the next batch
                self.close()
            if writer is not None:
                writer.join(timeout=5)

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
