"""Kept for the git hooks that earlier versions installed: they run `from scanner.launch import main`."""

from __future__ import annotations

from scanner.cli.launch import main

__all__ = ["main"]
