"""The repositories of a GitHub organisation or a GitLab group, listed through the forge's REST API.

Only the configured API host is ever contacted (a redirect or a next-page link elsewhere is refused), the
token goes in a header and never into a message, and every way a forge can misbehave ends in one line:
5xx answers are retried a few times, a short rate limit is waited out and a long one reported, and a
malformed page or a pagination that never ends stops the listing.
"""

from __future__ import annotations

import json
import re
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Callable
from urllib.parse import SplitResult, quote, urljoin, urlsplit

from scanner.audit.target import Target, TargetError, api_base, remote_target
from scanner.printable import visible

MAX_PAGES = 1000
"""100 repositories a page: 100,000 repositories, more than the largest organisations hold."""
MAX_WAIT = 60.0
"""The longest rate-limit pause waited out; a longer one is reported, for the user to run again later."""
RETRIES = 3
"""Further tries after a 5xx answer or a lost connection, with a growing pause between them."""
MAX_PAGE_BYTES = 32 * 1024 * 1024
_MAX_RATE_WAITS = 5
_MAX_REDIRECTS = 5
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


@dataclass(frozen=True)
class ApiOptions:
    """How to talk to one forge: the injected clock and sleep let tests run rate limits instantly."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    timeout: float = 30.0
    ca_bundle: Path | None = None
    """A CA file to trust instead of the system's (a self-hosted forge behind a private CA, a test)."""


@dataclass(frozen=True)
class _Listing:
    what: str
    base: SplitResult
    headers: dict[str, str]
    token_hint: str
    options: ApiOptions
    clone_login: tuple[str, str] | None = None
    """(user, token) to put in clone URLs on the forge's own host, when asked (see `token_in_clone_urls`)."""

    @property
    def host(self) -> str:
        return self.base.netloc


def list_github_org(org: str, *, api_url: str = "https://api.github.com", token: str | None = None,
                    include_forks: bool = False, include_archived: bool = True, token_in_clone_urls: bool = False,
                    options: ApiOptions | None = None) -> list[Target]:
    """The clone URLs of an organisation's repositories (archived ones too: their history still leaks;
    forks not, unless asked: their history is mostly their upstream's).

    `token_in_clone_urls` puts the token in the `location` of each target on the forge's own host, for a
    machine with no credential helper (CI): `mirror` hands it to git without writing it anywhere, but the
    location then travels with each task (to Dask workers too)."""
    _check_name(org, "a GitHub organisation", nested=False)
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    listing = _Listing(f"GitHub organisation {org}", api_base(api_url), headers,
                       "" if token else " (no token given: set GITHUB_TOKEN)", options or ApiOptions(),
                       ("x-access-token", token) if token and token_in_clone_urls else None)
    first = f"{_base_url(listing.base)}/orgs/{quote(org, safe='')}/repos?per_page=100&type=all"
    return _targets(listing, first, "clone_url",
                    lambda item: (include_forks or item.get("fork") is not True)
                    and (include_archived or item.get("archived") is not True))


def list_gitlab_group(group: str, *, api_url: str = "https://gitlab.com/api/v4", token: str | None = None,
                      include_forks: bool = False, include_archived: bool = True, token_in_clone_urls: bool = False,
                      options: ApiOptions | None = None) -> list[Target]:
    """The clone URLs of a group's projects, its subgroups' included (projects only shared with the group
    are not: they belong to another group's audit). `token_in_clone_urls`: as for `list_github_org`."""
    _check_name(group, "a GitLab group", nested=True)
    headers = {"Accept": "application/json"}
    if token:
        headers["PRIVATE-TOKEN"] = token
    listing = _Listing(f"GitLab group {group}", api_base(api_url), headers,
                       "" if token else " (no token given: set GITLAB_TOKEN)", options or ApiOptions(),
                       ("oauth2", token) if token and token_in_clone_urls else None)
    first = (f"{_base_url(listing.base)}/groups/{quote(group, safe='')}/projects?per_page=100"
             "&include_subgroups=true&with_shared=false&order_by=id&sort=asc")
    return _targets(listing, first, "http_url_to_repo",
                    lambda item: (include_forks or "forked_from_project" not in item)
                    and (include_archived or item.get("archived") is not True))


