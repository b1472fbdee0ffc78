"""A pure parser of git's `--raw -p -z -U0` diff output: which files changed, and the lines they add.

Git prints the raw records first (NUL-separated, so paths arrive byte-exact whatever they hold), then a
NUL, then the patch. The raw records are the authority for paths, modes and blob ids; the patch only
supplies added lines and their line numbers in the new file, matched to a record by the `+++` path.
Combined diffs of merge commits (`--cc`: `::` records, `@@@` hunks) are parsed the same way, so a
conflict resolution that adds a secret is seen too.

No I/O here: bytes in, values out (git.py runs the commands, the sources turn these into Fragments).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner.errors import GitError
from scanner.git.log_stream import raw_paths

NULL_BLOB = "0" * 40
SUBMODULE_MODE = "160000"
_HUNK_HEADER = re.compile(rb"^(@@+) (?:-\d+(?:,\d+)? )+\+(\d+)(?:,(\d+))? @@+")
_NOT_PLUS = re.compile(rb"\n[^+]|\n\Z")
_NOT_MINUS = re.compile(rb"\n[^-]|\n\Z")
_ESCAPES = {ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12, ord("r"): 13,
            ord('"'): 34, ord("\\"): 92}


@dataclass(frozen=True)
class AddedLines:
    """A run of consecutive added lines: one Fragment, so a key spread over several lines stays whole."""

    first_line: int
    """The run's first line number in the new (staged or committed) version of the file."""
    text: bytes
    """The added lines with their line ends (CRLF kept as staged)."""


@dataclass(frozen=True)
class FileChange:
    """One file of a diff, as git's raw record describes it, plus its added lines from the patch."""

    status: str
    """Git's letter(s): A added, M modified, D deleted, R renamed, C copied, T type changed, U unmerged;
    one letter per parent for merges (`AM`)."""
    path: str
    """The new path (the old one for a deletion), decoded for display; undecodable bytes are escaped."""
    old_path: str
    new_mode: str
    new_blob: str
    old_blobs: tuple[str, ...]
    added: tuple[AddedLines, ...] = ()
    binary: bool = False
    """Git printed `Binary files ... differ` instead of lines."""

    @property
    def is_submodule(self) -> bool:
        return self.new_mode == SUBMODULE_MODE

    @property
    def is_deletion(self) -> bool:
        return self.new_blob == NULL_BLOB or self.status.startswith("D")

    @property
    def is_unmerged(self) -> bool:
        return self.status.startswith("U")

    @property
    def content_changed(self) -> bool:
        """False for a pure mode change or a pure rename: nothing new to scan."""
        return self.new_blob not in self.old_blobs


def display_path(raw: bytes) -> str:
    """Bytes of a path → text; non-UTF-8 names stay readable (`\\xff`) and can be written as JSON."""
    return raw.decode("utf-8", "backslashreplace")


def unquote_path(raw: bytes) -> bytes:
    """Undo git's C-style quoting of a patch header path (`"a/sp\\303\\251c"` → bytes)."""
    if raw.endswith(b"\t"):
        raw = raw[:-1]  # git ends a `+++` name holding a space with a TAB
    if not (len(raw) >= 2 and raw.startswith(b'"') and raw.endswith(b'"')):
        return raw
    body, out, i = raw[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i]
        if c != 0x5C or i + 1 >= len(body):
            out.append(c)
            i += 1
        elif body[i + 1:i + 2].isdigit():
            out.append(int(body[i + 1:i + 4], 8) & 0xFF)
            i += 4
        else:
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
    return bytes(out)


def parse_raw_and_patch(data: bytes) -> list[FileChange]:
    """Parse `git diff --raw -p -z` (or one commit's part of `git log --raw -p -z`) output."""
    try:
        return changes_from(data)
    except (ValueError, IndexError) as exc:
        # git never writes this, but a broken git, a wrapper or a truncated pipe can: fail closed, one line
        raise GitError(f"cannot parse git's diff output ({exc}); nothing was scanned from it") from exc


def changes_from(data: bytes) -> list[FileChange]:
    records, patch = split_raw(data)
    added, binary = parse_patch(patch)
    changes = []
    for meta, paths in records:
        fields = meta.lstrip(b":").split(b" ")
        parents = len(meta) - len(meta.lstrip(b":"))
        modes, blobs, status = fields[:parents + 1], fields[parents + 1:2 * parents + 2], fields[-1]
        new_raw = paths[-1] if not status.startswith(b"D") else paths[0]
        changes.append(FileChange(
            status=status.decode("ascii", "replace"), path=display_path(new_raw),
            old_path=display_path(paths[0]), new_mode=modes[-1].decode("ascii"),
            new_blob=blobs[-1].decode("ascii"), old_blobs=tuple(b.decode("ascii") for b in blobs[:-1]),
            added=tuple(added.get(new_raw, ())), binary=new_raw in binary,
        ))
    return changes


