"""A local HTTPS server that answers as providers do, trusted through a CA made for the test run.

Verification tests point leakstop at it with the test-only base-URL override; the server records every
request (host, method, path, headers, body) so a test can check what would have left the machine.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Seen:
    host: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int
    body: object = None
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body if self.body is not None else {}).encode()


def make_ca(folder: Path) -> tuple[Path, Path, Path]:
    """(ca.pem, server.pem, server.key): a CA and a certificate for 127.0.0.1 it signed, by `openssl`."""
    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=leakstop test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1")
    (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                    "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


@dataclass
class FakeProviders:
    """Answers with `respond(seen)`; every request is kept in `seen`."""

    respond: Callable[[Seen], Answer] = lambda seen: Answer(404, {"message": "no such route"})
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    ca: Path = Path()

    def reset(self, respond: Callable[[Seen], Answer]) -> None:
        self.respond = respond
        self.seen.clear()


def start(folder: Path) -> tuple[FakeProviders, ThreadingHTTPServer]:
    ca, cert, key = make_ca(folder)
    fake = FakeProviders(ca=ca)

    class Handler(BaseHTTPRequestHandler):
        def handle_any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            seen = Seen(self.headers.get("Host", ""), self.command, parts.path, parts.query,
                        {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length) if length else b"")
            fake.seen.append(seen)
            answer = fake.respond(seen)
            if answer.delay:
                time.sleep(answer.delay)
            body = answer.encoded()
            try:
                self.send_response(answer.status)
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass

        do_GET = do_POST = do_HEAD = handle_any

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    fake.url = f"https://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server


@dataclass
class Running:
    fake: FakeProviders
    server: ThreadingHTTPServer


_RUNNING: list[Running] = []


def fake_providers_for(folder_factory: Callable[[], Path]) -> FakeProviders:
    """One server per test session (certificates take a moment to make)."""
    if not _RUNNING:
        fake, server = start(folder_factory())
        _RUNNING.append(Running(fake, server))
    return _RUNNING[0].fake


def override_env(fake: FakeProviders) -> dict[str, str]:
    return {"LEAKSTOP_VERIFY_TEST_BASE_URL": fake.url, "LEAKSTOP_VERIFY_TEST_CA": str(fake.ca)}