def _check_name(name: str, what: str, *, nested: bool) -> None:
    if not _NAME.match(name) or (not nested and "/" in name) or len(name) > 255:
        raise TargetError(f"{visible(name)[:100]!r} is not {what} name")


def _base_url(base: SplitResult) -> str:
    return f"{base.scheme}://{base.netloc}{base.path}"


def _targets(listing: _Listing, first: str, url_key: str, wanted: Callable[[dict[str, Any]], bool]
             ) -> list[Target]:
    targets: list[Target] = []
    for page, items in enumerate(_pages(listing, first), 1):
        for index, item in enumerate(items):
            url = item.get(url_key) if isinstance(item, dict) else None
            if not isinstance(url, str):
                raise TargetError(f"{listing.what}: malformed answer from {listing.host} (page {page}, "
                                  f"entry {index + 1} has no {url_key})")
            if wanted(item):
                try:
                    targets.append(_with_login(listing, remote_target(url)))
                except TargetError as exc:
                    raise TargetError(f"{listing.what}: {exc}") from None
    return targets


def _with_login(listing: _Listing, target: Target) -> Target:
    """The target with the token in its URL, if asked and only on the forge's own host (the API's host,
    or the host `api.` names): a listing that named another host must not collect the token."""
    parts = urlsplit(target.location)
    host = (parts.hostname or "").lower()
    api_host = (listing.base.hostname or "").lower()
    if listing.clone_login is None or parts.scheme != "https" or "@" in parts.netloc:
        return target
    if host != api_host and f"api.{host}" != api_host:
        return target
    user, token = (quote(part, safe="") for part in listing.clone_login)
    return replace(target, location=parts._replace(netloc=f"{user}:{token}@{parts.netloc}").geturl())


def _pages(listing: _Listing, first: str) -> Iterator[list[Any]]:
    """Each page's entries, following `Link: rel="next"` (or GitLab's `X-Next-Page`) on the API host."""
    http = _client(listing.options)
    seen: set[str] = set()
    url: str | None = first
    try:
        for page in range(1, MAX_PAGES + 1):
            assert url is not None
            if url in seen:
                raise TargetError(f"{listing.what}: {listing.host} sent a next-page link already followed "
                                  f"(page {page}): the listing never ends")
            seen.add(url)
            headers, body = _get(http, listing, url, page)
            yield _entries(listing, body, page)
            url = _next_url(listing, url, headers)
            if url is None:
                return
        raise TargetError(f"{listing.what}: more than {MAX_PAGES} pages from {listing.host}: the listing never ends")
    finally:
        http.close()


def _client(options: ApiOptions) -> Any:
    try:
        import httpx
    except ImportError:
        raise TargetError("listing a forge's repositories needs httpx: pip install 'leakstop[forge]'") from None
    verify: Any = ssl.create_default_context(cafile=str(options.ca_bundle)) if options.ca_bundle else True
    return httpx.Client(timeout=options.timeout, follow_redirects=False, verify=verify)


def _entries(listing: _Listing, body: bytes, page: int) -> list[Any]:
    try:
        entries = json.loads(body)
    except ValueError:
        raise TargetError(f"{listing.what}: malformed JSON from {listing.host} (page {page})") from None
    if not isinstance(entries, list):
        raise TargetError(f"{listing.what}: malformed answer from {listing.host} (page {page} is not a list)")
    return entries


