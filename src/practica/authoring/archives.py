"""Course archives: unpacking an author's upload safely, and packing a course for storage.

An upload is hostile until proven otherwise. Every entry is checked before
anything is written: no absolute path, no ``..``, no link leading outside the
archive, no device file or FIFO; a refusal names the entry. Sizes are bounded
(the upload, the unpacked total, the number of entries) so that a small
archive cannot fill the disk. Tar archives are then extracted with Python's
own ``data`` filter as a second line of defence. Links that stay inside a zip
archive are skipped (zip has no portable links, and a check never copies
links).

What is stored is always :func:`pack`'s output: a gzipped tar of regular
files and directories, owners and times wiped, ``.git`` left out.
"""

from __future__ import annotations

import io
import re
import shutil
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

MAX_UPLOAD = 20 * 1024 * 1024  # bytes of an uploaded archive, and of a stored (packed) course
MAX_UNPACKED = 200 * 1024 * 1024
MAX_ENTRIES = 20_000
COURSE_FILE = "course.yaml"
_DRIVE = re.compile(r"^[A-Za-z]:")
_IGNORED_TOP = {"__MACOSX"}


class ArchiveError(ValueError):
    """The archive is refused; the message names the entry and why."""


def unpack(data: bytes, destination: Path) -> None:
    """Check every entry of a .tar(.gz|.bz2|.xz) or .zip archive, then extract it into ``destination``."""
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _unpack_zip(archive, destination)
        return
    try:
        tar = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")  # noqa: SIM115  (closed below; open can fail)
    except tarfile.TarError:
        raise ArchiveError("archive: the upload is neither a tar archive (.tar.gz) nor a .zip archive") from None
    with tar:
        _unpack_tar(tar, destination)


def _entry_path(name: str) -> PurePosixPath:
    normal = name.replace("\\", "/")
    if normal.startswith("/") or _DRIVE.match(normal):
        raise ArchiveError(f"archive entry {name!r}: an absolute path is refused")
    parts = [part for part in normal.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ArchiveError(f"archive entry {name!r}: `..` would lead outside the archive")
    return PurePosixPath(*parts)


def _check_link(name: str, path: PurePosixPath, target: str, *, hard: bool) -> None:
    """A link must point inside the archive: relative to the archive's root (hard) or to its own directory."""
    if target.startswith("/") or _DRIVE.match(target):
        raise ArchiveError(f"archive entry {name!r}: a link to the absolute path {target!r} is refused")
    depth = 0 if hard else len(path.parent.parts)
    for part in target.replace("\\", "/").split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                raise ArchiveError(f"archive entry {name!r}: a link to {target!r} would lead outside the archive")
        elif part not in ("", "."):
            depth += 1


class _Budget:
    """Counts entries and bytes as they are checked."""

    def __init__(self) -> None:
        self.entries = 0
        self.size = 0

    def take(self, name: str, size: int) -> None:
        self.entries += 1
        self.size += size
        if self.entries > MAX_ENTRIES:
            raise ArchiveError(f"the archive has more than {MAX_ENTRIES} entries")
        if self.size > MAX_UNPACKED:
            raise ArchiveError(f"archive entry {name!r}: the archive unpacks to more than {_mb(MAX_UNPACKED)}")


def _unpack_tar(tar: tarfile.TarFile, destination: Path) -> None:
    budget = _Budget()
    members = tar.getmembers()
    for member in members:
        path = _entry_path(member.name)
        if member.issym() or member.islnk():
            _check_link(member.name, path, member.linkname, hard=member.islnk())
        elif not (member.isreg() or member.isdir()):
            raise ArchiveError(f"archive entry {member.name!r}: device files and FIFOs are refused")
        budget.take(member.name, member.size if member.isreg() else 0)
    try:
        tar.extractall(destination, members=members, filter="data")
    except tarfile.FilterError as error:  # what the checks above missed, Python's filter still refuses
        raise ArchiveError(f"archive entry {error.tarinfo.name!r}: {error}") from None


def _unpack_zip(archive: zipfile.ZipFile, destination: Path) -> None:
    budget = _Budget()
    wanted: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
    for info in archive.infolist():
        path = _entry_path(info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            _check_link(info.filename, path, archive.read(info).decode(errors="replace"), hard=False)
            continue
        if mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise ArchiveError(f"archive entry {info.filename!r}: device files and FIFOs are refused")
        budget.take(info.filename, info.file_size)
        wanted.append((info, path))
    for info, path in wanted:
        target = destination.joinpath(*path.parts)
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source, target.open("wb") as sink:
            shutil.copyfileobj(source, sink)
        target.chmod(0o755 if (info.external_attr >> 16) & 0o111 else 0o644)


def course_root(directory: Path) -> Path:
    """Where ``course.yaml`` is: at the top, or in the one top-level directory (as in GitHub's archives)."""
    if (directory / COURSE_FILE).is_file():
        return directory
    entries = [entry for entry in directory.iterdir() if entry.name not in _IGNORED_TOP]
    if len(entries) == 1 and entries[0].is_dir() and (entries[0] / COURSE_FILE).is_file():
        return entries[0]
    raise ArchiveError(f"no {COURSE_FILE} at the top (or in the one top-level directory): is this a course?")


def _normalised(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 0
    info.mode = 0o755 if info.isdir() or info.mode & 0o111 else 0o644
    return info


def pack(directory: Path) -> bytes:
    """The course under ``directory`` as a gzipped tar (regular files and directories only, no ``.git``)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(directory.rglob("*")):
            relative = path.relative_to(directory)
            if ".git" in relative.parts or path.is_symlink() or not (path.is_dir() or path.is_file()):
                continue
            tar.add(path, arcname=relative.as_posix(), recursive=False, filter=_normalised)
    packed = buffer.getvalue()
    if len(packed) > MAX_UPLOAD:
        raise ArchiveError(f"the course is {_mb(len(packed))} compressed; at most {_mb(MAX_UPLOAD)} is stored")
    return packed


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"
