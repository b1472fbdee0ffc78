"""leakstop: find leaked secrets in staged changes, git history and file trees."""

__version__ = "0.1.0"
