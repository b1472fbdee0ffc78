"""The only module that talks to git.

Every call: `-z` where paths are printed, `--no-ext-diff --no-color` where diffs are, and the GIT_*
variables that git exports to hooks removed (otherwise a pre-commit hook scanning another repository
would read the hook's index instead); the staged diff puts one back: the index a running `git commit`
names, when it belongs to the repository scanned (`hook_index`). Every call also turns off each program
a scanned repository's own configuration could make git run (`SAFE_CONFIG`, `git_env`), and every
revision a user or a hook names is verified and passed as a commit id after `--end-of-options`
(`log_revisions`).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.errors import GitError

if TYPE_CHECKING:
    import threading

    from scanner.git.context import CommitInfo

# Variables git sets for hooks that would redirect our calls to the wrong repository or index.
_HOOK_VARIABLES = ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "GIT_PREFIX", "GIT_OBJECT_DIRECTORY",
                   "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE")


# A scanned repository is untrusted: its config could name programs that git runs while we only read
# (fsmonitor on ls-files/diff, hooks, gpg while logging signed commits). Later `-c` wins, so a caller
# that needs one of these (the selftest's hook) passes its own value after these.
SAFE_CONFIG = ("-c", "core.fsmonitor=false", "-c", "log.showSignature=false", "-c", "core.pager=cat",
               "-c", "core.editor=:", "-c", "sequence.editor=:", "-c", "gpg.program=false",
               "-c", "gpg.ssh.program=false", "-c", "gpg.x509.program=false", "-c", "core.sshCommand=false",
               "-c", "credential.helper=", "-c", "core.askPass=false")
_NO_HOOKS = ("-c", "core.hooksPath=/dev/null")

# Set for every call, over the user's environment too: no editor, pager or external diff; no transport
# at all (a partial clone's lazy fetch would run the repository's `remote.*.uploadpack`: an empty
# allow-list refuses every protocol on every git version, and GIT_NO_LAZY_FETCH stops the fetch itself
# where git knows it, 2.44+); objects as stored, never as `refs/replace/` swaps them (a replaced blob
# would hide what the repository really holds).
SAFE_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_PAGER": "cat", "PAGER": "cat", "GIT_EDITOR": ":",
             "GIT_SEQUENCE_EDITOR": ":", "GIT_ALLOW_PROTOCOL": "", "GIT_NO_LAZY_FETCH": "1",
             "GIT_NO_REPLACE_OBJECTS": "1", "GIT_ASKPASS": "false", "SSH_ASKPASS": "false"}
_UNSAFE_VARIABLES = ("GIT_EXTERNAL_DIFF", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_PROXY_COMMAND")


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _HOOK_VARIABLES and k not in _UNSAFE_VARIABLES}
    env.update(SAFE_ENV)
    return env


def git_command(*args: str, hooks: bool = False) -> list[str]:
    """The argv of a git call, with the repository's programs turned off (its hooks too, unless asked)."""
    return [git_executable(), "--no-pager", *SAFE_CONFIG, *(() if hooks else _NO_HOOKS), *args]


def git_executable() -> str:
    exe = which_git()
    if exe is None:
        raise GitError("git is not installed or not on PATH")
    return exe


def which_git() -> str | None:
    """git's path, as shutil.which finds it. On POSIX the search is done here, because importing shutil
    loads bz2 and lzma (for its archive formats) on every pre-commit run. Windows keeps shutil.which,
    for its PATHEXT rules."""
    if os.name == "nt":
        import shutil

        return shutil.which("git")
    for folder in os.get_exec_path():
        candidate = os.path.join(folder, "git")
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return candidate
    return None


def run_git(cwd: Path, *args: str, check: bool = True, input: bytes | None = None, hooks: bool = False,
            index: str | None = None) -> bytes:
    """Run git and return stdout; a failure becomes GitError with git's own first line of complaint.

    `index` is the index file to read instead of the repository's own (see `hook_index`)."""
    env = git_env() if index is None else {**git_env(), "GIT_INDEX_FILE": index}
    proc = subprocess.run(git_command(*args, hooks=hooks), cwd=cwd, env=env, capture_output=True, input=input)
    if check and proc.returncode != 0:
        raise GitError(f"{git_failure(args, proc.stderr, proc.returncode)} (in {cwd})")
    return proc.stdout


