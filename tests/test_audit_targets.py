"""`leakstop audit`'s targets: real repositories in temporary folders, URLs, targets files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import git

from scanner.audit import targets as targets_module
from scanner.audit.targets import Target, TargetError, expand_targets

# a token of GitHub's shape, made for these tests
TOKEN = "ghp_q7Vx2LmT9cRw4ZbN8kYp3HsJd6FgA1eU5oXi"


def make_repo(path: Path, *, bare: bool = False) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", *(["--bare"] if bare else []))
    return path


def names(targets: list[Target]) -> list[str]:
    return [t.name for t in targets]


def test_a_work_tree_and_a_bare_repository_are_local_targets(tmp_path):
    work = make_repo(tmp_path / "work")
    bare = make_repo(tmp_path / "bare.git", bare=True)
    found = expand_targets([str(work / "."), str(bare)])
    assert found == [Target(str(work.resolve()), str(work.resolve()), False),
                     Target(str(bare.resolve()), str(bare.resolve()), False)]


def test_a_folder_is_searched_three_levels_down_without_links_or_git_internals(tmp_path):
    root = tmp_path / "src"
    a = make_repo(root / "a")
    b = make_repo(root / "org" / "b.git", bare=True)
    c = make_repo(root / "x" / "y" / "c")
    make_repo(root / "x" / "y" / "z" / "too-deep")
    make_repo(a / "vendor" / "nested")  # inside a repository's work tree: part of `a`, not a target
    outside = make_repo(tmp_path / "outside")
    os.symlink(outside, root / "link-to-outside")
    os.symlink(root, root / "org" / "loop")
    found = expand_targets([str(root)])
    assert names(found) == [str(a.resolve()), str(b.resolve()), str(c.resolve())]
    assert all(not t.remote for t in found)


def test_a_folder_holding_no_repository_is_an_error(tmp_path):
    (tmp_path / "empty" / "deeper").mkdir(parents=True)
    with pytest.raises(TargetError, match="no git repository in it"):
        expand_targets([str(tmp_path / "empty")])


def test_a_missing_path_that_is_no_url_is_an_error(tmp_path):
    with pytest.raises(TargetError, match="no such folder, and not a git URL"):
        expand_targets([str(tmp_path / "nowhere")])
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(TargetError, match="not a folder"):
        expand_targets([str(tmp_path / "file.txt")])


def test_one_repository_spelled_four_ways_is_audited_once_under_one_name():
    found = expand_targets([f"https://x-access-token:{TOKEN}@github.com/acme/payments.git",
                            "git@github.com:acme/payments.git", "ssh://git@github.com/acme/payments",
                            "https://GitHub.com/acme/payments/", "https://github.com:8443/acme/payments"])
    assert names(found) == ["github.com/acme/payments", "github.com:8443/acme/payments"]
    assert found[0].remote and found[0].location.startswith("https://x-access-token:")


def test_url_credentials_stay_out_of_names_reprs_and_messages():
    target = expand_targets([f"https://ci:{TOKEN}@gitlab.example.com/group/sub/repo.git"])[0]
    assert target.name == "gitlab.example.com/group/sub/repo"
    assert TOKEN not in repr(target) and TOKEN not in target.safe_location and TOKEN not in str([target])
    assert target.safe_location == "https://gitlab.example.com/group/sub/repo.git"
    for bad in (f"https://ci:{TOKEN}@gitlab.example.com/", f"http://ci:{TOKEN}@gitlab.example.com/g/r",
                f"https://ci:{TOKEN}@host:notaport/g/r", f"ftp://ci:{TOKEN}@host/g/r"):
        with pytest.raises(TargetError) as caught:
            expand_targets([bad])
        assert TOKEN not in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(("arg", "why"), [
    ("ext::sh -c touch% /tmp/leakstop-pwned", "'ext::' transport runs a program"),
    ("fd::3", "'fd::' transport runs a program"),
    ("https::github.com/acme/payments", "'https::' transport runs a program"),
    ("http://github.com/acme/payments", "plain http"),
    ("git://github.com/acme/payments", "unsupported URL scheme 'git'"),
    ("https://github.com", "no repository path"),
    ("https://github.com/acme/../payments", "no repository path"),
    ("ssh://-oProxyCommand=touch%20x/acme/payments", "no valid host name"),
    ("-oProxyCommand=touch%20x@github.com:acme/payments", "a user name cannot start with '-'"),
    ("ssh://-oProxyCommand=x@github.com/acme/payments", "a user name cannot start with '-'"),
    ("https://github.com/acme/pay ments", "no spaces or control characters"),
    ("file://otherhost/srv/repo.git", "a path on this machine"),
])
def test_urls_that_git_should_never_be_given_are_refused(arg, why):
    with pytest.raises(TargetError, match=why.replace("(", r"\(").replace(".", r"\.")):
        expand_targets([arg])


def test_a_file_url_is_remote_and_named_by_its_resolved_path(tmp_path):
    bare = make_repo(tmp_path / "r.git", bare=True)
    (target,) = expand_targets([f"file://{bare}"])
    assert target == Target(str(bare.resolve()), f"file://{bare}", True)


def test_a_targets_file_takes_one_target_a_line_with_comments_and_duplicates(tmp_path, monkeypatch):
    make_repo(tmp_path / "here")
    listing = tmp_path / "targets.txt"
    listing.write_text("# the payments team\n\n  https://github.com/acme/payments.git  \n"
                       "git@github.com:acme/payments\n./here\r\n# done\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    found = expand_targets(["https://gitlab.com/acme/infra"], targets_file=listing)
    assert names(found) == ["gitlab.com/acme/infra", "github.com/acme/payments", str((tmp_path / "here").resolve())]


def test_a_bad_line_in_a_targets_file_is_named_by_its_number(tmp_path):
    listing = tmp_path / "targets.txt"
    listing.write_text("https://github.com/acme/a\n\next::sh -c id\n")
    with pytest.raises(TargetError, match=r"targets\.txt:3: refused: git's 'ext::'"):
        expand_targets([], targets_file=listing)


def test_targets_files_are_bounded_in_line_length_count_and_encoding(tmp_path, monkeypatch):
    listing = tmp_path / "targets.txt"
    listing.write_text("https://github.com/acme/" + "a" * 5000 + "\n")
    with pytest.raises(TargetError, match=r":1: a line longer than 4096"):
        expand_targets([], targets_file=listing)
    listing.write_bytes(b"https://github.com/acme/\xff\n")
    with pytest.raises(TargetError, match="not UTF-8"):
        expand_targets([], targets_file=listing)
    monkeypatch.setattr(targets_module, "MAX_TARGETS", 3)
    listing.write_text("".join(f"https://github.com/acme/r{i}\n" for i in range(4)))
    with pytest.raises(TargetError, match="more than 3 targets"):
        expand_targets([], targets_file=listing)
    with pytest.raises(TargetError, match="more than 3 repositories"):
        expand_targets([f"https://github.com/acme/r{i}" for i in range(4)])
    with pytest.raises(TargetError, match="cannot read the targets file"):
        expand_targets([], targets_file=tmp_path / "missing.txt")


def test_an_empty_argument_is_an_error():
    with pytest.raises(TargetError, match="an empty target"):
        expand_targets([""])


# --- forge listings, against a local HTTPS fake of the GitHub and GitLab APIs -------------------------------

from verify_fake import Answer, Seen, fake_providers_for  # noqa: E402

from scanner.audit import forges  # noqa: E402
from scanner.audit.forges import ApiOptions  # noqa: E402
from scanner.audit.targets import list_github_org, list_gitlab_group  # noqa: E402


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    return fake_providers_for(lambda: tmp_path_factory.mktemp("ca"))


class Clock:
    """Time that passes only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def options(fake, clock):
    return ApiOptions(sleep=clock.sleep, clock=clock.time, timeout=5.0, ca_bundle=fake.ca)


