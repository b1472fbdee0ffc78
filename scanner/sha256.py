"""SHA-256 hex digests (fingerprints, cache keys) without loading OpenSSL on the pre-commit path.

`import hashlib` loads `_hashlib`, which initialises OpenSSL: ~2.5 ms of every commit's hook, to compute
one or two digests of a few dozen bytes. CPython also ships its own SHA-256 (`_sha2` since 3.12, `_sha256`
before); it gives the same digests, and hashlib stays the fallback for builds without it.
"""

from __future__ import annotations

try:  # the module names vary with the Python version, hence the broad type: ignore comments
    from _sha2 import sha256  # type: ignore[import-not-found, unused-ignore]
except ImportError:
    try:
        from _sha256 import sha256  # type: ignore[import-not-found, no-redef, unused-ignore]
    except ImportError:
        from hashlib import sha256  # type: ignore[assignment, unused-ignore]

__all__ = ["sha256", "sha256_hex"]


def sha256_hex(text: str) -> str:
    """The hex digest of the text's UTF-8 bytes (lone surrogates from undecodable paths kept as bytes)."""
    return str(sha256(text.encode("utf-8", "surrogateescape")).hexdigest())
