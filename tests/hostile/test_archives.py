"""Archives are looked into, within limits: a key in a jar inside a zip is found in tree and history scans,
and bombs, traversal names, links, damage, encryption and huge entry counts end in listed skips."""

from __future__ import annotations

import io
import tarfile
import zipfile

import pytest
from conftest import git
from git_fixtures import commit_file
from secrets_fixtures import STRIPE

from scanner.report import Skipped
from scanner.sources.archives import ArchiveLimits, members

PROPERTIES = f"payments.stripe.key={STRIPE}\n"


def zipped(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def tarred(add, mode: str = "w:gz") -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as archive:
        add(archive)
    return out.getvalue()


def tar_member(archive: tarfile.TarFile, name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE,
               link: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.size, info.type, info.linkname = len(data), kind, link
    archive.addfile(info, io.BytesIO(data) if data else None)


NESTED = zipped({"README.txt": b"vendored sdk\n",
                 "lib/sdk.jar": zipped({"config/app.properties": PROPERTIES.encode(), "Main.class": b"\xca\xfe\x00"})})


def test_a_key_in_a_jar_inside_a_zip_is_found_in_a_tree(tmp_path, leakstop):
    (tmp_path / "vendor.zip").write_bytes(NESTED)
    result = leakstop("scan", tmp_path, "--no-git", "--format", "json")
    assert result.code == 1, result.output
    [finding] = result.json()["findings"]
    assert finding["path"] == "vendor.zip!lib/sdk.jar!config/app.properties"
    assert STRIPE not in result.output


def test_a_key_in_a_jar_inside_a_zip_is_found_in_history(repo, leakstop):
    commit_file(repo, "vendor.zip", NESTED, "vendored sdk")
    commit_file(repo, "vendor.zip", zipped({"README.txt": b"clean\n"}), "cleaned")
    result = leakstop("scan", "--history", repo.path, "--format", "json")
    assert result.code == 1, result.output
    [finding] = result.json()["findings"]
    assert finding["path"] == "vendor.zip!lib/sdk.jar!config/app.properties"
    assert finding["commit"] == repo.git("rev-parse", "HEAD~1").strip()


def test_nesting_deeper_than_the_limit_is_a_listed_skip():
    deep = zipped({"a.zip": zipped({"b.zip": zipped({"c.txt": PROPERTIES.encode()})})})
    out = list(members("deep.zip", deep, ArchiveLimits(max_depth=2)))
    assert out == [Skipped("deep.zip!a.zip!b.zip", "archive nested deeper than the limit (2 levels)", limit=True)]


def test_single_entry_high_ratio_bomb_is_skipped_unread():
    bomb = zipped({"zeros.txt": b"\0" * (8 * 1024 * 1024)})
    [note] = list(members("bomb.zip", bomb, ArchiveLimits(max_member_bytes=64 * 1024 * 1024)))
    assert isinstance(note, Skipped) and "ratio" in note.reason


def test_nested_bomb_is_bounded_by_the_total_size():
    layer = zipped({f"{i}.txt": b"a" * 900_000 for i in range(16)})
    nested = zipped({f"{i}.zip": layer for i in range(16)})
    out = list(members("42.zip", nested, ArchiveLimits(max_total_bytes=20 * 1024 * 1024, max_depth=3)))
    notes = [o for o in out if isinstance(o, Skipped)]
    assert notes and all("total size limit" in n.reason for n in notes)
    assert sum(len(o[1]) for o in out if not isinstance(o, Skipped)) <= 20 * 1024 * 1024


def test_tar_names_links_and_devices_are_plain_names_or_skips(tmp_path, leakstop):
    def add(archive: tarfile.TarFile) -> None:
        tar_member(archive, "/etc/app.properties", PROPERTIES.encode())
        tar_member(archive, "../../escape.properties", b"x = 1\n")
        tar_member(archive, "link", kind=tarfile.SYMTYPE, link="/etc/shadow")
        tar_member(archive, "dev", kind=tarfile.CHRTYPE)

    (tmp_path / "bundle.tar.gz").write_bytes(tarred(add))
    result = leakstop("scan", tmp_path, "--no-git", "--format", "json")
    assert result.code == 1, result.output
    report = result.json()
    assert [f["path"] for f in report["findings"]] == ["bundle.tar.gz!/etc/app.properties"]
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert "link or device" in skipped["bundle.tar.gz!link"] and "link or device" in skipped["bundle.tar.gz!dev"]
    assert not (tmp_path.parent / "escape.properties").exists()


@pytest.mark.parametrize("damage", ["truncated-zip", "truncated-tar", "garbage-gz"])
def test_damaged_archives_are_listed_skips(tmp_path, leakstop, damage):
    data = {"truncated-zip": NESTED[: len(NESTED) // 2],
            "truncated-tar": tarred(lambda a: tar_member(a, "app.properties", PROPERTIES.encode() * 500))[:200],
            "garbage-gz": b"\x1f\x8b\x08\x00" + b"\xff" * 64}[damage]
    name = {"truncated-zip": "a.zip", "truncated-tar": "a.tar.gz", "garbage-gz": "a.txt.gz"}[damage]
    (tmp_path / name).write_bytes(data)
    result = leakstop("scan", tmp_path, "--no-git", "--format", "json")
    assert "Traceback" not in result.output and result.code in (0, 1), result.output
    assert any(s["path"].startswith(name) and "damaged" in s["reason"] for s in result.json()["skipped"])


def test_encrypted_member_is_a_listed_skip():
    data = bytearray(zipped({"secret.txt": PROPERTIES.encode()}, zipfile.ZIP_STORED))
    # set the "encrypted" flag in the local and central headers, as an encrypting tool would
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature) + offset
        data[at] |= 0x1
    [note] = list(members("locked.zip", bytes(data), ArchiveLimits()))
    assert isinstance(note, Skipped) and "encrypted" in note.reason


def test_ten_thousand_entries_are_read_and_more_are_refused():
    many = zipped({f"f{i}.txt": b"x" for i in range(10_000)})
    assert sum(1 for o in members("many.zip", many, ArchiveLimits()) if not isinstance(o, Skipped)) == 10_000
    [note] = list(members("many.zip", many, ArchiveLimits(max_entries=9_999)))
    assert "entries" in note.reason


def test_git_tree_scan_finds_it_too(tmp_path, leakstop):
    git(tmp_path, "init", "-q")
    (tmp_path / "app.whl").write_bytes(zipped({"pkg/settings.py": PROPERTIES.encode()}))
    result = leakstop("scan", tmp_path, "--format", "json")
    assert result.code == 1 and result.json()["findings"][0]["path"] == "app.whl!pkg/settings.py"
