"""Course archives: unpacking an author's upload, and packing a course for storage.

An upload is hostile until proven otherwise, so this module is run, as a
script with nothing but the standard library, inside a throwaway sandbox
(:mod:`practica.sandbox.confined`) where only the target directory is
writable, as an unprivileged uid, with size and time limits. Inside, every
entry is still checked before anything is written: no absolute path, no
``..``, no link leading outside the archive, no device file or FIFO; a
refusal names the entry. Sizes are bounded (the unpacked total, the number of
entries). Only regular files and directories are ever written: links are
checked (a bad one is refused), never created. Python's ``tarfile``
extraction is not used at all (its ``data`` filter missed a link chain
resolving past ``PATH_MAX`` on 3.11.7).

What is stored is always :func:`pack`'s output: a gzipped tar of regular
files and directories, owners and times wiped, ``.git`` left out. The same
:func:`unpack` reads it back on the host.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import shutil
import stat
import sys
import tarfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO

MAX_UPLOAD = 20 * 1024 * 1024  # bytes of an uploaded archive, and of a stored (packed) course
MAX_UNPACKED = 200 * 1024 * 1024
MAX_ENTRIES = 20_000
COURSE_FILE = "course.yaml"
_DRIVE = re.compile(r"^[A-Za-z]:")
_IGNORED_TOP = {"__MACOSX"}


class ArchiveError(ValueError):
    """The archive is refused; the message names the entry and why."""


def unpack(data: bytes, destination: Path) -> None:
    """Check every entry of a .tar(.gz|.bz2|.xz) or .zip archive, then write its files into ``destination``.

    Anything the archive's format or compression makes unreadable is an :class:`ArchiveError` too.
    """
    try:
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
    except ArchiveError:
        raise
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError) as error:
        raise ArchiveError(f"archive: cannot be read: {type(error).__name__}: {str(error)[:200]}") from None


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
    wanted: list[tuple[tarfile.TarInfo, PurePosixPath]] = []
    for member in tar.getmembers():
        path = _entry_path(member.name)
        if member.issym() or member.islnk():
            _check_link(member.name, path, member.linkname, hard=member.islnk())
            continue
        if not (member.isreg() or member.isdir()):
            raise ArchiveError(f"archive entry {member.name!r}: device files and FIFOs are refused")
        budget.take(member.name, member.size if member.isreg() else 0)
        wanted.append((member, path))
    for member, path in wanted:
        if member.isdir():
            _directory(destination, path, member.name)
            continue
        source = tar.extractfile(member)
        assert source is not None  # a regular file always has its data
        _file(destination, path, member.name, source, executable=bool(member.mode & 0o111))


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
        if info.is_dir():
            _directory(destination, path, info.filename)
            continue
        with archive.open(info) as source:
            _file(destination, path, info.filename, source, executable=bool((info.external_attr >> 16) & 0o111))


def _directory(destination: Path, path: PurePosixPath, name: str) -> Path:
    """``destination/path`` as a real directory, each component made or checked without following links."""
    current = destination
    for part in path.parts:
        current = current / part
        try:
            current.mkdir(mode=0o755)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(current).st_mode):
                raise ArchiveError(f"archive entry {name!r}: {part!r} is both a file and a directory") from None
    return current


def _file(destination: Path, path: PurePosixPath, name: str, source: IO[bytes], *, executable: bool) -> None:
    if not path.parts:
        raise ArchiveError(f"archive entry {name!r}: names no file")
    parent = _directory(destination, PurePosixPath(*path.parts[:-1]), name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
    try:
        descriptor = os.open(parent / path.parts[-1], flags, 0o755 if executable else 0o644)
    except (IsADirectoryError, OSError) as error:
        raise ArchiveError(f"archive entry {name!r}: cannot be written ({error.strerror})") from None
    with os.fdopen(descriptor, "wb") as sink:
        shutil.copyfileobj(source, sink)
    os.chmod(parent / path.parts[-1], 0o755 if executable else 0o644)  # whatever the umask left


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
    # The gzip header's own timestamp is fixed too: the same course packs to the same bytes in any second.
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w") as tar,
    ):
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


def main(argv: list[str]) -> int:
    """``python3 -I -S archives.py DEST < ARCHIVE``: what the sandbox runs. Exit 3 and the error as JSON."""
    data = sys.stdin.buffer.read(MAX_UPLOAD + 1)
    try:
        if len(data) > MAX_UPLOAD:
            raise ArchiveError(f"archive: at most {_mb(MAX_UPLOAD)}")
        unpack(data, Path(argv[1]))
    except ArchiveError as error:
        print(json.dumps({"error": str(error)}))
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
