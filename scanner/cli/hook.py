"""`leakstop hook install` and `leakstop selftest`: install the git hook, and prove it blocks."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scanner.cli.error_handler import EXIT_CLEAN, EXIT_FINDINGS, error_handler
from scanner.cli.groups import CommandGroup

if TYPE_CHECKING:
    from scanner.cli.selftest import SelftestResult


@click.group(cls=CommandGroup)
def hook() -> None:
    """Install leakstop as a git hook (without the pre-commit framework)."""


@hook.command("install")
@click.option("--force", is_flag=True, help="Replace a hook that is not leakstop's (it is kept as *.pre-leakstop).")
@click.option("--pre-push", is_flag=True, help="Also install a pre-push hook that scans the commits being pushed.")
def install(force: bool, pre_push: bool) -> None:
    """Write a pre-commit hook that scans the staged changes (core.hooksPath is respected)."""
    with error_handler():
        from scanner.cli.hook_install import install_hook
        from scanner.errors import GitError
        from scanner.git.runner import hooks_dir, work_tree_root

        root = work_tree_root(Path.cwd())
        if root is None:
            raise GitError("not inside a git repository; run `leakstop hook install` from your repository")
        hooks = hooks_dir(root)
        for name in ["pre-commit", *(["pre-push"] if pre_push else [])]:
            done = install_hook(hooks, name, force)
            moved = f" (the previous hook is now {done.backup.name})" if done.backup else ""
            click.echo(f"leakstop: {done.action} {done.path}{moved}")


@click.command()
@click.option("--direct", is_flag=True,
              help="Test `leakstop scan --staged` itself through a fresh hook, not this repository's hook.")
@click.option("--pre-push", is_flag=True, help="Test the pre-push hook instead: the first push of a canary.")
@click.option("--action", is_flag=True,
              help="Test the GitHub Action instead: its script, dry-run on a faked push and pull request.")
@click.option("--all", "every_door", is_flag=True, help="Test the pre-commit hook, the pre-push hook and the Action.")
def selftest(direct: bool, pre_push: bool, action: bool, every_door: bool) -> None:
    """Commit (or push) a canary secret in a temporary repository through the hook and prove it is blocked.

    Exit 0 and `OK` when it is blocked; exit 1 when the hook is missing or lets the secret through. Nothing
    touches the network: the repositories are temporary, the remote a local folder, the Action's event fake."""
    with error_handler():
        results: list[SelftestResult] = []
        if every_door or not (pre_push or action):
            results.append(hook_selftest("pre-commit", direct))
        if every_door or pre_push:
            results.append(hook_selftest("pre-push", direct))
        if every_door or action:
            from scanner.cli.selftest_action import run_action_selftest

            results.extend(run_action_selftest())
        for result in results:
            click.echo(result.message, err=not result.blocked)
        sys.exit(EXIT_CLEAN if all(r.blocked for r in results) else EXIT_FINDINGS)


def hook_selftest(hook_name: str, direct: bool) -> SelftestResult:
    """The canary through one hook: this repository's, or (outside one, or with --direct) a fresh one."""
    from scanner.cli.hook_install import install_hook
    from scanner.cli.selftest import run_push_selftest, run_selftest
    from scanner.git.runner import hooks_dir, work_tree_root

    run = run_push_selftest if hook_name == "pre-push" else run_selftest
    root = None if direct else work_tree_root(Path.cwd())
    if root is None:
        # Outside a repository there is no configured hook: test leakstop's own hook, freshly written.
        why = "--direct" if direct else "not inside a git repository, so no hook of yours was tested"
        with tempfile.TemporaryDirectory(prefix="leakstop-hooks-") as tmp:
            install_hook(Path(tmp), hook_name, force=False)
            return run(Path(tmp), None, f"a fresh leakstop {hook_name} hook ({why})")
    return run(hooks_dir(root), root)
