"""The rule cache's file: what every scan needs is read at load, what few scans need when first asked for.

A one-file pre-commit scan runs the patterns of the hundred or so rules whose keywords its text holds, of
~1,500. Read whole, the 7 MB file (compiled patterns 3.5 MB, pattern texts 1.45 MB, examples and
remediation 0.9 MB) cost the hook ~16 ms of its start-up, now ~5. After a fixed-size preamble it holds:

- the header, read at load: every rule's other fields (id, keywords, paths, filters...), where each rule's
  record and compiled patterns end, the `regex` version that compiled the patterns, and each rule's
  fields_digest (what the scan cache's context hashes, so a warm scan need not read every record for it);
- one record per rule, read (`os.pread` on the file opened at load) the first time one of the rule's
  LAZY_FIELDS is;
- each rule's compiled patterns (the marshalled compile arguments of regex_engine.py), read into
  PRECOMPILED when the first is compiled (COMPILED_LATER): the rule gate reads every rule's pattern text
  but compiles none;
- the magic bytes again, written last.

The preamble's lengths must add up to the file's size and the file must end with the magic bytes, or it is
not used: a truncated file, or one whose end was never written, fails that. A record that cannot be read
later (the file damaged in place while a scan uses it) comes from the rule files instead (`reload`).
"""

from __future__ import annotations

import marshal
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import fields
from functools import partial
from itertools import accumulate

from scanner.ruleset.rules import COMPILED_LATER, LAZY_FIELDS, PRECOMPILED, Rule, fields_digest

FORMAT = 5
"""The layout's number: in the cache file's name (cache.cache_key) and its magic bytes."""
MAGIC = b"lsrules" + bytes([FORMAT])
_SIZES = 3
PREAMBLE = len(MAGIC) + 8 * _SIZES
"""The magic bytes, then the sizes of the header, the records and the compiled patterns (8 bytes each,
little-endian)."""
RULE_FIELDS = tuple(f.name for f in fields(Rule))
HOT_FIELDS = tuple(name for name in RULE_FIELDS if name not in LAZY_FIELDS)

Reload = Callable[[str], tuple[object, ...]]
"""A rule's LAZY_FIELDS by its id, from the rule files: for a record found damaged."""


def encode(rules: Sequence[Rule], regex_version: str, compiled: dict[str, bytes]) -> bytes:
    """The cache file for `rules` and the patterns `regex_version` compiled. ValueError when a value
    cannot be marshalled (a custom rule's odd YAML): then nothing is cached."""
    records = [marshal.dumps(tuple(getattr(rule, name) for name in LAZY_FIELDS)) for rule in rules]
    blobs = [marshal.dumps({p: compiled[p] for p in (*rule.searched, *rule.allow_patterns) if p in compiled})
             for rule in rules]
    rows = [tuple(getattr(rule, name) for name in HOT_FIELDS) for rule in rules]
    digests = [fields_digest(rule) for rule in rules]
    header = marshal.dumps((HOT_FIELDS, LAZY_FIELDS, regex_version, rows, list(accumulate(map(len, records))),
                            list(accumulate(map(len, blobs))), digests))
    sections = (header, b"".join(records), b"".join(blobs))
    return b"".join((MAGIC, *(len(part).to_bytes(8, "little") for part in sections), *sections, MAGIC))