def work_tree_root(path: Path) -> Path | None:
    """The top of the git work tree containing `path`, or None outside git (or without git)."""
    if which_git() is None:
        return None
    folder = path if path.is_dir() else path.parent
    proc = subprocess.run(git_command("rev-parse", "--show-toplevel"), cwd=folder, env=git_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if proc.returncode != 0 or not proc.stdout.strip():
        return None
    return Path(os.fsdecode(proc.stdout.rstrip(b"\n")))


def hooks_dir(root: Path) -> Path:
    """Where git runs hooks from for this repository: `core.hooksPath` when set, else `.git/hooks`
    (asked without the no-hooks setting of other calls: the user's own repository, its own answer)."""
    out = os.fsdecode(run_git(root, "rev-parse", "--git-path", "hooks", hooks=True).rstrip(b"\n"))
    return (root / out).resolve()


def git_outcome(cwd: Path, *args: str, local_remote: bool = False) -> tuple[int, str]:
    """Run git where failing is an answer, not an error (a hook that blocks a commit): exit code and
    stdout+stderr together, in the order a user would have seen them. A caller that wants a hook to run
    names its folder (`-c core.hooksPath=...`), which overrides the default of none. `local_remote`: the
    selftest pushes its own scratch repository to a local bare one, the only transport it allows."""
    env = {**git_env(), "GIT_ALLOW_PROTOCOL": "file"} if local_remote else git_env()
    proc = subprocess.run(git_command(*args), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def listed_files(root: Path, below: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """Files git would commit under `below`: tracked plus untracked-but-not-ignored, relative to `root`
    (`.gitignore` is honoured this way without reimplementing its rules); and the untracked folders git
    could not open, with why: git warns about them and goes on (exit 0), which would leave them
    unscanned without a word."""
    rel = os.path.relpath(below, root)
    args = ("ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", rel)
    proc = subprocess.run(git_command(*args), cwd=root, env=git_env(), capture_output=True)
    if proc.returncode != 0:
        raise GitError(f"{git_failure(args, proc.stderr, proc.returncode)} (in {root})")
    unopened = []
    for line in proc.stderr.splitlines():
        folder, _, why = line.removeprefix(b"warning: could not open directory '").rpartition(b"': ")
        if folder and line.startswith(b"warning: could not open directory '"):
            unopened.append((os.fsdecode(folder).rstrip("/"), why.decode("utf-8", "replace")))
    return sorted({os.fsdecode(p) for p in proc.stdout.split(b"\0") if p}), unopened


# --- repositories, staged changes and history (the git modes of `scan`) ---------------------------------

# Flags that make diff output independent of the user's configuration (external diff tools, colour,
# textconv filters, `diff.noprefix`, `diff.relative`, `diff.submodule=log`, non-ASCII path munging).
_DIFF_FLAGS = ("--raw", "-p", "-z", "-U0", "--abbrev=40", "--full-index", "--no-color", "--no-ext-diff",
               "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/", "--no-relative", "--submodule=short")
_COMMIT_FORMAT = "--format=%x00%x01%H%x00%P%x00%an%x00%ae%x00%aI%x00%s"
_TREE_FLAGS = ("--root", "--raw", "--cc", "-z", "--no-renames", "--abbrev=40", "--no-color", "--no-ext-diff",
               "--no-textconv", "--no-relative", "--no-show-signature", _COMMIT_FORMAT)


@dataclass(frozen=True)
class RepoInfo:
    """What the git modes need to know about the repository at a path."""

    path: Path
    git_dir: Path
    bare: bool
    shallow: bool


def repository(path: Path) -> RepoInfo:
    """The repository at `path` (a work tree, a subfolder, a linked worktree or a bare repository)."""
    if not path.is_dir():
        raise GitError(f"{path}: not a folder (the git modes take the repository's folder)")
    proc = subprocess.run(
        git_command("-c", "safe.bareRepository=all", "rev-parse", "--absolute-git-dir",
                    "--is-bare-repository", "--is-shallow-repository"),
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


def remote_url(repo: RepoInfo, remote: str = "origin") -> str:
    """The URL a remote fetches from (empty without one). It may hold credentials: callers make a link of
    it (`git.forge`) and never print it."""
    out = run_git(repo.path, "config", "--get", f"remote.{remote}.url", check=False)
    return out.decode("utf-8", "replace").strip()


def last_commit_before(repo: RepoInfo, date: str) -> str | None:
    """The commit HEAD's first-parent line was at on `date` (git's date syntax), None when HEAD's whole
    history is newer: what `--since DATE` scans after."""
    out = run_git(repo.path, "rev-list", "-1", "--first-parent", f"--until={date}", "HEAD", "--", check=False)
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


def ref_tips(repo: RepoInfo) -> dict[str, str]:
    """Every ref that leads to a commit (annotated tags peeled) → that commit's id: what an audit
    remembers so that the next one reads only the commits none of them reach."""
    out = run_git(repo.path, "for-each-ref", "--format=%(refname)%00%(objecttype)%00%(objectname)%00"
                  "%(*objecttype)%00%(*objectname)")
    tips = {}
    for line in out.decode("utf-8", "replace").splitlines():
        ref, kind, sha, peeled_kind, peeled = (line.split("\0") + ["", "", "", ""])[:5]
        if kind == "commit":
            tips[ref] = sha
        elif peeled_kind == "commit":
            tips[ref] = peeled
    return tips


def independent_commits(repo: RepoInfo, ids: Sequence[str]) -> list[str]:
    """Of `ids`, the commits the repository still has (a force-push or gc drops some), less those another
    of them reaches: the fewest `--not` ends that exclude the same history (a forge mirror's thousands of
    pull-request refs come down to a few), found in two git calls whatever their number."""
    if not ids:
        return []
    out = run_git(repo.path, "cat-file", "--batch-check=%(objectname) %(objecttype)",
                  input=("\n".join(ids) + "\n").encode("ascii", "replace"))
    present = sorted({line.split(" ")[0] for line in out.decode("ascii", "replace").splitlines()
                      if line.endswith(" commit")})
    if len(present) < 2:
        return present
    return sorted(run_git(repo.path, "merge-base", "--independent", *present).decode("ascii").split())


def config_value(cwd: Path, key: str) -> str:
    """One git configuration value as git resolves it from `cwd` (empty when unset)."""
    return run_git(cwd, "config", "--get", "--end-of-options", key, check=False).decode("utf-8", "replace").strip()


def commit_patches(repo: RepoInfo, revs: list[str]) -> Iterator[tuple[CommitInfo, bytes]]:
    """Each commit of `revs` (oldest first) with its `--raw -p` diff; merges as dense combined diffs, so
    only what a merge itself adds (a conflict resolution) is attributed to it."""
    args = ["-c", "core.quotePath=true", "log", "--reverse", "--topo-order", "--root", "--cc", *_DIFF_FLAGS,
            "--no-show-signature", _COMMIT_FORMAT, *log_revisions(repo, revs), "--"]
    yield from split_commits(stream_git(repo.path, *args))


def commit_trees(repo: RepoInfo, revs: list[str]) -> Iterator[tuple[CommitInfo, bytes]]:
    """Each commit (oldest first) with the blobs it changed, from tree diffs only (`--raw`, no content
    diffs): the cheap way to learn which commit introduced which blob at which path."""
    args = [*GIT_MEMORY, "log", "--reverse", "--topo-order", *_TREE_FLAGS, *log_revisions(repo, revs), "--"]
    yield from split_commits(stream_git(repo.path, *args), raw=True)


def commit_order(repo: RepoInfo, revs: list[str], parents: dict[str, list[str]] | None = None) -> list[str]:
    """The ids of the commits `commit_trees` walks, in the same order (one `rev-list`, no diffs): which
    of them a scan cache already knows is then a lookup. `parents`, when given, gets each commit's
    parents from the same walk (which refs reach a secret is worked out from them)."""
    args = ["rev-list", "--reverse", "--topo-order", *(["--parents"] if parents is not None else [])]
    out = run_git(repo.path, *args, *log_revisions(repo, revs), "--").decode("ascii")
    if parents is None:
        return out.split()
    order = []
    for line in out.splitlines():
        commit, *of = line.split()
        order.append(commit)
        parents[commit] = of
    return order


def trees_of_commits(repo: RepoInfo, ids: Sequence[str]) -> Iterator[tuple[CommitInfo, bytes]]:
    """`commit_trees` for the given commits only (each against its own parents), in the given order."""
    args = ["log", "--no-walk=unsorted", "--stdin", *_TREE_FLAGS, "--"]
    yield from split_commits(stream_git(repo.path, *args, input=("\n".join(ids) + "\n").encode("ascii")), raw=True)


def log_revisions(repo: RepoInfo, revs: Sequence[str]) -> list[str]:
    """`revs` as `git log` arguments that git can never take for an option (`--output=FILE` as a range
    end would make git write that file): each name, range end and hook-supplied id is verified to be a
    commit and replaced by its id, after `--end-of-options`. `--all`, `--not` and `--remotes` are ours
    (never user text): `--not --remotes[=NAME]` becomes each remote ref's id, negated."""
    options: list[str] = []
    ids: list[str] = []
    negated = False
    for rev in revs:
        if rev == "--all":
            options.append(rev)
        elif rev == "--not":
            negated = not negated
        elif rev == "--remotes" or rev.startswith("--remotes="):
            remote = rev.partition("=")[2]
            ids.extend(("^" if negated else "") + ref for ref in remote_ref_ids(repo, remote))
        else:
            ids.append(("^" if negated else "") + verified_revision(repo, rev))
    return [*options, "--end-of-options", *ids]


def verified_revision(repo: RepoInfo, rev: str) -> str:
    """A revision, an `A..B` or an `A...B` range, or a `^A` exclusion, with each name turned into the
    id of the commit it names; a name that is no commit is a GitError naming it."""
    if rev.startswith("^"):
        return "^" + commit_id(repo, rev[1:])
    for dots in ("...", ".."):
        if dots in rev:
            base, _, tip = rev.partition(dots)
            if not base and not tip:
                raise GitError(f"{rev!r}: a range needs a commit on at least one side (A{dots}B)")
            return commit_id(repo, base or "HEAD") + dots + commit_id(repo, tip or "HEAD")
    return commit_id(repo, rev)


def commit_id(repo: RepoInfo, rev: str) -> str:
    sha = resolve_commit(repo, rev)
    if sha is None:
        raise GitError(f"{rev}: no such commit in {repo.path}")
    return sha


def remote_ref_ids(repo: RepoInfo, remote: str = "") -> list[str]:
    """The commit ids the remote-tracking refs point at (what `--remotes` or `--remotes=NAME` would
    name); `remote` is a configured remote's name, never a pattern."""
    prefix = f"refs/remotes/{remote}/" if remote else "refs/remotes/"
    out = run_git(repo.path, "for-each-ref", "--format=%(objectname)", "--end-of-options", prefix)
    return sorted(set(out.decode("ascii").split()))


def commit_subjects(repo: RepoInfo, commits: Sequence[str]) -> dict[str, str]:
    """Each commit's subject line, in one `git log --no-walk --stdin`: for reports, when the commits came
    from the scan cache, which keeps no messages (a message may hold a key)."""
    if not commits:
        return {}
    out = run_git(repo.path, "log", "--no-walk=unsorted", "--no-show-signature", "--stdin", "--format=%H%x00%s",
                  input="".join(f"{sha}\n" for sha in commits).encode("ascii"))
    found: dict[str, str] = {}
    for line in out.decode("utf-8", "replace").splitlines():
        sha, _, subject = line.partition("\0")
        found[sha] = subject
    return found


def refs_containing(repo: RepoInfo, commits: Sequence[str]) -> list[str]:
    """The branches, tags and remote-tracking branches (short names) from which any of `commits` is
    reachable: one `for-each-ref`, whose `--contains` options are a union."""
    if not commits:
        return []
    contains = [f"--contains={commit_id(repo, sha)}" for sha in commits]
    out = run_git(repo.path, "for-each-ref", "--format=%(refname:short)", *contains, "--end-of-options",
                  "refs/heads/", "refs/tags/", "refs/remotes/")
    return [name for name in out.decode("utf-8", "backslashreplace").splitlines()
            if name and not name.endswith("/HEAD")]


def containing_ref_tips(repo: RepoInfo) -> list[tuple[str, str]] | None:
    """(short name, commit) of the refs `refs_containing` looks at, in its order: branches, tags (at the
    commit they tag) and remote-tracking branches; a ref at a tree or blob contains no commit and is left
    out. None when a tag tags another tag (then `refs_containing` answers)."""
    out = run_git(repo.path, "for-each-ref",
                  "--format=%(objecttype) %(objectname) %(*objecttype) %(*objectname) %(refname:short)",
                  "--end-of-options", "refs/heads/", "refs/tags/", "refs/remotes/")
    tips: list[tuple[str, str]] = []
    for line in out.decode("utf-8", "backslashreplace").splitlines():
        kind, sha, peeled_kind, peeled, name = line.split(" ", 4)
        if kind == "tag":
            if peeled_kind == "tag":
                return None
            kind, sha = peeled_kind, peeled
        if kind == "commit" and name and not name.endswith("/HEAD"):
            tips.append((name, sha))
    return tips


def commit_parents(repo: RepoInfo, tips: Sequence[str]) -> Iterator[tuple[str, list[str]]]:
    """Every commit reachable from `tips` with its parents, each commit before its parents: one
    `rev-list --topo-order`."""
    if not tips:
        return
    out = run_git(repo.path, "rev-list", "--topo-order", "--parents", "--stdin",
                  input="\n".join(dict.fromkeys(tips)).encode("ascii") + b"\n")
    for line in out.decode("ascii").splitlines():
        commit, *parents = line.split()
        yield commit, parents


def split_commits(chunks: Iterator[bytes], raw: bool = False) -> Iterator[tuple[CommitInfo, bytes]]:
    """Commits of `git log` output read with _COMMIT_FORMAT, split by their structure (log_stream.py);
    `raw`: output without patches, whose bodies are then the raw records alone."""
    from scanner.git.context import CommitInfo
    from scanner.git.log_stream import log_commits, raw_commits

    for fields, body in (raw_commits if raw else log_commits)(chunks, 6):
        sha, parents, author, email, date, subject = (f.decode("utf-8", "replace") for f in fields)
        yield CommitInfo(sha, author, email, date, subject, parents), body


def stream_git(cwd: Path, *args: str, input: bytes | None = None) -> Iterator[bytes]:
    """Stream a git command's stdout in large chunks; a failure at the end becomes GitError. `input` is
    written to its stdin from a thread, as git reads it."""
    proc = subprocess.Popen(git_command(*args), cwd=cwd, env=git_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.PIPE if input is not None else None)
    assert proc.stdout is not None and proc.stderr is not None
    if input is not None:
        import threading

        threading.Thread(target=_feed, args=(proc, input), daemon=True).start()
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


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except (OSError, ValueError):  # git ended early (its exit status says why), or its pipe was closed
        pass


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


def replaced_blobs(repo: RepoInfo) -> dict[str, str]:
    """Each blob `git replace` swaps for another: original id → replacement id. Scans read objects as
    stored; the replacement is what `git show` and checkouts would present at the original's places."""
    out = run_git(repo.path, "for-each-ref", "--format=%(refname:lstrip=2) %(objectname) %(objecttype)",
                  "refs/replace/")
    swaps = {}
    for line in out.decode("ascii", "replace").splitlines():
        original, _, rest = line.partition(" ")
        replacement, _, kind = rest.partition(" ")
        if kind == "blob":
            swaps[original] = replacement
    return swaps


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
    them: one `cat-file --batch-all-objects --unordered` pass, cheap enough to run while `git log` walks
    the history."""
    listed: dict[bytes, int] = {}
    listing = stream_git(repo.path, *GIT_MEMORY, "cat-file", "--batch-check=%(objecttype) %(objectname) %(objectsize)",
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

    `cat-file --batch` then serves consecutive blobs from its delta base cache instead of unpacking each delta
    chain again. A wanted blob the listing lacks, or lists as `missing` (a corrupt loose object), is asked for
    by id, and fails closed there if git cannot find it either; in a partial clone it is one the clone never
    fetched, and is given the size MISSING (a scan never fetches: that would run the remote's programs), for
    the source to report as not scanned."""
    wanted = {blob.encode("ascii") for blob in blob_ids}
    listed = blob_listing(repo) if listing is None else listing
    ordered = {name.decode("ascii"): size for name, size in listed.items() if name in wanted}
    unlisted = [blob for blob in (name.decode("ascii") for name in wanted) if blob not in ordered]
    if unlisted and partial_clone(repo):
        ordered.update(dict.fromkeys(unlisted, MISSING))
    elif unlisted:
        ordered.update(blob_sizes(repo, sorted(unlisted)))
    return ordered


MISSING = -1
"""The size `blobs_in_pack_order` gives a blob that a partial clone does not have."""


def partial_clone(repo: RepoInfo) -> bool:
    """Whether objects may be missing by design: a promisor remote (`git clone --filter`)."""
    out = run_git(repo.path, "config", "--get-regexp", r"^(extensions\.partialclone|remote\..*\.promisor)$",
                  check=False)
    return any(not line.endswith(b" false") for line in out.splitlines())


def read_blob(repo: RepoInfo, blob_id: str) -> bytes:
    """One blob's bytes (a file git called binary, read to see whether it is UTF-16 text)."""
    return next(blob_contents(repo, [blob_id]))[1]


def blob_head(repo: RepoInfo, blob_id: str, size: int) -> bytes:
    """A blob's first `size` bytes, without reading the rest into this process (a blob over the size limit:
    is it binary?). git may inflate the whole blob on its side; it is stopped once enough has arrived."""
    proc = subprocess.Popen(git_command(*GIT_MEMORY, "cat-file", "blob", blob_id), cwd=repo.path,
                            env=git_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    try:
        head = proc.stdout.read(size)
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    return head


# By default git maps whole packs into memory and keeps 96 MB of delta bases: reading every blob, or walking
# every tree of a history, it was the largest process of a scan (143 MB for the bench history's walk); smaller
# windows and a smaller cache cost it no speed (measured on the bench history: the same CPU, 36 MB).
GIT_MEMORY = ("-c", "core.packedGitWindowSize=8m", "-c", "core.packedGitLimit=32m",
              "-c", "core.deltaBaseCacheLimit=16m")


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
    that scans them instead of being read, decoded and pickled once more by the parent."""

    STALL_SECONDS = 60.0
    """A git that sends nothing for this long while an answer is awaited is stopped, and the read fails
    (a stopped or wedged git would otherwise hang the scan forever). A healthy one answers in milliseconds:
    blobs are at most the scan's file size limit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.proc: subprocess.Popen[bytes] | None = None
        self._awaiting_since: float | None = None
        self._stalled = False
        self._watchdog: tuple[threading.Thread, threading.Event] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        import threading

        proc = subprocess.Popen(git_command(*GIT_MEMORY, "cat-file", "--batch"), cwd=self.path,
                                env=git_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._stalled = False
        closed = threading.Event()
        watchdog = threading.Thread(target=self._watch, args=(proc, closed), name="leakstop-cat-file-watchdog",
                                    daemon=True)
        watchdog.start()
        self._watchdog = (watchdog, closed)
        return proc

    def _watch(self, proc: subprocess.Popen[bytes], closed: threading.Event) -> None:
        """Kills `proc` once it has kept a reader waiting for STALL_SECONDS; ends with the process, or at once
        when the reader is closed (a scan forks its workers only once no other thread runs)."""
        tick = min(1.0, self.STALL_SECONDS / 4)
        while proc.poll() is None:
            if closed.wait(tick):
                return
            since = self._awaiting_since
            if since is not None and self.proc is proc and time.monotonic() - since > self.STALL_SECONDS:
                self._stalled = True
                proc.kill()
                return

    def read(self, blob_ids: Sequence[str]) -> Generator[tuple[str, bytes], None, None]:
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
        answered = 0
        try:
            for expected in blob_ids:
                header, data = self._answer(proc, expected)
                answered += 1
                yield header, data
        finally:
            if answered < len(blob_ids):  # left unread in the pipe, the answers would go to the next batch
                self.close()
            if writer is not None:
                writer.join(timeout=5)

    def _answer(self, proc: subprocess.Popen[bytes], expected: str) -> tuple[str, bytes]:
        """One object's id and bytes, timed by the watchdog while git is awaited."""
        assert proc.stdout is not None and proc.stderr is not None
        out = proc.stdout
        self._awaiting_since = time.monotonic()
        try:
            header = out.readline()
            fields = header.split()
            if len(fields) != 3:
                if self._stalled:
                    raise GitError(f"cannot read object {expected}: git cat-file sent nothing for "
                                   f"{self.STALL_SECONDS:g} s and was stopped")
                err = proc.stderr.read() if proc.poll() is not None or not header else b""
                detail = git_failure(["cat-file"], err, proc.wait()) if err else header.decode(errors="replace")
                raise GitError(f"cannot read object {expected}: {detail.strip() or 'git stopped early'}")
            size = int(fields[2])
            data = out.read(size)
            out.read(1)
            if len(data) != size:
                stalled = " (git cat-file stalled and was stopped)" if self._stalled else ""
                raise GitError(f"cannot read object {expected}: truncated{stalled}")
            return fields[0].decode("ascii"), data
        finally:
            self._awaiting_since = None

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
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None:
            watchdog[1].set()
            watchdog[0].join()
