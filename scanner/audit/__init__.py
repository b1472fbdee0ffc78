"""Org-wide audits: many repositories' histories scanned as independent tasks (a local process pool or a
Dask cluster), their secret-free results written to the findings store by the one process that owns it,
and each repository audited again incrementally from the ref tips the store remembers (in full when what
decides its findings, its policy, changed since: `policy.py`).

`targets.py` turns what the user names (paths, folders of repositories, URLs, forge organisations) into
targets; `mirrors.py` keeps bare mirrors of remote ones; `task.py` audits one repository; `executors.py`
runs the tasks; `run.py` drives an audit against the store; `listing.py` and `html_report.py` read the
store back out.
"""

from __future__ import annotations

from scanner.errors import ScannerError


class AuditError(ScannerError):
    """An audit cannot run at all (no targets, an unreachable Dask scheduler); a repository that fails is
    recorded in the store instead."""
