"""Clones and fetches for `leakstop audit`'s clone cache: the one git call that reaches a remote.

Every other call (runner.py) refuses every transport; a transfer allows the protocols its remote needs
and nothing more, runs in a session of its own and is stopped, with its helpers, at its timeout.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import GitError
from scanner.git.runner import SAFE_ENV, git_command, git_env

TRANSFER_PROTOCOLS = frozenset({"https", "ssh", "file"})
"""The transports a mirror may use; never `ext` or `fd` (they run programs) nor plain `http`/`git`."""


@dataclass(frozen=True)
class Transfer:
    """How one clone or fetch may reach its remote, beyond every call's safety settings."""

    protocols: frozenset[str]
    timeout: float
    config: tuple[str, ...] = ()
    """`-c` pairs given after SAFE_CONFIG: the user's own credential helper and ssh command, which
    SAFE_CONFIG turns off for every other call."""
    env: tuple[tuple[str, str], ...] = ()
    """Variables added for this call (the user's GIT_SSH_COMMAND, a URL's credentials for the helper)."""


def git_transfer(cwd: Path, *args: str, transfer: Transfer) -> tuple[int, str]:
    """Run a clone or fetch: exit code and stderr, or (-1, why) when it ran out of time.

    It runs in a session of its own, with no standard input: ssh cannot open the terminal to ask for a
    password or a host key, git cannot prompt (GIT_TERMINAL_PROMPT=0), and at the timeout the whole
    group (git, its remote helper, ssh, a local upload-pack) is stopped, not git alone."""
    if not transfer.protocols <= TRANSFER_PROTOCOLS:
        raise GitError(f"transports not allowed for a transfer: {', '.join(sorted(transfer.protocols))}")
    env = {**git_env(), **dict(transfer.env), **SAFE_ENV, "GIT_ALLOW_PROTOCOL": ":".join(sorted(transfer.protocols))}
    proc = subprocess.Popen(git_command(*transfer.config, *args), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=os.name != "nt")
    try:
        _, err = proc.communicate(timeout=transfer.timeout)
    except subprocess.TimeoutExpired:
        _stop_group(proc)
        return -1, f"git {args[0] if args else ''} timed out after {transfer.timeout:g} s"
    finally:
        if proc.poll() is None:
            _stop_group(proc)
    return proc.returncode, err.decode("utf-8", "replace")


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    if os.name != "nt":
        import signal

        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
    else:
        proc.kill()
    proc.communicate()
