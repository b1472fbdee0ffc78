"""`leakstop ignore FINGERPRINT --reason ...`: add one entry to `.leakstopignore`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from scanner.cli.error_handler import error_handler


@click.command("ignore")
@click.argument("fingerprint")
@click.option("--reason", required=True, help="Why this secret may stay (required; kept in the file).")
@click.option("--path", "path_glob", default="", metavar="GLOB", help="Only ignore it in paths matching GLOB.")
@click.option("--expires", metavar="YYYY-MM-DD", help="Stop ignoring it after this day.")
@click.option("--file", "ignore_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The ignore file (default: the nearest .leakstopignore, else one at the repository top).")
def ignore(fingerprint: str, reason: str, path_glob: str, expires: str | None, ignore_file: Path | None) -> None:
    """Ignore one secret by its fingerprint (shown in every report); a different secret is never hidden."""
    with error_handler():
        from scanner.config import find_upwards, project_top
        from scanner.errors import ConfigError
        from scanner.suppress import IGNORE_FILE
        from scanner.suppress.ignore_file import FINGERPRINT_RE, IgnoreEntry, add_entry

        if not FINGERPRINT_RE.match(fingerprint):
            raise ConfigError(f"'{fingerprint}' is not a leakstop fingerprint (ls1:<32 hex>, as printed by scan)")
        if not reason.strip():
            raise ConfigError("--reason must say why the secret may stay")
        today = dt.date.today()
        until = None
        if expires:
            try:
                until = dt.date.fromisoformat(expires)
            except ValueError:
                raise ConfigError(f"--expires: '{expires}' is not a date (YYYY-MM-DD)") from None
            if until < today:
                raise ConfigError(f"--expires: {expires} is in the past; the entry would never apply")
        here = Path(".")
        file = ignore_file or find_upwards(here, (IGNORE_FILE,)) or project_top(here) / IGNORE_FILE
        add_entry(file, IgnoreEntry(fingerprint, reason.strip(), today, path_glob, until))
        click.echo(f"{file}: ignoring {fingerprint}" + (f" in {path_glob}" if path_glob else ""), err=True)