def split_raw(data: bytes) -> tuple[list[tuple[bytes, list[bytes]]], bytes]:
    """The raw records (meta, paths) and the patch text after them."""
    records: list[tuple[bytes, list[bytes]]] = []
    pos = 0
    while data[pos:pos + 1] in (b"\n", b"\0") and pos < len(data):
        pos += 1
    while data[pos:pos + 1] == b":":
        end = data.index(b"\0", pos)
        meta = data[pos:end]
        paths = []
        for _ in range(raw_paths(meta)):
            start, end = end + 1, data.index(b"\0", end + 1)
            paths.append(data[start:end])
        records.append((meta, paths))
        pos = end + 1
    if data[pos:pos + 1] == b"\0":
        pos += 1
    return records, data[pos:]


def parse_patch(patch: bytes) -> tuple[dict[bytes, list[AddedLines]], set[bytes]]:
    """Added-line runs per new path, and the paths git called binary.

    Inside a hunk every line starts with ` `, `+`, `-` or `\\` (one column per parent), and no file or
    hunk header does, so the hunk ends at the first line that starts otherwise; an added line whose
    text begins with `++` is never mistaken for a header this way. A block of consecutive `+` (or `-`)
    lines of an ordinary diff is taken whole, at C speed: a 200 MB added file is a few slices, not
    millions of Python steps.
    """
    added: dict[bytes, list[AddedLines]] = {}
    binary: set[bytes] = set()
    path: bytes | None = None
    width = 0  # prefix columns in the current hunk: 1, or the number of parents for a combined diff
    run: list[bytes] = []
    run_start = line_no = 0
    pos, end = 0, len(patch)

    def flush() -> None:
        if run and path is not None:
            added.setdefault(path, []).append(AddedLines(run_start, b"".join(run)))
        run.clear()

    while pos < end:
        first = patch[pos:pos + 1]
        if width == 1 and first in (b"+", b"-"):
            stop = block_end(patch, pos, first)
            if first == b"+":
                if not run:
                    run_start = line_no
                block = patch[pos + 1:stop]
                run.append(block.replace(b"\n+", b"\n") + b"\n")
                line_no += block.count(b"\n") + 1
            pos = stop + 1
            continue
        newline = patch.find(b"\n", pos)
        newline = end if newline < 0 else newline
        line, pos = patch[pos:newline], newline + 1
        if width and first in (b" ", b"+", b"-", b"\\"):
            prefix = line[:width]
            if first == b"\\" or b"-" in prefix:
                continue
            if b"+" in prefix:
                if not run:
                    run_start = line_no
                run.append(line[width:] + b"\n")
            else:
                flush()
            line_no += 1
            continue
        flush()
        width = 0
        if line.startswith(b"diff "):
            path = None
        elif line.startswith(b"+++ "):
            name = unquote_path(line[4:])
            path = name[2:] if name.startswith(b"b/") else None
        elif line.startswith(b"@@"):
            header = _HUNK_HEADER.match(line)
            if header:
                width = len(header.group(1)) - 1
                line_no = int(header.group(2))
        elif line.startswith(b"Binary files ") and line.endswith(b" differ"):
            binary.add(binary_path(line))
    flush()
    return added, binary


def block_end(patch: bytes, pos: int, prefix: bytes) -> int:
    """Where the block of lines starting with `prefix` at `pos` ends: its last newline (or the end)."""
    found = (_NOT_PLUS if prefix == b"+" else _NOT_MINUS).search(patch, pos)
    if found:
        return found.start()
    return len(patch) - 1 if patch.endswith(b"\n") else len(patch)


def binary_path(line: bytes) -> bytes:
    """The new path of `Binary files a/x and b/y differ` (or `/dev/null`)."""
    body = line[len(b"Binary files "):-len(b" differ")]
    if body.endswith(b"/dev/null"):
        return b""
    if body.endswith(b'"'):
        new = unquote_path(body[body.rindex(b' "') + 1:])
    else:
        new = body[body.rindex(b" and b/") + len(b" and "):]
    return new[2:] if new.startswith(b"b/") else new
