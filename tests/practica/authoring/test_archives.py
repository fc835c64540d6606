"""Unpacking authors' archives refuses what could leave the scratch directory; packing is deterministic."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from practica.authoring import archives
from practica.authoring.archives import ArchiveError, course_root, pack, unpack


def _zip(entries: dict[str, tuple[bytes, int]]) -> bytes:
    """name -> (content, unix mode)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (content, mode) in entries.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def _tar(*entries: tarfile.TarInfo) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for entry in entries:
            tar.addfile(entry, io.BytesIO(b"") if entry.isreg() else None)
    return buffer.getvalue()


def test_a_zip_unpacks_files_with_their_executable_bit_and_skips_links_that_stay_inside(tmp_path: Path) -> None:
    data = _zip({
        "course/course.yaml": (b"id: x\n", stat.S_IFREG | 0o644),
        "course/run.sh": (b"#!/bin/sh\n", stat.S_IFREG | 0o755),
        "course/alias": (b"course.yaml", stat.S_IFLNK | 0o777),
    })  # fmt: skip
    unpack(data, tmp_path)
    assert (tmp_path / "course" / "course.yaml").read_bytes() == b"id: x\n"
    assert (tmp_path / "course" / "run.sh").stat().st_mode & 0o111
    assert not (tmp_path / "course" / "alias").exists()
    assert course_root(tmp_path) == tmp_path / "course"


@pytest.mark.parametrize(
    ("entries", "named"),
    [
        ({"../../evil.py": (b"x", stat.S_IFREG | 0o644)}, "'../../evil.py': `..`"),
        ({"C:\\evil.py": (b"x", stat.S_IFREG | 0o644)}, "'C:\\\\evil.py': an absolute path"),
        ({"course/etc": (b"/etc/passwd", stat.S_IFLNK | 0o777)}, "'course/etc': a link to the absolute path"),
        ({"course/up": (b"../../root", stat.S_IFLNK | 0o777)}, "'course/up': a link to '../../root'"),
        ({"course/fifo": (b"", stat.S_IFIFO | 0o644)}, "'course/fifo': device files and FIFOs"),
    ],
)
def test_hostile_zip_entries_are_refused_before_anything_is_written(
    tmp_path: Path, entries: dict[str, tuple[bytes, int]], named: str
) -> None:
    data = _zip({"course/course.yaml": (b"id: x\n", stat.S_IFREG | 0o644), **entries})
    with pytest.raises(ArchiveError, match="archive entry") as refused:
        unpack(data, tmp_path / "out")
    assert named in str(refused.value)
    assert not (tmp_path / "out").exists()


def test_a_hard_link_out_of_a_tar_is_refused(tmp_path: Path) -> None:
    link = tarfile.TarInfo("course/passwd")
    link.type, link.linkname = tarfile.LNKTYPE, "../etc/passwd"
    with pytest.raises(ArchiveError, match=r"'course/passwd': a link to '\.\./etc/passwd' would lead outside"):
        unpack(_tar(link), tmp_path)


def test_an_archive_with_too_many_entries_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archives, "MAX_ENTRIES", 3)
    with pytest.raises(ArchiveError, match="more than 3 entries"):
        unpack(_tar(*(tarfile.TarInfo(f"f{n}") for n in range(4))), tmp_path)


def test_pack_keeps_files_and_directories_only_and_is_the_same_every_time(tmp_path: Path) -> None:
    course = tmp_path / "course"
    (course / ".git").mkdir(parents=True)
    (course / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (course / "add" / "starter").mkdir(parents=True)
    (course / "course.yaml").write_text("id: x\n")
    (course / "add" / "starter" / "main.py").write_text("print(1)\n")
    (course / "link").symlink_to("/etc/passwd")
    packed = pack(course)
    assert pack(course) == packed
    with tarfile.open(fileobj=io.BytesIO(packed)) as tar:
        assert sorted(tar.getnames()) == ["add", "add/starter", "add/starter/main.py", "course.yaml"]
        assert {(member.uid, member.mtime) for member in tar.getmembers()} == {(0, 0)}


def test_course_root_names_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    with pytest.raises(ArchiveError, match=r"no course\.yaml at the top"):
        course_root(tmp_path)
