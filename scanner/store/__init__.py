"""The findings store: what audits found, where, and what people decided about it, in one SQLite file.

It holds fingerprints, redacted previews and locations, never a secret, so the file can be shared with the
people who triage. One process writes (the one that runs the audit); any number may read meanwhile.
"""

from __future__ import annotations

from pathlib import Path

from scanner.errors import ScannerError


class StoreError(ScannerError):
    """The store cannot be opened, is not a leakstop store, or is newer than this leakstop."""


def default_store_path() -> Path:
    """`audit.sqlite` in the user's data folder (not the cache: triage decisions must not be pruned)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("leakstop")) / "audit.sqlite"