def github_repo(name: str, *, fork: bool = False, archived: bool = False) -> dict[str, object]:
    return {"full_name": f"acme/{name}", "clone_url": f"https://github.com/acme/{name}.git", "fork": fork,
            "archived": archived, "private": True}


def pages(fake, bodies: list[object], *, path: str = "/orgs/acme/repos") -> None:
    """Serve `bodies` as pages 1..n of `path`, linked by `Link: rel="next"`."""
    def respond(seen: Seen) -> Answer:
        if seen.path != path:
            return Answer(404, {"message": "Not Found"})
        page = int(dict(p.split("=") for p in seen.query.split("&")).get("page", "1"))
        headers = ((("Link", f'<{fake.url}{path}?per_page=100&type=all&page={page + 1}>; rel="next", '
                             f'<{fake.url}{path}?page=1>; rel="first"'),) if page < len(bodies) else ())
        return Answer(200, bodies[page - 1], headers)
    fake.reset(respond)


def test_a_github_organisation_is_listed_page_by_page_with_the_token_in_a_header(fake, options):
    pages(fake, [[github_repo("api"), github_repo("old", archived=True)], [github_repo("fork-of-x", fork=True)],
                 [github_repo("web")]])
    found = list_github_org("acme", api_url=fake.url, token=TOKEN, options=options)
    assert found == [Target("github.com/acme/api", "https://github.com/acme/api.git", True),
                     Target("github.com/acme/old", "https://github.com/acme/old.git", True),
                     Target("github.com/acme/web", "https://github.com/acme/web.git", True)]
    assert [s.query for s in fake.seen] == ["per_page=100&type=all", "per_page=100&type=all&page=2",
                                            "per_page=100&type=all&page=3"]
    assert {s.headers["authorization"] for s in fake.seen} == {f"Bearer {TOKEN}"}
    with_forks = list_github_org("acme", api_url=fake.url, options=options, include_forks=True,
                                 include_archived=False)
    assert names(with_forks) == ["github.com/acme/api", "github.com/acme/fork-of-x", "github.com/acme/web"]
    assert "authorization" not in fake.seen[-1].headers


