"""Repository text made safe to print: file names, previews, reasons and rule metadata are data, never control.

A scanned repository chooses its file names and line contents, and an ignore file its reasons; written
raw they could end a line and forge another (`::stop-commands::` in a CI log, a fake "No secrets found."),
move the cursor over a finding (CSI) or set a terminal's title or clipboard (OSC). A file name that is not
UTF-8 reaches Python as lone surrogates, which no UTF-8 writer accepts.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any, TypeVar

T = TypeVar("T")

_NAMED = {"\n": "\\n", "\r": "\\r", "\x1b": "\\x1b"}


def _control_escapes() -> dict[int, str]:
    """C0 (but tab), DEL, C1, Unicode line and paragraph separators and bidirectional overrides."""
    codes = [*range(0x00, 0x09), *range(0x0A, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029,
             *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
    table = {c: _NAMED.get(chr(c)) or (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in codes}
    return {**table, **_surrogate_escapes()}


def _surrogate_escapes() -> dict[int, str]:
    """Lone surrogates: U+DC80-U+DCFF are the bytes of a non-UTF-8 name (`surrogateescape`), shown as `\\xNN`."""
    table = {c: f"\\u{c:04x}" for c in range(0xD800, 0xE000)}
    table.update({c: f"\\x{c - 0xDC00:02x}" for c in range(0xDC80, 0xDD00)})
    return table


_TABLE: dict[int, str] = {}


def visible(text: str) -> str:
    """Control characters as visible escapes (`\\x1b`, `\\n`), non-UTF-8 bytes as `\\xNN`: one printable line."""
    if text.isprintable():
        return text
    if not _TABLE:
        _TABLE.update(_control_escapes())
    return text.translate(_TABLE)


def printable(value: T) -> T:
    """Every string in a (nested) dataclass value made `visible`: a report, ready for any format."""
    return _clean(value)  # type: ignore[no-any-return]


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_clean(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: _clean(getattr(value, f.name)) for f in fields(value) if f.init})
    return value
