"""char_bytes: one byte per character, so the gate's and the decoder's offsets are the text's offsets."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scanner.ruleset.char_bytes import char_bytes
from scanner.ruleset.gate import gate_bytes


@given(st.lists(st.text(max_size=40), min_size=1, max_size=5))
def test_each_text_gets_its_own_bytes_whatever_came_before(texts):
    for text in texts:
        raw = char_bytes(text)
        assert len(raw) == len(text)
        assert raw == text.encode("ascii", "replace")
        assert char_bytes(text) is raw, "the same text, asked again, is not encoded again"


def test_gate_sees_the_case_folded_letters_the_decoder_does_not():
    text = "\u212aey = 1 \u00e9"  # Kelvin sign, then an e-acute
    assert gate_bytes(text) == b"Key = 1 ?"
    assert char_bytes(text) == b"?ey = 1 ?"
    assert gate_bytes("caf\u00e9") == char_bytes("caf\u00e9") == b"caf?"