class CacheFile:
    """An open rule cache file that the rules read from it take their LAZY_FIELDS from. It owns the
    descriptor: a file replaced meanwhile (another scan rewrote it) is still the one whose records these
    are."""

    def __init__(self, fd: int, reload: Reload) -> None:
        self.fd = fd
        self.reload = reload
        self.records_at = 0
        self.ends: list[int] = []
        self.blobs_at = 0
        self.blob_ends: list[int] = []
        self._lock = threading.Lock()

    def __del__(self, _close: Callable[[int], None] = os.close) -> None:
        # os.close bound early and no contextlib: at the interpreter's exit this module's globals may be gone
        try:  # noqa: SIM105
            _close(self.fd)
        except OSError:
            pass

    def read_at(self, offset: int, size: int) -> bytes:
        """`size` bytes at `offset`, or fewer at the file's end. pread leaves the file position alone, so
        threads need no lock (Windows has no pread)."""
        if hasattr(os, "pread"):
            return os.pread(self.fd, size, offset)
        with self._lock:
            os.lseek(self.fd, offset, os.SEEK_SET)
            return os.read(self.fd, size)

    def fill(self, rule: Rule, index: int) -> None:
        """Put the LAZY_FIELDS of `rule`, the `index`th, into its __dict__ (from the rule files when its
        record is damaged), and name the file's compiled patterns of its patterns in COMPILED_LATER."""
        start = self.ends[index - 1] if index else 0
        try:
            values = marshal.loads(self.read_at(self.records_at + start, self.ends[index] - start))
            if not isinstance(values, tuple) or len(values) != len(LAZY_FIELDS):
                raise ValueError("not a rule record")
        except (OSError, EOFError, TypeError, ValueError):
            values = self.reload(rule.id)
        rule.__dict__.update(zip(LAZY_FIELDS, values))
        later = partial(self.take_compiled, index)
        for pattern in (*rule.searched, *rule.allow_patterns):
            COMPILED_LATER.setdefault(pattern, later)

    def take_compiled(self, index: int) -> None:
        """Take the `index`th rule's compiled patterns into PRECOMPILED; none when they are damaged (its
        patterns are compiled then)."""
        start = self.blob_ends[index - 1] if index else 0
        try:
            compiled = marshal.loads(self.read_at(self.blobs_at + start, self.blob_ends[index] - start))
            PRECOMPILED.update(compiled)
        except (OSError, EOFError, TypeError, ValueError):
            return
        for pattern in compiled:
            COMPILED_LATER.pop(pattern, None)

    def header(self, size: int) -> tuple[str, list[tuple[object, ...]], list[bytes]] | None:
        """The regex version, every rule's HOT_FIELDS and every rule's fields_digest, from a file of `size`
        bytes; None when it is not a whole cache file of this format."""
        try:
            preamble = self.read_at(0, PREAMBLE)
            if len(preamble) != PREAMBLE or preamble[:len(MAGIC)] != MAGIC:
                return None
            header_size, records_size, blobs_size = (int.from_bytes(preamble[at:at + 8], "little")
                                                     for at in range(len(MAGIC), PREAMBLE, 8))
            if (PREAMBLE + header_size + records_size + blobs_size + len(MAGIC) != size
                    or self.read_at(size - len(MAGIC), len(MAGIC)) != MAGIC):
                return None
            hot, lazy, regex_version, rows, ends, blob_ends, digests = marshal.loads(
                self.read_at(PREAMBLE, header_size))
        except (OSError, EOFError, TypeError, ValueError):
            return None
        if (tuple(hot) != HOT_FIELDS or tuple(lazy) != LAZY_FIELDS or not isinstance(regex_version, str)
                or not isinstance(rows, list) or not isinstance(ends, list) or not isinstance(blob_ends, list)
                or not isinstance(digests, list) or not all(isinstance(d, bytes) and d for d in digests)
                or not len(ends) == len(blob_ends) == len(rows) == len(digests)
                or (ends[-1] if ends else 0) != records_size or (blob_ends[-1] if ends else 0) != blobs_size):
            return None
        self.records_at, self.ends = PREAMBLE + header_size, ends
        self.blobs_at, self.blob_ends = self.records_at + records_size, blob_ends
        return regex_version, rows, digests


def read(fd: int, size: int, reload: Reload) -> tuple[list[Rule], str] | None:
    """The rules and regex version in the cache file open at `fd` (which the rules then keep open), each
    rule without its LAZY_FIELDS until one is read; None when it is not a whole cache file of this format.

    Each Rule is made the way unpickling makes it, by filling its __dict__: the frozen __init__ would set
    each of its ~20 fields through object.__setattr__, for ~1,500 rules on every commit."""
    file = CacheFile(fd, reload)
    found = file.header(size)
    if found is None:
        return None
    regex_version, rows, digests = found
    rules = []
    for index, row in enumerate(rows):
        if not isinstance(row, tuple) or len(row) != len(HOT_FIELDS):
            return None
        rule = Rule.__new__(Rule)
        rule.__dict__.update(zip(HOT_FIELDS, row))
        rule.__dict__["_lazy"] = (file, index)
        rule.__dict__["_digest"] = digests[index]
        rules.append(rule)
    return rules, regex_version


def read_compiled(fd: int, size: int) -> tuple[str, dict[str, bytes]] | None:
    """The regex version and every compiled pattern in the cache file open at `fd` (closed after); None
    when it is not a whole cache file of this format or a record is damaged."""
    file = CacheFile(fd, reload=lambda rule_id: ())
    found = file.header(size)
    if found is None:
        return None
    regex_version = found[0]
    compiled: dict[str, bytes] = {}
    blobs = file.read_at(file.blobs_at, file.blob_ends[-1] if file.blob_ends else 0)
    try:
        for start, end in zip([0, *file.blob_ends], file.blob_ends):
            compiled.update(marshal.loads(blobs[start:end]))
    except (EOFError, TypeError, ValueError):
        return None
    return regex_version, compiled
