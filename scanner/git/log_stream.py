"""A pure splitter of `git log --format=<fields> --raw [-p] -z` output into commits, in one linear pass.

Each commit is a header (`\\0\\1`, then NUL-terminated fields), its raw records (`:meta\\0path\\0`, two
paths for a rename or copy), and for `-p` a patch. The parts are read by their structure, never by
searching for a marker in content: a file can hold any bytes, and a path any byte but NUL, so a marker
found by search could be forged by either (and was: a commit's later lines went to a commit that does not
exist). Inside a patch every content line starts with a prefix (` `, `+`, `-`, `\\`) and git quotes
control characters in header paths, so a line that starts with NUL can only be the next commit; that is
the one search made, and it resumes where the last one stopped, so a 200 MB patch is read once.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator

from scanner.errors import GitError

FIELDS_MARK = b"\x01"
"""What the `--format` puts after a NUL to open each commit (`%x00%x01`)."""
_COLON = ord(":")
_NEXT_COMMIT = b"\n\0" + FIELDS_MARK
_ONE_PATH = rb"(?=:|(?![^\0]* [RC][^ \0]*\0))"
"""After a record's colon: a merge's combined record, or a meta other than a rename's or copy's."""
RAW_RECORD = re.compile(rb"(:(?!:)[^\0]* [RC][^ \0]*)\0[^\0]*\0([^\0]*)\0|(:" + _ONE_PATH + rb"[^\0]*)\0([^\0]*)\0")
"""One raw record, as `raw_paths` reads it: two paths after a rename's or copy's meta, else one, with
(meta, new path) in the first two groups for a rename or copy, else in the last two. A rename whose second
path is still to come matches neither."""
_COMPACT_AT = 1 << 22
RAW_BUFFER = 8 << 20
"""The most of one commit's raw output `raw_commits` holds and matches again as chunks arrive."""


class _Stream:
    """The output read so far, consumed front to back; absolute positions survive compaction."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.buf = bytearray()
        self.base = 0
        """The absolute position of buf[0]."""
        self.pos = 0
        self.eof = False

    def fill(self) -> bool:
        if self.eof:
            return False
        for chunk in self.chunks:
            if chunk:
                self.buf += chunk
                return True
        self.eof = True
        return False

    def peek(self, size: int) -> bytes:
        while len(self.buf) - (self.pos - self.base) < size and self.fill():
            pass
        at = self.pos - self.base
        return bytes(self.buf[at:at + size])

    def skip_nuls(self) -> None:
        while self.peek(1) == b"\0":
            self.pos += 1

    def until_nul(self) -> bytes:
        """The bytes up to the next NUL, which is consumed too."""
        searched = self.pos
        while True:
            at = self.buf.find(b"\0", searched - self.base)
            if at >= 0:
                field = bytes(self.buf[self.pos - self.base:at])
                self.pos = self.base + at + 1
                return field
            searched = self.base + len(self.buf)
            if not self.fill():
                raise GitError("cannot parse git's log output (it ends inside a record); nothing was scanned "
                               "from it")

    def patch_end(self) -> int:
        """Where the patch that starts here ends: after the line before the next commit, or at the end."""
        searched = self.pos
        while True:
            at = self.buf.find(_NEXT_COMMIT, max(self.pos, searched - len(_NEXT_COMMIT)) - self.base)
            if at >= 0:
                return self.base + at + 1
            searched = self.base + len(self.buf)
            if not self.fill():
                return searched

    def take(self, start: int, end: int) -> bytes:
        """The bytes between two absolute positions; everything before `end` is released."""
        data = bytes(self.buf[start - self.base:end - self.base])
        self.pos = max(self.pos, end)
        if end - self.base > _COMPACT_AT and end - self.base > len(self.buf) // 2:
            del self.buf[:end - self.base]
            self.base = end
        return data


def raw_paths(meta: bytes) -> int:
    """How many NUL-terminated paths follow a raw record's meta: two for a rename or copy, except in a
    merge's combined record (`::`), which names only the merge's own path however each parent saw it."""
    return 2 if meta[1:2] != b":" and meta.rsplit(b" ", 1)[-1][:1] in (b"R", b"C") else 1


def log_commits(chunks: Iterator[bytes], fields: int) -> Iterator[tuple[list[bytes], bytes]]:
    """Each commit's `fields` header fields and its body (raw records, then the patch if any), in order."""
    stream = _Stream(chunks)
    while True:
        stream.skip_nuls()
        opener = stream.peek(1)
        if not opener:
            return
        if opener != FIELDS_MARK:
            raise GitError(f"cannot parse git's log output (a commit starts with {opener!r}); nothing was "
                           "scanned from it")
        stream.pos += 1
        header = [stream.until_nul() for _ in range(fields)]
        body_start = stream.pos
        while stream.peek(1) in (b"\n", b"\0"):  # git ends the header with `\n` (`\0` before a merge's records)
            stream.pos += 1
        while stream.peek(1) == b":":
            meta = stream.until_nul()
            for _ in range(raw_paths(meta)):
                stream.until_nul()
        body_end = stream.pos
        stream.skip_nuls()
        if stream.peek(5) == b"diff ":
            body_end = stream.patch_end()
        yield header, stream.take(body_start, body_end)


@functools.cache
def _raw_commit(fields: int) -> re.Pattern[bytes]:
    """A commit's header fields, then its records (RAW_RECORD's own expression, so that the split and the
    reading of the records cannot disagree), as groups 1 to `fields` + 1."""
    return re.compile(rb"\0*\x01" + rb"([^\0]*)\0" * fields + rb"[\n\0]*((?:" + RAW_RECORD.pattern + rb")*)")


def raw_commits(chunks: Iterator[bytes], fields: int) -> Iterator[tuple[list[bytes], bytes]]:
    """`log_commits` for output without patches (`--raw` alone), a commit per match of one expression of the
    same structure: five times faster on a large history, whose walk every scan of it waits for. A commit
    is taken only once the byte after it is known to open the next one, so a record cut by the end of a
    chunk is never taken for the last; the body is the commit's raw records and nothing else."""
    pattern = _raw_commit(fields)
    buf, eof = b"", False
    while True:
        pos, size = 0, len(buf)
        while (found := pattern.match(buf, pos)) is not None:
            end = found.end()
            if not eof and (end == size or buf[end] == _COLON):
                break  # more records may follow in the next chunk, or the next one is cut by its end
            if end < size and buf[end] > 1:
                raise GitError(f"cannot parse git's log output (a commit is followed by {buf[end:end + 1]!r}); "
                               "nothing was scanned from it")
            groups = found.groups()
            yield list(groups[:fields]), groups[fields]
            pos = end
        buf = buf[pos:]
        if not eof and len(buf) > RAW_BUFFER:
            # one commit larger than this (a commit of a million files): matching it again at every chunk
            # would take quadratic time, so the rest is read by structure, in one pass
            for header, body in log_commits(itertools.chain((buf,), chunks), fields):
                yield header, body.lstrip(b"\n\0")
            return
        if eof:
            if buf.strip(b"\0"):
                raise GitError("cannot parse git's log output (it ends inside a commit); nothing was scanned from it")
            return
        chunk = next(chunks, None)
        if chunk is None:
            eof = True
        else:
            buf += chunk
