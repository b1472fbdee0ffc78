"""Notebooks: cells and text outputs are scanned and reported at the raw file's line; images are not."""

from __future__ import annotations

import base64
import json

import pytest
from secrets_fixtures import GITHUB, STRIPE

from scanner.engine.notebook import notebook_fragments


def notebook(*cells: dict, indent: int | None = 1) -> str:
    doc = {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(doc, indent=indent, sort_keys=True, ensure_ascii=False) + "\n"


def code(*lines: str, outputs: list | None = None) -> dict:
    return {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": outputs or [],
            "source": list(lines)}


def raw_line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_fragments_map_cell_lines_to_raw_lines():
    nb = notebook(code("import os\n", "x = 1"), code("a = 2\n", 'token = "abc"\n', "print(token)"))
    fragments = notebook_fragments("nb.ipynb", nb)
    cell2 = next(f for f in fragments if f.cell == "cell 2")
    assert cell2.text == 'a = 2\ntoken = "abc"\nprint(token)'
    assert cell2.first_line == raw_line_of(nb, '"a = 2')


def test_single_string_sources_report_their_strings_line():
    nb = notebook({"cell_type": "code", "metadata": {}, "outputs": [], "source": "a = 1\nb = 2\n"})
    fragments = notebook_fragments("nb.ipynb", nb)
    assert [(f.text, f.cell_line) for f in fragments] == [("a = 1\n", 1), ("b = 2\n", 2)]
    assert {f.first_line for f in fragments} == {raw_line_of(nb, '"a = 1')}


def test_outputs_text_and_tracebacks_are_fragments_but_images_are_not():
    image = base64.b64encode(bytes(range(256)) * 8).decode()
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": ["printed\n"]},
        {"output_type": "display_data", "metadata": {},
         "data": {"image/png": image, "text/plain": ["<Figure size 640x480>"]}},
        {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["Traceback line", "E: v"]},
    ]
    fragments = notebook_fragments("nb.ipynb", notebook(code("plot()", outputs=outputs)))
    texts = "".join(f.text for f in fragments)
    assert "printed" in texts and "<Figure" in texts and "Traceback line\nE: v\n" in texts
    assert image[:40] not in texts


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"cells": 3}', ""])
def test_not_a_notebook_is_scanned_as_plain_text(text):
    (fragment,) = notebook_fragments("x.ipynb", text)
    assert fragment.text == text and fragment.cell == ""


def test_code_cell_secret_found_at_cell_and_raw_line(tmp_path, leakstop):
    nb = notebook(code("# setup\n"), code("import stripe\n", f'stripe.api_key = "{STRIPE}"\n'))
    (tmp_path / "analysis.ipynb").write_text(nb)
    result = leakstop("scan", tmp_path, "--no-git", "--format", "json")
    assert result.code == 1
    (finding,) = [f for f in result.json()["findings"] if f["rule_id"].startswith("stripe")]
    assert finding["path"] == "analysis.ipynb"
    assert finding["line"] == raw_line_of(nb, "stripe.api_key")
    assert finding["column"] == len('stripe.api_key = "') + 1
    assert finding["cell"] == "cell 2, line 2"
    text = leakstop("scan", tmp_path, "--no-git")
    assert f"analysis.ipynb:{finding['line']}:19 (cell 2, line 2)" in text.stdout


def test_secret_printed_in_an_output_is_found(tmp_path, leakstop):
    outputs = [{"output_type": "stream", "name": "stdout", "text": ["token is\n", f"{GITHUB}\n"]}]
    (tmp_path / "nb.ipynb").write_text(notebook(code("print(t)", outputs=outputs)))
    result = leakstop("scan", tmp_path, "--no-git", "--format", "json")
    assert [f["cell"] for f in result.json()["findings"]] == ["cell 1 output, line 2"]


def test_image_outputs_are_not_scanned(tmp_path, leakstop):
    # A PNG whose base64 happens to spell a token-looking run must not be reported.
    fake_png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + GITHUB.encode() * 4).decode()
    outputs = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": fake_png + GITHUB}}]
    (tmp_path / "nb.ipynb").write_text(notebook(code("plot()", outputs=outputs)))
    result = leakstop("scan", tmp_path, "--no-git")
    assert result.code == 0, result.stdout


def test_minified_notebook_still_scanned(tmp_path, leakstop):
    (tmp_path / "nb.ipynb").write_text(notebook(code(f'key = "{STRIPE}"\n'), indent=None))
    result = leakstop("scan", tmp_path, "--no-git", "--format", "json")
    (finding,) = result.json()["findings"]
    assert finding["line"] == 1 and finding["cell"] == "cell 1, line 1"
