"""Until the audit-targets branch lands: a private stand-in for scanner.audit.targets and .mirrors that
handles local repositories only, installed by the audit tests when the real modules are missing."""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


def install() -> None:
    if "scanner.audit.targets" in sys.modules or importlib.util.find_spec("scanner.audit.targets") is not None:
        return
    from scanner.errors import ScannerError

    targets = types.ModuleType("scanner.audit.targets")
    mirrors = types.ModuleType("scanner.audit.mirrors")

    @dataclass(frozen=True)
    class Target:
        name: str
        location: str
        remote: bool

    class TargetError(ScannerError):
        pass

    class MirrorError(ScannerError):
        pass

    def one(path: Path) -> list[Target]:
        if (path / ".git").exists() or (path / "HEAD").is_file():
            return [Target(str(path.resolve()), str(path.resolve()), False)]
        if path.is_dir():
            return [t for child in sorted(path.iterdir()) if child.is_dir() for t in one(child)]
        raise TargetError(f"{path}: no such repository")

    def expand_targets(args: Sequence[str], targets_file: Path | None = None) -> list[Target]:
        lines = targets_file.read_text().split() if targets_file else []
        return [t for arg in [*args, *lines] for t in one(Path(arg))]

    def unsupported(*args: object, **kwargs: object) -> list[Target]:
        raise TargetError("forge listings need the audit-targets branch")

    def mirror(target: Target, cache_dir: Path) -> Path:
        raise MirrorError(f"{target.name}: cannot clone in the stand-in")

    Target.__module__ = TargetError.__module__ = "scanner.audit.targets"
    targets.__dict__.update(Target=Target, TargetError=TargetError, expand_targets=expand_targets,
                            list_github_org=unsupported, list_gitlab_group=unsupported)
    mirrors.__dict__.update(MirrorError=MirrorError, mirror=mirror, default_cache_dir=lambda: Path("/nonexistent"))
    sys.modules["scanner.audit.targets"] = targets
    sys.modules["scanner.audit.mirrors"] = mirrors
