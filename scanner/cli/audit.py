"""`leakstop audit`, `triage`, `findings` and `report`: many repositories into the findings store, and
what people do with the store afterwards."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click

from scanner.cli.error_handler import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, error_handler
from scanner.cli.main import ByteSize
from scanner.sources.progress import Progress
from scanner.store.records import STATUSES

if TYPE_CHECKING:
    from scanner.audit.run import AuditOutcome, AuditTarget
    from scanner.store.records import Change, RepoResult
    from scanner.store.store import Store


F = TypeVar("F", bound=Callable[..., Any])


def store_option(fn: F) -> F:
    return click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path),
                        envvar="LEAKSTOP_STORE", help="The findings store (default: audit.sqlite in the "
                        "user's data folder; also LEAKSTOP_STORE).")(fn)


def open_store(store_path: Path | None, create: bool = False) -> Store:
    from scanner.store import default_store_path
    from scanner.store.store import Store

    return Store.open(store_path or default_store_path(), create=create)


@click.command("audit")
@click.argument("targets", nargs=-1)
@click.option("--targets-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="More targets, one a line.")
@click.option("--github-org", "github_orgs", multiple=True, metavar="NAME",
              help="Every repository of a GitHub organisation (token: GITHUB_TOKEN).")
@click.option("--gitlab-group", "gitlab_groups", multiple=True, metavar="NAME",
              help="Every repository of a GitLab group (token: GITLAB_TOKEN).")
@click.option("--api-url", metavar="URL", help="The forge's API base (GitHub Enterprise, self-hosted GitLab).")
@store_option
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where bare mirrors of remote repositories are kept (default: the cache folder of the user "
                   "running each worker).")
@click.option("--dask", "dask_address", metavar="ADDRESS", default="",
              help="Run the tasks on this Dask scheduler (tcp://host:8786; needs leakstop[dask]).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local processes (default: one per core; ignored with --dask).")
@click.option("--max-file-size", type=ByteSize(), default="10MB", show_default=True,
              help="Skip larger blobs (without reading them).")
@click.option("--max-archive-depth", type=click.IntRange(min=0), default=2, show_default=True,
              help="Open archives inside archives this many levels deep (0: archives are not opened).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Apply this configuration file (its rules, disable, thresholds, exclude and allowlists) to "
                   "every repository; a configuration inside an audited repository is never applied.")
@click.option("-q", "--quiet", is_flag=True, help="No progress and no summary on stderr.")
def audit(targets: tuple[str, ...], targets_file: Path | None, github_orgs: tuple[str, ...],
          gitlab_groups: tuple[str, ...], api_url: str | None, store_path: Path | None, cache_dir: Path | None,
          dask_address: str, workers: int | None, max_file_size: int, max_archive_depth: int,
          config_file: Path | None, quiet: bool) -> None:
    """Audit the history of many repositories into the findings store; later audits scan only new commits
    (all of them again when the policy changed: configuration, rules, limits) and say what changed. Exit 2
    if a repository failed, 1 if untriaged findings remain, else 0."""
    with error_handler():
        from scanner.audit.executors import executor_for
        from scanner.audit.run import run_audit
        from scanner.ruleset.forked_compile import usable_cores

        settings = None
        if config_file is not None:
            from scanner.cli.audit_config import audit_settings

            settings = audit_settings(config_file)
        chosen = audit_targets(targets, targets_file, github_orgs, gitlab_groups, api_url)
        with open_store(store_path, create=True) as store:
            executor = executor_for(workers or usable_cores(), dask_address)
            progress = AuditProgress(len(chosen), "audit", enabled=not quiet and sys.stderr.isatty())
            try:
                outcome = run_audit(store, chosen, executor, cache_dir=cache_dir.resolve() if cache_dir else None,
                                    max_file_size=max_file_size, on_result=progress.repository_done,
                                    settings=settings, archive_depth=max_archive_depth)
            finally:
                progress.close()
                executor.close()
            click.echo(since_last_time(store, outcome.changes), nl=False)
        if not quiet:
            click.echo(summary(outcome), err=True)
        if outcome.failures:
            from scanner.printable import visible

            for name, reason in sorted(outcome.failures):
                click.echo(f"leakstop: {visible(name)}: {visible(reason)}", err=True)
            names = ", ".join(visible(name) for name, _ in outcome.failures)
            count = len(outcome.failures)
            click.echo(f"leakstop: error: {count} repositor{'y' if count == 1 else 'ies'} could not be audited: "
                       f"{names}", err=True)
            sys.exit(EXIT_ERROR)
        sys.exit(EXIT_FINDINGS if outcome.open_findings else EXIT_CLEAN)


def audit_targets(args: tuple[str, ...], targets_file: Path | None, github_orgs: tuple[str, ...],
                  gitlab_groups: tuple[str, ...], api_url: str | None) -> list[AuditTarget]:
    from scanner.audit import AuditError
    from scanner.audit.targets import TargetError, expand_targets, list_github_org, list_gitlab_group

    if api_url and github_orgs and gitlab_groups:
        raise AuditError("--api-url names one forge: use it with --github-org or with --gitlab-group, not both")
    base: dict[str, Any] = {"api_url": api_url} if api_url else {}  # else each forge's public API
    try:
        found: list[AuditTarget] = list(expand_targets(list(args), targets_file)) if args or targets_file else []
        for org in github_orgs:
            found += list_github_org(org, token=os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN"), **base)
        for group in gitlab_groups:
            found += list_gitlab_group(group, token=os.environ.get("GITLAB_TOKEN"), **base)
    except TargetError as exc:
        raise AuditError(str(exc)) from exc
    if not found:
        raise AuditError("nothing to audit: give repositories, folders of them, URLs, --targets-file, "
                         "--github-org or --gitlab-group")
    return found


class AuditProgress(Progress):
    """`audit: 12/200 repositories, 34 findings` on stderr, redrawn per repository, on a terminal only."""

    def repository_done(self, result: RepoResult, change: Change, outcome: AuditOutcome) -> None:
        if self.enabled:
            done = len(outcome.changes) + outcome.already_done
            sys.stderr.write(f"\raudit: {done}/{self.total} repositories, {outcome.findings} findings, "
                             f"{len(outcome.failures)} failed ")
            sys.stderr.flush()


def since_last_time(store: Store, changes: list[Change]) -> str:
    """One line per finding that is new, gone from HEAD, back at HEAD, or gone because the policy no longer
    reports it (with the reason), per repository."""
    from scanner.printable import visible
    from scanner.store.queries import stored_findings

    described = {f.fingerprint: f for f in stored_findings(store.db, placeless=True)}
    lines = []
    for change in sorted(changes, key=lambda c: c.name):
        for label, fingerprints in (("new", change.new), ("gone from HEAD", change.gone),
                                    ("back at HEAD", change.back)):
            for fp in fingerprints:
                f = described.get(fp)
                what = f"{f.severity} {f.rule_id} {visible(f.redacted)} [{f.status}]" if f else ""
                lines.append(f"{visible(change.name)}: {label}: {fp} {what}")
        for fp, reason in change.dropped:
            f = described.get(fp)
            what = f"{f.severity} {f.rule_id} {visible(f.redacted)} [{f.status}] " if f else ""
            lines.append(f"{visible(change.name)}: gone: {fp} {what}({visible(reason)})")
    return "".join(line + "\n" for line in lines)


def summary(outcome: AuditOutcome) -> str:
    """The totals, after a line per repository audited in full again because its policy changed."""
    from scanner.printable import visible

    new = sum(len(c.new) for c in outcome.changes)
    gone = sum(len(c.gone) for c in outcome.changes)
    back = sum(len(c.back) for c in outcome.changes)
    dropped = sum(len(c.dropped) for c in outcome.changes)
    resumed = (f" (resumed run {outcome.run_id}: {outcome.already_done} already done)"
               if outcome.already_done else "")
    reaudits = [f"{visible(c.name)}: {c.reaudit}\n" for c in sorted(outcome.changes, key=lambda c: c.name)
                if c.reaudit]
    no_longer = f", {dropped} no longer reported" if dropped else ""
    return "".join(reaudits) + (
        f"Audited {len(outcome.changes)} of {outcome.total} repositories{resumed}: {outcome.findings} findings, "
        f"{new} new, {gone} gone from HEAD, {back} back at HEAD{no_longer}; {outcome.open_findings} untriaged; "
        f"{len(outcome.failures)} failed.")


@click.command("triage")
@click.argument("fingerprint")
@click.option("--status", required=True, type=click.Choice(STATUSES), help="The decision.")
@click.option("--note", default="", help="Why (kept with the decision).")
@store_option
def triage(fingerprint: str, status: str, note: str, store_path: Path | None) -> None:
    """Record a decision about one finding (every repository it is in); earlier decisions are kept."""
    with error_handler():
        who = triager()
        with open_store(store_path) as store:
            store.triage(fingerprint, status, note, who)
        click.echo(f"{fingerprint}: {status} ({who})", err=True)


def triager() -> str:
    """Who decided: git's user.email, else the login name."""
    import getpass

    from scanner.git.runner import config_value, which_git

    email = config_value(Path.home(), "user.email") if which_git() and Path.home().is_dir() else ""
    try:
        return email or os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@click.command("findings")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES),
              help="Only these statuses (repeatable).")
