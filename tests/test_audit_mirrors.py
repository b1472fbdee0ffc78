"""The clone cache of `leakstop audit`: real repositories served over `file://`, real git clones and fetches."""

from __future__ import annotations

import os
import socket
import stat
import sys
import threading
from pathlib import Path

import pytest
from conftest import Repo, git

from scanner.audit.mirrors import MirrorError, mirror, mirror_folder_name
from scanner.audit.targets import Target, expand_targets

PASSWORD = "glpat-Xq4vR8nT2mW6yB9cK3dF"  # a token of GitLab's shape, made for these tests


@pytest.fixture
def upstream(tmp_path: Path) -> Repo:
    path = tmp_path / "upstream"
    path.mkdir()
    git(path, "init", "-q")
    repo = Repo(path)
    repo.write("README.md", "payments service\n")
    repo.commit("first")
    repo.git("branch", "feature")
    return repo


def file_target(repo: Repo) -> Target:
    (target,) = expand_targets([f"file://{repo.path}"])
    return target


def refs(git_dir: Path) -> dict[str, str]:
    out = git(git_dir, "for-each-ref", "--format=%(refname) %(objectname)")
    return dict(line.split(" ") for line in out.splitlines())


def files_holding(folder: Path, text: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def test_a_local_repository_is_read_where_it_is(upstream, tmp_path):
    (target,) = expand_targets([str(upstream.path)])
    assert mirror(target, tmp_path / "cache") == upstream.path.resolve()
    assert not (tmp_path / "cache").exists()


def test_a_remote_is_cloned_once_as_a_bare_mirror_and_fetched_after(upstream, tmp_path):
    cache = tmp_path / "cache"
    target = file_target(upstream)
    first = mirror(target, cache)
    assert first == cache / mirror_folder_name(target.name) and first.name.endswith(".git")
    assert git(first, "rev-parse", "--is-bare-repository").strip() == "true"
    assert refs(first) == refs(upstream.path)
    inode = first.stat().st_ino
    upstream.write("pay.py", "amount = 1\n")
    new_head = upstream.commit("second")
    upstream.git("branch", "-D", "feature")
    assert mirror(target, cache) == first and first.stat().st_ino == inode  # fetched in place, not re-cloned
    assert refs(first) == {"refs/heads/main": new_head}
    assert sorted(p.name for p in cache.iterdir()) == sorted([first.name, f"{first.name}.lock"])


def test_a_killed_clone_is_cleared_and_cloned_again(upstream, tmp_path):
    cache = tmp_path / "cache"
    target = file_target(upstream)
    folder = cache / mirror_folder_name(target.name)
    partial = cache / f".{folder.name}.k1ll3d.partial"
    (partial / "objects").mkdir(parents=True)
    (folder / "objects").mkdir(parents=True)  # a folder in place without HEAD or refs: not a mirror
    assert mirror(target, cache) == folder
    assert refs(folder) == refs(upstream.path)
    assert not partial.exists()


def test_a_clone_that_fails_leaves_nothing_behind(tmp_path):
    cache = tmp_path / "cache"
    (target,) = expand_targets([f"file://{tmp_path / 'never-existed.git'}"])
    with pytest.raises(MirrorError) as caught:
        mirror(target, cache)
    message = str(caught.value)
    assert message.startswith(f"{target.name}: cannot clone: fatal: ") and "\n" not in message
    assert [p.name for p in cache.iterdir()] == [f"{mirror_folder_name(target.name)}.lock"]


def test_a_repository_that_vanishes_after_listing_is_one_line(upstream, tmp_path):
    target = file_target(upstream)
    git(tmp_path, "clone", "-q", "--bare", str(upstream.path), str(tmp_path / "kept.git"))
    import shutil

    shutil.rmtree(upstream.path)
    with pytest.raises(MirrorError, match=r"cannot clone: fatal: .*does not appear to be a git repository$"):
        mirror(target, tmp_path / "cache")


def test_a_repository_that_vanishes_after_its_first_audit_fails_the_fetch(upstream, tmp_path):
    target = file_target(upstream)
    first = mirror(target, tmp_path / "cache")
    import shutil

    shutil.rmtree(upstream.path)
    with pytest.raises(MirrorError, match=r"cannot fetch: fatal: .*does not appear to be a git repository$"):
        mirror(target, tmp_path / "cache")
    assert refs(first)  # the mirror of the last good audit is kept


def test_a_corrupt_remote_is_one_line(upstream, tmp_path):
    for loose in (upstream.path / ".git" / "objects").glob("??/*"):
        loose.chmod(stat.S_IWUSR | stat.S_IRUSR)
        loose.write_bytes(b"not a zlib stream")
    with pytest.raises(MirrorError) as caught:
        mirror(file_target(upstream), tmp_path / "cache")
    assert "cannot clone: " in str(caught.value) and "\n" not in str(caught.value)


def test_an_unreachable_https_remote_with_credentials_never_shows_or_stores_them(tmp_path):
    url = f"https://ci-bot:{PASSWORD}@127.0.0.1:1/acme/payments.git"
    (target,) = expand_targets([url])
    cache = tmp_path / "cache"
    with pytest.raises(MirrorError) as caught:
        mirror(target, cache, timeout=30)
    message = str(caught.value)
    assert message.startswith("127.0.0.1:1/acme/payments: cannot clone: fatal: unable to access "
                              "'https://127.0.0.1:1/acme/payments.git/'")
    assert PASSWORD not in message and "ci-bot" not in message
    assert files_holding(cache, PASSWORD) == []


@pytest.mark.slow
def test_a_remote_that_never_answers_is_stopped_at_the_timeout(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections into the backlog and never says a word
    try:
        (target,) = expand_targets([f"https://127.0.0.1:{listener.getsockname()[1]}/acme/slow.git"])
        with pytest.raises(MirrorError, match=r"cannot clone: git clone timed out after 2 s$"):
            mirror(target, tmp_path / "cache", timeout=2)
    finally:
        listener.close()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [f"{mirror_folder_name(target.name)}.lock"]


def test_program_running_transports_are_refused_even_in_a_hand_made_target(tmp_path):
    marker = tmp_path / "pwned"
    for location in (f"ext::sh -c touch% {marker}", f"ext::sh -c touch% {marker}%"):
        with pytest.raises(MirrorError, match="refused: git's 'ext::' transport runs a program"):
            mirror(Target("evil", location, True), tmp_path / "cache")
    assert not marker.exists()


def test_an_ssh_url_never_runs_a_program_the_remote_names(tmp_path):
    """`ssh://-oProxyCommand=...` would make ssh run a command: refused at the target, and git refuses
    such a host itself if a target is made by hand."""
    marker = tmp_path / "pwned"
    with pytest.raises(MirrorError, match="cannot clone"):
        mirror(Target("evil", f"ssh://-oProxyCommand=touch%20{marker}/x/y.git", True), tmp_path / "cache", timeout=30)
    assert not marker.exists()


def test_concurrent_mirrors_of_one_target_take_turns(upstream, tmp_path):
    cache = tmp_path / "cache"
    target = file_target(upstream)
    results: list[object] = []

    def run() -> None:
        try:
            results.append(mirror(target, cache))
        except Exception as exc:  # noqa: BLE001 - the test reports whatever a racing clone raised
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    folder = cache / mirror_folder_name(target.name)
    assert results == [folder] * 4
    assert refs(folder) == refs(upstream.path)
    assert not list(cache.glob("*.partial"))


def test_mirror_folder_names_are_readable_and_unique():
    assert mirror_folder_name("github.com/acme/payments").startswith("github.com_acme_payments-")
    assert mirror_folder_name("a/b_c") != mirror_folder_name("a_b/c")
    assert mirror_folder_name("../../etc") .startswith("etc-")
    assert len(mirror_folder_name("h/" + "x" * 500)) < 100


# --- a hostile remote: every program its configuration names leaves a marker if it runs -------------------

def armed_remote(tmp_path: Path, upstream: Repo) -> Path:
    markers = tmp_path / "markers"
    markers.mkdir()

    def program(vector: str) -> str:
        script = tmp_path / "bin" / vector
        script.parent.mkdir(exist_ok=True)
        script.write_text(f'#!/bin/sh\ntouch "{markers}/{vector}"\ncat >/dev/null\nexit 0\n')
        script.chmod(0o755)
        return str(script)

    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in ("pre-upload-pack", "post-upload-pack", "reference-transaction", "post-checkout", "pre-auto-gc",
                 "post-index-change", "fsmonitor-watchman"):
        (hooks / hook).write_text(f"#!/bin/sh\n{program('hook-' + hook)}\n")
        (hooks / hook).chmod(0o755)
    upstream.git("config", "core.hooksPath", str(hooks))
    for key in ("core.fsmonitor", "uploadpack.packObjectsHook", "core.sshCommand", "core.pager", "gpg.program"):
        upstream.git("config", key, program(key))
    upstream.git("config", "credential.helper", "!" + program("credential.helper"))
    upstream.git("config", "uploadpack.allowFilter", "true")
    return markers


def test_the_hostile_remote_is_armed(upstream, tmp_path):
    markers = armed_remote(tmp_path, upstream)
    upstream.write("README.md", "changed\n")
    upstream.git("status")  # plain git in the remote's own folder runs its fsmonitor
    assert "core.fsmonitor" in os.listdir(markers)


def test_a_hostile_remote_runs_nothing_while_mirrored_and_fetched(upstream, tmp_path):
    markers = armed_remote(tmp_path, upstream)
    cache = tmp_path / "cache"
    target = file_target(upstream)
    folder = mirror(target, cache)
    upstream.git("commit", "-q", "--allow-empty", "--no-verify", "-m", "more")
    for name in os.listdir(markers):
        (markers / name).unlink()  # the remote's own commit ran its hooks; only the mirror's calls count
    mirror(target, cache)
    assert refs(folder)["refs/heads/main"] == upstream.git("rev-parse", "HEAD").strip()
    assert os.listdir(markers) == []


def test_a_tampered_mirror_config_runs_nothing_on_fetch(upstream, tmp_path):
    """The cache is the user's, but its config files are still files: what git would run from a mirror's
    config (the remote's upload-pack command, hooks on the refs it updates) stays off."""
    cache = tmp_path / "cache"
    target = file_target(upstream)
    folder = mirror(target, cache)
    markers = tmp_path / "markers"
    markers.mkdir()
    script = tmp_path / "run-me"
    script.write_text(f'#!/bin/sh\ntouch "{markers}/$(basename "$0")"\nexec git-upload-pack "$@"\n')
    script.chmod(0o755)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "reference-transaction").write_text(f'#!/bin/sh\ntouch "{markers}/hook"\ncat >/dev/null\n')
    (hooks / "reference-transaction").chmod(0o755)
    git(folder, "config", "remote.origin.uploadpack", str(script))
    git(folder, "config", "core.hooksPath", str(hooks))
    upstream.commit("more")
    mirror(target, cache)
    assert refs(folder)["refs/heads/main"] == upstream.git("rev-parse", "HEAD").strip()
    assert os.listdir(markers) == []
    upstream.commit("and more")
    git(folder, "fetch", "-q", "origin")  # plain git runs both
    assert sorted(os.listdir(markers)) == ["hook", "run-me"]


# --- https with credentials: git's own smart-HTTP backend behind the local HTTPS fake -----------------------

import base64  # noqa: E402
import subprocess  # noqa: E402

from verify_fake import Answer, Seen, fake_providers_for  # noqa: E402


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    return fake_providers_for(lambda: tmp_path_factory.mktemp("ca"))


def serve_git(fake, root: Path, user: str, password: str) -> None:
    """Answer as a forge does: 401 without the right Basic credentials, else `git http-backend` (CGI)."""
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def respond(seen: Seen) -> Answer:
        if seen.headers.get("authorization") != expected:
            return Answer(401, "", (("WWW-Authenticate", 'Basic realm="acme"'),))
        env = {"PATH": os.environ["PATH"], "GIT_PROJECT_ROOT": str(root), "GIT_HTTP_EXPORT_ALL": "1",
               "PATH_INFO": seen.path, "QUERY_STRING": seen.query, "REQUEST_METHOD": seen.method,
               "CONTENT_TYPE": seen.headers.get("content-type", ""), "CONTENT_LENGTH": str(len(seen.body)),
               "HTTP_CONTENT_ENCODING": seen.headers.get("content-encoding", ""), "REMOTE_USER": user,
               "GIT_PROTOCOL": seen.headers.get("git-protocol", ""), "HOME": str(root)}
        out = subprocess.run(["git", "http-backend"], input=seen.body, env=env, capture_output=True).stdout
        head, _, body = out.partition(b"\r\n\r\n")
        headers = [tuple(line.split(": ", 1)) for line in head.decode().split("\r\n") if ": " in line]
        status = next((int(v.split()[0]) for k, v in headers if k.lower() == "status"), 200)
        return Answer(status, body, tuple((k, v) for k, v in headers if k.lower() != "status"))
    fake.reset(respond)


@pytest.fixture
def served(fake, upstream, tmp_path, monkeypatch):
    root = tmp_path / "served"
    git(tmp_path, "clone", "-q", "--bare", str(upstream.path), str(root / "acme" / "payments.git"))
    serve_git(fake, root, "ci-bot", PASSWORD)
    monkeypatch.setenv("GIT_SSL_CAINFO", str(fake.ca))
    return root / "acme" / "payments.git", fake.url.replace("https://", "")


def test_credentials_in_an_https_url_reach_git_but_no_file(served, fake, upstream, tmp_path):
    bare, hostport = served
    (target,) = expand_targets([f"https://ci-bot:{PASSWORD}@{hostport}/acme/payments.git"])
    cache = tmp_path / "cache"
    folder = mirror(target, cache, timeout=60)
    assert refs(folder) == refs(bare)
    assert git(folder, "config", "remote.origin.url").strip() == f"https://{hostport}/acme/payments.git"
    upstream.write("pay.py", "amount = 2\n")
    upstream.commit("second")
    upstream.git("push", "-q", str(bare), "main")
    mirror(target, cache, timeout=60)
    assert refs(folder)["refs/heads/main"] == upstream.git("rev-parse", "HEAD").strip()
    assert any("authorization" in s.headers for s in fake.seen)
    assert files_holding(cache, PASSWORD) == [] and files_holding(Path(os.environ["HOME"]), PASSWORD) == []


def test_a_wrong_password_fails_at_once_without_a_prompt(served, tmp_path):
    _, hostport = served
    (target,) = expand_targets([f"https://ci-bot:wrong-{PASSWORD[:6]}@{hostport}/acme/payments.git"])
    with pytest.raises(MirrorError) as caught:
        mirror(target, tmp_path / "cache", timeout=60)
    message = str(caught.value)
    assert message == (f"{hostport}/acme/payments: cannot clone: fatal: Authentication failed for "
                       f"'https://{hostport}/acme/payments.git/'")
    assert PASSWORD[:6] not in message


def test_a_url_without_credentials_uses_the_users_own_helper_never_a_repositorys(served, tmp_path, monkeypatch):
    bare, hostport = served
    user_config = tmp_path / "user.gitconfig"
    helper = f'!f() {{ test "$1" = get && echo username=ci-bot && echo password={PASSWORD}; }}; f'
    git(tmp_path, "config", "--file", str(user_config), "credential.helper", helper)
    (target,) = expand_targets([f"https://{hostport}/acme/payments.git"])
    cache = tmp_path / "cache"
    with pytest.raises(MirrorError, match="could not read Username .*: terminal prompts disabled$"):
        mirror(target, cache, timeout=60)  # no helper of the user's yet, and no prompt
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(user_config))
    folder = mirror(target, cache, timeout=60)
    assert refs(folder) == refs(bare)
    monkeypatch.delenv("GIT_CONFIG_GLOBAL")
    marker = tmp_path / "repository-helper-ran"
    git(folder, "config", "credential.helper", f"!touch {marker}; false")
    with pytest.raises(MirrorError, match="cannot fetch: fatal: could not read Username"):
        mirror(target, cache, timeout=60)
    assert not marker.exists()
    subprocess.run(["git", "fetch", "-q", "origin"], cwd=folder, capture_output=True,
                   env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    assert marker.exists()  # plain git asks the repository's helper


# --- ssh: a stand-in `ssh` on PATH that logs its arguments and runs the remote command here ----------------

@pytest.fixture
def fake_ssh(tmp_path, monkeypatch):
    folder = tmp_path / "sshbin"
    folder.mkdir()
    log = tmp_path / "ssh.log"
    for name in ("ssh", "my-ssh"):
        script = folder / name
        script.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\nfor last; do :; done\nexec sh -c "$last"\n')
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("GIT_SSH_COMMAND", raising=False)
    monkeypatch.delenv("GIT_SSH", raising=False)
    return folder, log


def test_an_ssh_remote_is_reached_with_ssh_in_batch_mode(fake_ssh, upstream, tmp_path):
    _, log = fake_ssh
    (target,) = expand_targets([f"git@forge.example.invalid:{upstream.path}/.git"])
    folder = mirror(target, tmp_path / "cache", timeout=60)
    assert refs(folder) == refs(upstream.path)
    assert log.read_text().startswith("ssh -o BatchMode=yes ")
    assert "git@forge.example.invalid" in log.read_text()


def test_the_users_ssh_command_is_used(fake_ssh, upstream, tmp_path, monkeypatch):
    folder, log = fake_ssh
    monkeypatch.setenv("GIT_SSH_COMMAND", str(folder / "my-ssh"))
    (target,) = expand_targets([f"ssh://git@forge.example.invalid{upstream.path}/.git"])
    assert refs(mirror(target, tmp_path / "cache", timeout=60)) == refs(upstream.path)
    assert log.read_text().startswith("my-ssh ")


def test_mirrors_are_the_users_alone_in_the_platforms_cache_folder(upstream, tmp_path, monkeypatch):
    from scanner.audit.mirrors import default_cache_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cache = default_cache_dir()
    if sys.platform.startswith("linux"):  # elsewhere platformdirs has its own places
        assert cache == tmp_path / "xdg" / "leakstop" / "mirrors"
    folder = mirror(file_target(upstream), cache)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700 and stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_target_reaches_git_over_its_own_transport_only(upstream, tmp_path):
    """A Target made by hand whose URL says https cannot be served from a local path or over ssh."""
    from scanner.errors import GitError
    from scanner.git.transfer import Transfer, git_transfer

    only_https = Transfer(protocols=frozenset({"https"}), timeout=30)
    code, err = git_transfer(tmp_path, "clone", "--mirror", "-q", f"file://{upstream.path}", "x.git",
                             transfer=only_https)
    assert code != 0 and "transport 'file' not allowed" in err
    with pytest.raises(GitError, match="transports not allowed"):
        git_transfer(tmp_path, "clone", f"file://{upstream.path}", transfer=Transfer(frozenset({"ext"}), 30))


def test_an_empty_remote_is_mirrored_empty_and_filled_by_later_fetches(tmp_path):
    empty = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", str(empty))
    (target,) = expand_targets([f"file://{empty}"])
    folder = mirror(target, tmp_path / "cache")
    assert refs(folder) == {}
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(empty), str(work))
    Repo(work).write("a.txt", "first\n")
    head = Repo(work).commit("first")
    git(work, "push", "-q", "origin", "HEAD:main")
    mirror(target, tmp_path / "cache")
    assert refs(folder) == {"refs/heads/main": head}