def test_a_gitlab_group_is_listed_with_its_subgroups_through_x_next_page(fake, options):
    projects = [[{"path_with_namespace": f"acme/team{i}/svc", "archived": False,
                  "http_url_to_repo": f"https://gitlab.com/acme/team{i}/svc.git"}] for i in range(3)]
    projects[1].append({"http_url_to_repo": "https://gitlab.com/acme/forked.git", "forked_from_project": {"id": 1}})

    def respond(seen: Seen) -> Answer:
        page = int(dict(p.split("=") for p in seen.query.split("&")).get("page", "1"))
        more = (("X-Next-Page", str(page + 1)),) if page < 3 else (("X-Next-Page", ""),)
        return Answer(200, projects[page - 1], more)
    fake.reset(respond)
    found = list_gitlab_group("acme/platform", api_url=fake.url + "/api/v4", token=TOKEN, options=options)
    assert names(found) == ["gitlab.com/acme/team0/svc", "gitlab.com/acme/team1/svc", "gitlab.com/acme/team2/svc"]
    assert {s.path for s in fake.seen} == {"/api/v4/groups/acme%2Fplatform/projects"}
    assert all("include_subgroups=true" in s.query for s in fake.seen)
    assert [s.query.rpartition("page=")[2] for s in fake.seen[1:]] == ["2", "3"]
    assert {s.headers["private-token"] for s in fake.seen} == {TOKEN}


