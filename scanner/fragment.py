"""Fragment: a piece of text to scan and where it came from.

Every source (file tree, stdin, staged diff, history) produces Fragments, so the engine never knows which
source it is scanning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.git.context import GitContext, Occurrence


@dataclass(frozen=True)
class Fragment:
    """Text plus its origin.

    `first_line` is the line number that the text's first line has in the real file: a staged hunk
    starting at line 40 of a file is scanned on its own but reported at line 40 and below.
    """

    text: str
    path: str
    """Relative, forward slashes; `-` for stdin."""
    first_line: int = 1
    git: GitContext | None = None
    blob: str = ""
    """The git blob id the text came from, when it came from git."""
    decoded: str = ""
    """How the text was decoded out of its parent (`base64`, `hex`, `percent`), empty if it was not."""
    encoded_at: tuple[int, int, int, int] | None = None
    """For decoded text: (line, column, end_line, end_column) of the encoded run in the real file.
    Positions inside decoded text exist in no file, so findings in it point at the run instead."""
    cell: str = ""
    """For notebooks: which cell (or cell output) the text is, e.g. `cell 3`; empty otherwise."""
    cell_line: int = 1
    """The line number the text's first line has inside its cell."""
    occurrences: tuple[Occurrence, ...] = ()
    """Where the text was seen, oldest first, when that is more than `path`/`git` (history scans); each
    becomes a Location of every finding in the text. A history's fragments get them (and `git`) in the
    parent process, from `Source.located`, once they have findings."""
