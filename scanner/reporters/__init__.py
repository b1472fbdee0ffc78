"""Reporters: each renders a Report in one format. Adding a format is one module and one line in FORMATS."""

from __future__ import annotations

import abc
import importlib
from dataclasses import dataclass

from scanner.report import Report


@dataclass(frozen=True)
class RenderOptions:
    """How to render, as opposed to what: the same report renders with or without colour."""

    color: bool = False
    verbose: bool = False
    quiet: bool = False
    """-q: findings only, no notes or summary (a hook that finds nothing prints nothing)."""


class Reporter(abc.ABC):
    @abc.abstractmethod
    def render(self, report: Report, options: RenderOptions) -> str:
        """The whole report as text (reports are small next to the data scanned)."""


# format name → "module:Class"; imported only when chosen, so start-up pays for one reporter at most.
FORMATS = {
    "text": "scanner.reporters.text:TextReporter",
    "json": "scanner.reporters.json_report:JsonReporter",
    "jsonl": "scanner.reporters.jsonl:JsonlReporter",
    "sarif": "scanner.reporters.sarif:SarifReporter",
    "csv": "scanner.reporters.csv_report:CsvReporter",
    "junit": "scanner.reporters.junit:JunitReporter",
    "github": "scanner.reporters.github:GithubReporter",
    "html": "scanner.reporters.html:HtmlReporter",
}


def reporter_for(name: str) -> Reporter:
    module, _, cls = FORMATS[name].partition(":")
    reporter: Reporter = getattr(importlib.import_module(module), cls)()
    return reporter
