"""The HTTP side of verification: httpx with every safety rule in one place.

HTTPS only, to the host the rule declares (checked again here, after templating); redirects are never
followed; each host gets a concurrency cap and a minimum interval between requests; 429 is retried with
backoff, honouring Retry-After up to a cap; bodies are read up to a limit and never logged.
"""

from __future__ import annotations

import os
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scanner.errors import ConfigError
from scanner.verify.answer import network_error, read_answer
from scanner.verify.result import UNKNOWN, Verification
from scanner.verify.spec import VerifySpec, host_allowed
from scanner.verify.template import PreparedRequest

# Test-only: send every request to a local fake provider. Honoured only together with a CA bundle file
# (which then is the only trust anchor) and a loopback HTTPS base URL; anything else is refused.
TEST_BASE_URL_ENV = "LEAKSTOP_VERIFY_TEST_BASE_URL"
TEST_CA_ENV = "LEAKSTOP_VERIFY_TEST_CA"
LOOPBACK = ("127.0.0.1", "::1", "localhost")
MAX_BODY = 1024 * 1024
MAX_RETRY_AFTER = 30.0


@dataclass(frozen=True)
class BaseUrlOverride:
    base_url: str
    ca_bundle: str


def base_url_override() -> BaseUrlOverride | None:
    base, ca = os.environ.get(TEST_BASE_URL_ENV, ""), os.environ.get(TEST_CA_ENV, "")
    if not base and not ca:
        return None
    parts = urlsplit(base)
    if not (base and ca and Path(ca).is_file()) or parts.scheme != "https" or parts.hostname not in LOOPBACK:
        raise ConfigError(f"{TEST_BASE_URL_ENV} is for leakstop's own tests: it needs {TEST_CA_ENV} (a CA file) "
                          "and an https://127.0.0.1 base URL; refused")
    return BaseUrlOverride(base.rstrip("/"), ca)


@dataclass
class HostGate:
    """At most `limit` requests in flight to one host, and `interval` seconds between their starts."""

    limit: int
    interval: float
    slots: threading.Semaphore = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_start: float = 0.0

    def __post_init__(self) -> None:
        self.slots = threading.Semaphore(self.limit)

    def wait_turn(self) -> None:
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_start)
            self.next_start = start + self.interval
        if start > now:
            time.sleep(start - now)


@dataclass
class VerifyClient:
    """One httpx client for the run, shared by the verification threads; each host has its own gate."""

    timeout: float = 10.0
    per_host: int = 2
    interval: float = 0.2
    retries: int = 2
    sleep: Callable[[float], None] = time.sleep
    override: BaseUrlOverride | None = None
    _gates: dict[str, HostGate] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _http: Any = None

    def __post_init__(self) -> None:
        try:
            import httpx
        except ImportError as exc:
            raise ConfigError("--verify needs httpx: pip install 'leakstop[verify]'") from exc
        verify: Any = ssl.create_default_context(cafile=self.override.ca_bundle) if self.override else True
        self._http = httpx.Client(timeout=httpx.Timeout(self.timeout), follow_redirects=False, verify=verify,
                                  trust_env=self.override is None, http2=False)

    def close(self) -> None:
        self._http.close()

    def gate(self, host: str) -> HostGate:
        with self._lock:
            return self._gates.setdefault(host, HostGate(self.per_host, self.interval))

    def verify(self, spec: VerifySpec, request: PreparedRequest) -> Verification:
        endpoint = request.endpoint
        if urlsplit(request.url).scheme != "https" or not host_allowed(request.host, spec.host):
            return network_error(f"refused: {request.host} is not the declared host {spec.host}", endpoint)
        for attempt in range(self.retries + 1):
            answer = self.send_once(request, endpoint)
            if isinstance(answer, Verification):
                return answer
            status, headers, body = answer
            if status == 429 and attempt < self.retries:
                self.sleep(retry_delay(headers.get("retry-after", ""), attempt))
                continue
            if 300 <= status < 400:
                return redirect_answer(spec, headers.get("location", ""), status, endpoint)
            return read_answer(spec, status, headers, body, endpoint)
        raise AssertionError("unreachable")

    def send_once(self, request: PreparedRequest, endpoint: str
                  ) -> Verification | tuple[int, dict[str, str], bytes]:
        import httpx

        url, headers = request.url, dict(request.headers)
        if self.override:
            parts = urlsplit(request.url)
            url = self.override.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
            headers["Host"] = request.host
        gate = self.gate(request.host)
        with gate.slots:
            gate.wait_turn()
            try:
                with self._http.stream(request.method, url, headers=headers, content=request.body or None) as resp:
                    body = bytearray()
                    for chunk in resp.iter_bytes():
                        body += chunk
                        if len(body) > MAX_BODY:
                            break
                    return resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, bytes(body)
            except httpx.TimeoutException:
                return network_error(f"timed out after {self.timeout:g} s", endpoint)
            except httpx.HTTPError as exc:
                return network_error(f"network error ({type(exc).__name__})", endpoint)


def retry_delay(retry_after: str, attempt: int) -> float:
    """Retry-After in seconds when the provider gives one (capped), else 1 s, 2 s, 4 s..."""
    try:
        return min(max(float(retry_after), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return float(2**attempt)


def redirect_answer(spec: VerifySpec, location: str, status: int, endpoint: str) -> Verification:
    target = urlsplit(location).hostname
    if target and not host_allowed(target, spec.host):
        return Verification(UNKNOWN, f"redirect to another host ({target}) refused (HTTP {status})",
                            endpoint=endpoint)
    return Verification(UNKNOWN, f"redirect not followed (HTTP {status})", endpoint=endpoint)