def _get(http: Any, listing: _Listing, url: str, page: int) -> tuple[dict[str, str], bytes]:
    """A 200 answer's headers and body: 5xx and lost connections are retried, short rate limits waited
    out, redirects followed on the API host only; anything else is a TargetError."""
    failures = rate_waits = redirects = 0
    while True:
        answer = _fetch(http, listing, url, page)
        status, headers, body = (0, {}, b"") if isinstance(answer, str) else answer
        if status == 200:
            return headers, body
        if status == 0 or status >= 500:
            failures += 1
            if failures > RETRIES:
                why = answer if isinstance(answer, str) else f"answered {status}"
                raise TargetError(f"{listing.what}: {listing.host} {why} ({failures} tries, page {page})")
            listing.options.sleep(float(2 ** (failures - 1)))
            continue
        if status in (403, 429):
            wait = _rate_limit_wait(status, headers, listing.options.clock())
            if wait is not None and wait <= MAX_WAIT and rate_waits < _MAX_RATE_WAITS:
                rate_waits += 1
                listing.options.sleep(wait)
                continue
            if wait is not None:
                raise TargetError(f"{listing.what}: rate limited by {listing.host} for {wait:.0f} s more; "
                                  f"run again later{listing.token_hint}")
        if 300 <= status < 400 and redirects < _MAX_REDIRECTS:
            redirects += 1
            url = _same_host(listing, urljoin(url, headers.get("location", "")), "a redirect")
            continue
        raise TargetError(_refusal(listing, status, page))


def _fetch(http: Any, listing: _Listing, url: str, page: int) -> tuple[int, dict[str, str], bytes] | str:
    """One GET: (status, lower-cased headers, body), or why the connection failed."""
    import httpx

    try:
        with http.stream("GET", url, headers=listing.headers) as response:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_PAGE_BYTES:
                    raise TargetError(f"{listing.what}: page {page} from {listing.host} is larger than "
                                      f"{MAX_PAGE_BYTES // (1024 * 1024)} MiB")
            return response.status_code, {k.lower(): v for k, v in response.headers.items()}, bytes(body)
    except httpx.TimeoutException:
        return "timed out"
    except httpx.HTTPError as exc:
        return f"could not be reached ({type(exc).__name__})"


def _refusal(listing: _Listing, status: int, page: int) -> str:
    if status == 401:
        return f"{listing.what}: {listing.host} refused the credentials (401){listing.token_hint}"
    if status == 403:
        return f"{listing.what}: {listing.host} forbids the listing (403){listing.token_hint}"
    if status == 404:
        return f"{listing.what}: not found on {listing.host} (404), or not visible{listing.token_hint}"
    if 300 <= status < 400:
        return f"{listing.what}: {listing.host} redirected more than {_MAX_REDIRECTS} times"
    return f"{listing.what}: {listing.host} answered {status} (page {page})"


def _rate_limit_wait(status: int, headers: dict[str, str], now: float) -> float | None:
    """Seconds until the forge takes requests again, or None when a 403 is no rate limit."""
    retry_after = headers.get("retry-after", "").strip()
    if retry_after.isdigit():
        return float(retry_after)
    if retry_after:
        try:
            return max(0.0, parsedate_to_datetime(retry_after).timestamp() - now)
        except (TypeError, ValueError):
            pass
    remaining = headers.get("x-ratelimit-remaining", headers.get("ratelimit-remaining", ""))
    reset = headers.get("x-ratelimit-reset", headers.get("ratelimit-reset", "")).strip()
    if remaining.strip() == "0" and reset.isdigit():
        return max(0.0, int(reset) - now) + 1.0
    return 2.0 if status == 429 else None


_LINK = re.compile(r'<([^>]*)>\s*;[^,]*\brel="?next"?', re.IGNORECASE)


def _next_url(listing: _Listing, current: str, headers: dict[str, str]) -> str | None:
    """The next page: the `Link` header's rel="next" (GitHub, GitLab), else GitLab's `X-Next-Page`."""
    link = _LINK.search(headers.get("link", ""))
    if link:
        return _same_host(listing, urljoin(current, link.group(1)), "a next-page link")
    next_page = headers.get("x-next-page", "").strip()
    if not next_page:
        return None
    if not next_page.isdigit():
        raise TargetError(f"{listing.what}: malformed X-Next-Page from {listing.host}")
    parts = urlsplit(current)
    query = [p for p in parts.query.split("&") if p and not p.startswith("page=")]
    return parts._replace(query="&".join([*query, f"page={next_page}"])).geturl()


def _same_host(listing: _Listing, url: str, what: str) -> str:
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != (listing.base.scheme, listing.base.netloc):
        raise TargetError(f"{listing.what}: refused {what} away from {listing.host}")
    return url
