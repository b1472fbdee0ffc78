"""An allow marker counts only inside a comment, as each language writes comments: a marker inside a string
literal is the program's data and leaves the secret beside it reported."""

from __future__ import annotations

import pytest
from secrets_fixtures import GITHUB, STRIPE

from scanner.suppress.comments import comment_spans, syntax_for
from scanner.suppress.inline import same_line_marker

# (file, a line whose marker is in a comment, a line whose marker is only inside a string literal)
LANGUAGES = [
    ("app.py", 'KEY = "{s}"  # leakstop:allow test account',
     'KEY = "{s}"; HELP = "# leakstop:allow silences a line"'),
    ("deploy.sh", 'export KEY="{s}" # leakstop:allow', 'export KEY="{s}" NOTE="# leakstop:allow"'),
    ("values.yaml", 'key: "{s}"  # leakstop:allow', "key: \"{s}\"\nnote: 'a # leakstop:allow'"),
    ("config.toml", 'key = "{s}"  # gitleaks:allow', 'key = "{s}"\nnote = "# gitleaks:allow"'),
    ("Main.java", 'String key = "{s}"; // leakstop:allow', 'String key = "{s}", n = "// leakstop:allow";'),
    ("app.ts", 'const key = "{s}"; /* leakstop:allow */', 'const key = `{s}`, n = "/* leakstop:allow */";'),
    ("main.go", 'key := "{s}" // leakstop:allow', 'key, n := "{s}", `// leakstop:allow`'),
    ("lib.rs", 'let key = "{s}"; // leakstop:allow', 'let key = ("{s}", "// leakstop:allow");'),
    ("site.php", '$key = "{s}"; # leakstop:allow', '$key = "{s}"; $n = "# leakstop:allow";'),
    ("seed.sql", "INSERT INTO k VALUES ('{s}'); -- leakstop:allow",
     "INSERT INTO k VALUES ('{s}', '-- leakstop:allow');"),
    ("init.lua", 'local key = "{s}" -- leakstop:allow', 'local key, n = "{s}", "-- leakstop:allow"'),
    ("page.html", '<meta content="{s}"> <!-- leakstop:allow -->', '<meta content="{s}" title="leakstop:allow">'),
    ("settings.ini", "key = {s} ; leakstop:allow", 'key = {s}\nnote = "leakstop:allow"'),
    ("paper.tex", "\\newcommand{{\\key}}{{{s}}} % leakstop:allow", "\\newcommand{{\\key}}{{{s} leakstop:allow}}"),
    ("run.bat", "set KEY={s}\nREM leakstop:allow-next-line\nset KEY2={s}", 'set KEY={s} & echo "REM leakstop:allow"'),
    ("Dockerfile", "ENV KEY={s} # leakstop:allow", 'ENV KEY={s} NOTE="# leakstop:allow"'),
]


@pytest.mark.parametrize("name,commented,in_string", LANGUAGES, ids=[n for n, _, _ in LANGUAGES])
def test_a_marker_counts_in_a_comment_and_not_in_a_string(leakstop, tmp_path, name, commented, in_string):
    secret = STRIPE if name != "run.bat" else GITHUB
    allowed, data = tmp_path / "allowed", tmp_path / "data"
    for folder, text in ((allowed, commented), (data, in_string)):
        folder.mkdir()
        (folder / name).write_text(text.format(s=secret) + "\n")
    allowed_scan = leakstop("scan", "--no-git", allowed, "-f", "json")
    data_scan = leakstop("scan", "--no-git", data, "-f", "json")
    if name == "run.bat":  # REM's line allows the next line; the first `set` stays reported
        assert [f["line"] for f in allowed_scan.json()["findings"]] == [1]
    else:
        assert allowed_scan.code == 0, allowed_scan.output
    assert data_scan.code == 1 and data_scan.json()["findings"], data_scan.output


def test_lines_of_block_comments_and_unknown_files():
    c = syntax_for("src/a.c")
    assert comment_spans(' * leakstop:allow-next-line', c) == [(0, 27)]
    assert comment_spans('/* a */ x = "b"; // c', c) == [(0, 7), (17, 21)]
    unknown = syntax_for("notes.txt")
    assert same_line_marker(f"{STRIPE} # leakstop:allow", unknown)
    assert not same_line_marker(f'"{STRIPE} leakstop:allow"', unknown)
    assert same_line_marker("it's fine # leakstop:allow", syntax_for("a.py"))  # a lone apostrophe is no string
    assert not same_line_marker("url = https://x.invalid/a#leakstop:allow", syntax_for("a.sh"))
    assert syntax_for("lib.jar!conf/app.yaml") == syntax_for("app.yaml")


def test_show_suppressed_lists_every_reason_and_honours_no_group(leakstop, repo):
    repo.write("a.py", f'KEY = "{STRIPE}"  # leakstop:allow test account\n')
    repo.write("b.py", f'KEY = "{STRIPE}"\n')
    fingerprint = leakstop("scan", repo.path, "-f", "json").json()["findings"][0]["fingerprint"]
    assert leakstop("ignore", fingerprint, "--reason", "revoked in March", cwd=repo.path).code == 0
    grouped = leakstop("scan", repo.path, "-f", "json", "--show-suppressed").json()["suppressed"]
    assert len(grouped) == 1 and len(grouped[0]["occurrences"]) == 2
    by_path = {s["path"]: s["suppressed_by"] for s in
               leakstop("scan", repo.path, "-f", "json", "--show-suppressed", "--no-group").json()["suppressed"]}
    assert sorted(by_path) == ["a.py", "b.py"]
    assert "inline: leakstop:allow" in by_path["a.py"] and "revoked in March" in by_path["a.py"]
    assert "revoked in March" in by_path["b.py"] and "inline" not in by_path["b.py"]