def test_server_errors_are_retried_a_few_times_then_reported_in_one_line(fake, options, clock):
    answers = iter([Answer(502, "bad gateway"), Answer(500, {}), Answer(200, [github_repo("api")])])
    fake.reset(lambda seen: next(answers))
    assert names(list_github_org("acme", api_url=fake.url, options=options)) == ["github.com/acme/api"]
    assert clock.slept == [1.0, 2.0]
    fake.reset(lambda seen: Answer(503, "down"))
    with pytest.raises(TargetError) as caught:
        list_github_org("acme", api_url=fake.url, token=TOKEN, options=options)
    assert str(caught.value) == f"GitHub organisation acme: 127.0.0.1:{fake.url.rpartition(':')[2]} answered 503 " \
                                "(4 tries, page 1)"
    assert len(fake.seen) == forges.RETRIES + 1


def test_a_short_rate_limit_is_waited_out_and_a_long_one_reported(fake, options, clock):
    answers = iter([Answer(429, {"message": "slow down"}, (("Retry-After", "7"),)),
                    Answer(403, {"message": "API rate limit exceeded"},
                           (("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", str(int(clock.now) + 30)))),
                    Answer(200, [github_repo("api")])])
    fake.reset(lambda seen: next(answers))
    assert names(list_github_org("acme", api_url=fake.url, options=options)) == ["github.com/acme/api"]
    assert clock.slept == [7.0, 24.0]  # the reset time was 30 s away before the first 7 s wait, plus 1 s
    clock.slept.clear()
    fake.reset(lambda seen: Answer(403, {"message": "API rate limit exceeded"}, (
        ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", str(int(clock.now) + 3600)))))
    with pytest.raises(TargetError, match=r"rate limited by 127\.0\.0\.1:\d+ for 3601 s more; run again later "
                                          r"\(no token given: set GITHUB_TOKEN\)$"):
        list_github_org("acme", api_url=fake.url, options=options)
    assert clock.slept == [] and len(fake.seen) == 1


def test_a_403_that_is_no_rate_limit_and_a_401_are_reported_without_the_token(fake, options, clock):
    fake.reset(lambda seen: Answer(403, {"message": "Resource not accessible"}))
    with pytest.raises(TargetError, match="forbids the listing") as caught:
        list_github_org("acme", api_url=fake.url, token=TOKEN, options=options)
    fake.reset(lambda seen: Answer(401, {"message": "Bad credentials"}))
    with pytest.raises(TargetError, match="refused the credentials") as refused:
        list_gitlab_group("acme", api_url=fake.url, token=TOKEN, options=options)
    assert TOKEN not in str(caught.value) + str(refused.value) and clock.slept == []


@pytest.mark.parametrize(("body", "why"), [
    (b"[{\"clone_url\": ", r"malformed JSON from .* \(page 1\)"),
    ({"message": "not a list"}, r"page 1 is not a list"),
    ([{"name": "api"}], r"entry 1 has no clone_url"),
    ([{"clone_url": "ext::sh -c touch% /tmp/leakstop-pwned"}], r"refused: git's 'ext::' transport"),
])
def test_a_malformed_page_is_one_line(fake, options, body, why):
    fake.reset(lambda seen: Answer(200, body))
    with pytest.raises(TargetError, match=why) as caught:
        list_github_org("acme", api_url=fake.url, options=options)
    assert "\n" not in str(caught.value)


def test_a_next_link_seen_before_ends_the_listing(fake, options):
    fake.reset(lambda seen: Answer(200, [github_repo("api")], (
        ("Link", f'<{fake.url}/orgs/acme/repos?page=2>; rel="next"'),)))
    with pytest.raises(TargetError, match=r"next-page link already followed \(page 3\): the listing never ends"):
        list_github_org("acme", api_url=fake.url, options=options)
    assert len(fake.seen) == 2


def test_pages_without_end_stop_at_the_page_bound(fake, options, monkeypatch):
    monkeypatch.setattr(forges, "MAX_PAGES", 5)
    fake.reset(lambda seen: Answer(200, [], (("Link", f'<{fake.url}/orgs/acme/repos?page={len(fake.seen) + 1}>;'
                                                     ' rel="next"'),)))
    with pytest.raises(TargetError, match="more than 5 pages"):
        list_github_org("acme", api_url=fake.url, options=options)
    assert len(fake.seen) == 5


def test_only_the_api_host_is_contacted(fake, options):
    fake.reset(lambda seen: Answer(200, [], (("Link", '<https://elsewhere.invalid/orgs/acme/repos?page=2>; '
                                                      'rel="next"'),)))
    with pytest.raises(TargetError, match="refused a next-page link away from"):
        list_github_org("acme", api_url=fake.url, token=TOKEN, options=options)
    fake.reset(lambda seen: Answer(301, {}, (("Location", "https://elsewhere.invalid/orgs/acme/repos"),)))
    with pytest.raises(TargetError, match="refused a redirect away from"):
        list_github_org("acme", api_url=fake.url, token=TOKEN, options=options)
    assert len(fake.seen) == 1


def test_a_redirect_on_the_api_host_is_followed(fake, options):
    def respond(seen: Seen) -> Answer:
        if seen.path == "/orgs/acme/repos":
            return Answer(301, {}, (("Location", "/organizations/42/repos?per_page=100"),))
        return Answer(200, [github_repo("api")])
    fake.reset(respond)
    assert names(list_github_org("acme", api_url=fake.url, options=options)) == ["github.com/acme/api"]


@pytest.mark.parametrize("api_url", ["http://api.github.example.com", "ftp://127.0.0.1", "https://u:p@h.example"])
def test_the_api_url_must_be_https_except_on_this_machine(api_url):
    with pytest.raises(TargetError, match="API URL"):
        list_github_org("acme", api_url=api_url)


@pytest.mark.parametrize("org", ["", "../admin", "acme/sub", "-x", "a b"])
def test_an_organisation_name_is_checked_before_any_request(org, fake, options):
    fake.reset(lambda seen: Answer(200, []))
    with pytest.raises(TargetError, match="is not a GitHub organisation name"):
        list_github_org(org, api_url=fake.url, options=options)
    assert fake.seen == []


def test_an_unreachable_api_is_retried_then_reported(options, clock):
    with pytest.raises(TargetError, match=r"127\.0\.0\.1:1 could not be reached \(ConnectError\) \(4 tries"):
        list_gitlab_group("acme", api_url="https://127.0.0.1:1/api/v4", options=options)
    assert clock.slept == [1.0, 2.0, 4.0]


def test_the_token_goes_into_clone_urls_only_when_asked_and_only_for_the_forges_own_host(fake, options):
    port = fake.url.rpartition(":")[2]
    own = f"https://127.0.0.1:{port}/acme/api.git"
    fake.reset(lambda seen: Answer(200, [{"clone_url": own}, {"clone_url": "https://collector.example/acme/x.git"}]))
    plain = list_github_org("acme", api_url=fake.url, token=TOKEN, options=options)
    assert [t.location for t in plain] == [own, "https://collector.example/acme/x.git"]
    asked = list_github_org("acme", api_url=fake.url, token=TOKEN, options=options, token_in_clone_urls=True)
    assert [t.location for t in asked] == [f"https://x-access-token:{TOKEN}@127.0.0.1:{port}/acme/api.git",
                                           "https://collector.example/acme/x.git"]
    assert [t.name for t in asked] == [t.name for t in plain] and TOKEN not in repr(asked)
    fake.reset(lambda seen: Answer(200, [{"http_url_to_repo": own}]))
    (gitlab,) = list_gitlab_group("acme", api_url=fake.url, token=TOKEN, options=options, token_in_clone_urls=True)
    assert gitlab.location.startswith(f"https://oauth2:{TOKEN}@")
