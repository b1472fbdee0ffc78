"""Notebooks: cells and text outputs are scanned and reported at the raw file's line; images are not."""

from __future__ import annotations

import base64
import json

import pytest
from secrets_fixtures import AWS_KEY_ID, GITHUB, OPENAI, SLACK, STRIPE

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


def test_a_key_added_to_a_notebook_is_found_by_every_git_mode(repo, leakstop):
    """Added lines of a notebook are JSON (`\\"` around a string): every git mode reads what a tree scan
    reads, and reports the raw file's line."""
    nb = notebook(code("import psycopg2\n", "conn = psycopg2.connect()"))
    repo.write("analysis.ipynb", nb)
    repo.commit("notebook")
    added = notebook(code("import psycopg2\n", "conn = psycopg2.connect()"),
                     code("import psycopg2\n", 'warehouse_password = "Vq8zR2mWx4Lt9KpZ"\n', "run()"))
    repo.write("analysis.ipynb", added)
    line = raw_line_of(added, "warehouse_password")
    repo.git("add", "analysis.ipynb")
    staged = leakstop("scan", "--staged", "--format", "json", cwd=repo.path)
    repo.commit("a second cell")
    in_range = leakstop("scan", "--range", "HEAD~1..HEAD", "--format", "json", cwd=repo.path)
    history = leakstop("scan", "--history", "--format", "json", cwd=repo.path)
    for result in (staged, in_range, history):
        assert [(f["rule_id"], f["line"]) for f in result.json()["findings"]] == [
            ("generic-password-assignment", line)], result.output
    assert history.json()["findings"][0]["cell"] == "cell 2, line 2"


def test_added_lines_of_a_notebook_are_decoded_line_by_line():
    from scanner.engine.notebook import notebook_lines

    added = ('    "token = \\"abc\\"\\n",\n'
             '   "source": "a = 1\\nb = 2\\n",\n'
             '     "image/png": "iVBORw0KGgoAAAANSUhEUgAA",\n'
             '   "kernel_password": "Vq8zR2mWx4Lt9KpZ"\n')
    assert [(f.first_line, f.text) for f in notebook_lines("nb.ipynb", added, 40)] == [
        (40, 'token = "abc"\n'), (41, "a = 1\n"), (41, "b = 2\n"),
        (42, '\n   "kernel_password": "Vq8zR2mWx4Lt9KpZ"\n')]


def test_a_tree_scan_reads_every_readable_part_of_a_notebook(tmp_path, leakstop):
    """HTML, Markdown and JSON outputs, error messages, cell and notebook metadata and attachments are
    text a person can read (and a key in them is as leaked); images are still not scanned."""
    outputs = [
        {"output_type": "execute_result", "execution_count": 1, "metadata": {},
         "data": {"text/html": ["<table>\n", f"<td>{GITHUB}</td>\n", "</table>"],
                  "text/markdown": f"Use `{SLACK}` for the bot"}},
        {"output_type": "display_data", "metadata": {},
         "data": {"application/json": {"config": {"aws_access_key_id": AWS_KEY_ID}}}},
        {"output_type": "error", "ename": "AuthError", "evalue": f"rejected key {OPENAI}", "traceback": []},
    ]
    attachment = base64.b64encode(f"stripe_key = {STRIPE}\n".encode()).decode()
    cell = code("report()", outputs=outputs)
    cell["metadata"] = {"warehouse": {"password": "Vq8zR2mWx4Lt9KpZ"}}
    cell["attachments"] = {"notes.txt": {"text/plain": attachment}}
    nb = json.loads(notebook(cell))
    nb["metadata"] = {"kernel": {"api_key": "9f8e7d6c5b4a39281706f5e4d3c2b1a0"}}
    text = json.dumps(nb, indent=1, sort_keys=True) + "\n"
    (tmp_path / "report.ipynb").write_text(text)
    result = leakstop("scan", tmp_path, "--no-git", "--format", "json")
    found = {(f["rule_id"], f["line"], f["cell"].split(",")[0]) for f in result.json()["findings"]}
    assert found == {
        ("github-pat-classic", raw_line_of(text, GITHUB), "cell 1 output"),
        ("slack-bot-token", raw_line_of(text, SLACK), "cell 1 output"),
        ("aws-access-key-id", raw_line_of(text, AWS_KEY_ID), "cell 1 output"),
        ("openai-project-key", raw_line_of(text, f'"rejected key {OPENAI}'), "cell 1 output"),
        ("generic-password-assignment", raw_line_of(text, '"Vq8z'), "cell 1 metadata"),
        ("stripe-secret-key", raw_line_of(text, attachment), "cell 1 attachment"),
        ("generic-api-key-assignment", raw_line_of(text, '"9f8e'), "metadata"),
    }, result.output
