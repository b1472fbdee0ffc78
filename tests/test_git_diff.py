"""The diff parser on git's own output shapes (pure: bytes in, values out)."""

from __future__ import annotations

from scanner.git.diff import parse_patch, parse_raw_and_patch, unquote_path

SHA_A = "a" * 40
SHA_B = "b" * 40


def test_quoted_paths_are_unquoted_to_their_bytes():
    assert unquote_path(b'"b/sp ace \\303\\251\\t\\"q\\".txt"') == 'b/sp ace é\t"q".txt'.encode()
    assert unquote_path(b"b/plain name.txt\t") == b"b/plain name.txt"


def test_added_lines_keep_new_file_numbers_and_runs():
    patch = (b"diff --git a/f b/f\n--- a/f\n+++ b/f\n"
             b"@@ -3,0 +4,2 @@\n+one\n+++two looks like a header\n"
             b"@@ -10 +12 @@\n-old\n+new\n\\ No newline at end of file\n")
    added, binary = parse_patch(patch)
    assert [(r.first_line, r.text) for r in added[b"f"]] == [(4, b"one\n++two looks like a header\n"),
                                                               (12, b"new\n")]
    assert not binary


def test_combined_diff_of_a_merge_reports_what_the_merge_adds():
    patch = (b'diff --cc f\n--- a/f\n+++ b/f\n@@@ -1,0 -1,1 +1,2 @@@\n -theirs\n++evil\n+ ours\n')
    added, _ = parse_patch(patch)
    assert [(r.first_line, r.text) for r in added[b"f"]] == [(1, b"evil\nours\n")]


def test_raw_records_rename_mode_change_and_binary():
    data = (f":100644 100644 {SHA_A} {SHA_A} R100\0old name\0new name\0"
            f":100644 100755 {SHA_B} {SHA_B} M\0tool\0"
            f":000000 100644 {'0' * 40} {SHA_B} A\0img.png\0\0").encode()
    data += b"diff --git a/img.png b/img.png\nnew file mode 100644\nBinary files /dev/null and b/img.png differ\n"
    rename, mode, image = parse_raw_and_patch(data)
    assert (rename.status, rename.old_path, rename.path, rename.content_changed) == ("R100", "old name",
                                                                                   "new name", False)
    assert not mode.content_changed
    assert image.binary and image.new_blob == SHA_B


def test_non_utf8_path_is_shown_escaped():
    data = f":000000 100644 {'0' * 40} {SHA_B} A\0".encode() + b"caf\xe9.txt\0"
    [change] = parse_raw_and_patch(data)
    assert change.path == "caf\\xe9.txt"