@click.option("--repo", "repos", multiple=True, metavar="NAME", help="Only these repositories (repeatable).")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "csv", "sarif"]), default="text",
              show_default=True, help="How the findings are written, as in `scan -f`.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@click.option("--export-ignore", "export_repo", metavar="REPO",
              help="Write REPO's accepted-risk and false-positive findings as entries of .leakstopignore "
                   "(or of --output).")
@store_option
def findings(statuses: tuple[str, ...], repos: tuple[str, ...], fmt: str, output: Path | None,
             export_repo: str | None, store_path: Path | None) -> None:
    """List the store's findings with their triage state."""
    with error_handler():
        from scanner.audit.listing import export_ignore, render_findings
        from scanner.printable import visible
        from scanner.store.queries import latest_failures, stored_findings

        with open_store(store_path) as store:
            found = stored_findings(store.db, statuses=statuses, repositories=repos)
            failures = [f for f in latest_failures(store.db) if not repos or f.repository in repos]
        for failure in failures:  # never mistaken for a clean repository
            click.echo(f"leakstop: warning: {visible(failure.repository)}: its last audit failed: "
                       f"{visible(failure.reason)}", err=True)
        if export_repo is not None:
            file = output or Path(".leakstopignore")
            added = export_ignore(found, export_repo, file)
            click.echo(f"{file}: {added} entr{'y' if added == 1 else 'ies'} added for {export_repo}", err=True)
            return
        text = render_findings(found, fmt)
        if output is not None:
            output.write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)


@click.command("report")
@click.option("--html", "html_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Write one self-contained HTML page here.")
@click.option("--title", default="leakstop audit", show_default=True, help="The page's title and heading.")
@store_option
def report(html_file: Path, title: str, store_path: Path | None) -> None:
    """The store as one HTML page for triage: findings, their places, and repositories that failed."""
    with error_handler():
        from scanner.audit.html_report import store_page
        from scanner.store.queries import latest_failures, stored_findings
        from scanner.store.store import now

        with open_store(store_path) as store:
            page = store_page(stored_findings(store.db), latest_failures(store.db), title=title, generated_at=now())
        html_file.write_text(page, encoding="utf-8")
        click.echo(f"{html_file}: written", err=True)
