"""The few exceptions leakstop raises on purpose.

Every one of them means "the scan could not be trusted"; the CLI turns each into a one-line message and
exit code 2, so deep code raises them instead of printing or exiting.
"""

from __future__ import annotations


class ScannerError(Exception):
    """Something the user must fix before a scan can be trusted (exit 2)."""


class RuleError(ScannerError):
    """A rule file or a rule in it is malformed."""


class ConfigError(ScannerError):
    """A configuration, ignore or baseline file is malformed."""


class GitError(ScannerError):
    """git failed, is missing, or the repository cannot be read completely."""


class SourceError(ScannerError):
    """A target (file, folder, stdin) cannot be read."""
