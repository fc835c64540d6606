"""Where a draft's files come from (a git URL or an upload) and how they are read back.

Both sources end as the same thing: :func:`~practica.authoring.archives.pack`'s
gzipped tar of the course directory, which the draft stores; :func:`opened`
unpacks it into a scratch directory and loads it (the same ``load`` as
``practica lesson validate``). An upload is unpacked in a sandbox
(:func:`packed_from_upload`); the host only reads back a tree of regular
files and directories, and stores it packed. A git URL is only checked here,
in the web request (scheme, host, and that its addresses are public); the
draft's job clones it (:mod:`practica.authoring.fetching`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

from practica.authoring import archives
from practica.authoring.archives import MAX_ENTRIES, MAX_UNPACKED, ArchiveError, course_root, pack, unpack
from practica.authoring.errors import CourseFormatError, ImportRefusedError, SourceRefusedError
from practica.lessons.loading import LessonFormatError, LoadedCourse, load
from practica.sandbox.confined import (
    Confinement,
    LimitExceededError,
    UntrustedTreeError,
    prepare_target,
    run_confined,
    untrusted_tree,
)

REMOTE_GIT = ("https://", "http://", "git://")
LOCAL_GIT = "file://"
DEFAULT_PORTS = {"https": 443, "http": 80, "git": 9418}
UNPACK_TIMEOUT_S = 60.0
UNPACKER = "/opt/practica/unpack.py"  # archives.py, as the sandbox sees it; run by the system's Python
RESOLVE_TIMEOUT_S = 10.0
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def check_git_url(url: str, *, allow_local: bool) -> None:
    """Remote https/http/git URLs only: ``ssh`` would use the server's keys, ``file://`` its disk.

    ``file://`` is accepted in development (``allow_local``), where the server is the author's machine.
    What can be told without the network is checked here (a host, a port, no spaces), so that the
    author learns it at once; whether git can clone it, the draft's job finds out.
    """
    accepted = REMOTE_GIT + ((LOCAL_GIT,) if allow_local else ())
    if not url.startswith(accepted):
        raise SourceRefusedError(f"git_url: must start with {', '.join(accepted)}")
    if any(char.isspace() or not char.isprintable() for char in url):
        raise SourceRefusedError("git_url: must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises for a port that is not a number in range
    except ValueError as error:
        raise SourceRefusedError(f"git_url: is not a valid URL: {error}") from None
    if url.startswith(LOCAL_GIT):
        if not parts.path.strip("/"):
            raise SourceRefusedError("git_url: names no directory")
    elif not parts.hostname:
        raise SourceRefusedError("git_url: names no host")


@dataclass(frozen=True)
class Remote:
    """A git URL's host, port and the public addresses it resolved to (git is pinned to them)."""

    host: str
    port: int
    addresses: tuple[str, ...]


def _refused_address(address: str, allowed: Sequence[Network]) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if any(ip in network for network in allowed):
        return False
    return not ip.is_global or ip.is_multicast


async def resolve_remote(url: str, allowed: Sequence[Network]) -> Remote:
    """Resolve a remote git URL's host; refuse it when any address is loopback, private, link-local or reserved.

    Every address must be public (or in ``allowed``, ``PRACTICA_IMPORT_ALLOWED_NETWORKS``): a name that
    resolves to both is refused, so a rebinding resolver gains nothing from choosing between them.
    """
    parts = urlsplit(url)
    host, port = parts.hostname or "", _port(parts)
    try:
        found = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_S
        )
    except (OSError, TimeoutError):
        raise SourceRefusedError(f"git_url: the host {host!r} could not be resolved") from None
    addresses = tuple(dict.fromkeys(str(entry[4][0]) for entry in found))
    if not addresses or any(_refused_address(address, allowed) for address in addresses):
        raise SourceRefusedError(
            f"git_url: {host!r} is not a public address; imports reach only the internet "
            "(and PRACTICA_IMPORT_ALLOWED_NETWORKS)"
        )
    return Remote(host, port, addresses)


def _port(parts: SplitResult) -> int:
    return parts.port or DEFAULT_PORTS.get(parts.scheme, 443)


async def packed_from_upload(data: bytes, *, uid: int) -> bytes:
    """An uploaded archive, unpacked in a sandbox as ``uid``, read back as plain files, packed in the stored form.

    An archive refused (:class:`ArchiveError`) is a 422 naming the entry and why (:class:`ImportRefusedError`).
    """
    try:
        return await _packed_upload(data, uid=uid)
    except ArchiveError as error:
        raise ImportRefusedError(str(error)) from None


async def _packed_upload(data: bytes, *, uid: int) -> bytes:
    scratch = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="practica-upload-"))
    try:
        target = scratch / "course"
        await unpack_untrusted(data, target, uid=uid)
        return await asyncio.to_thread(lambda: pack(course_root(target)))
    finally:
        await asyncio.to_thread(shutil.rmtree, scratch, True)


async def unpack_untrusted(data: bytes, target: Path, *, uid: int) -> None:
    """Unpack ``data`` into the new directory ``target`` by :mod:`~practica.authoring.archives` run in a sandbox."""
    script = await asyncio.to_thread(Path(archives.__file__).read_bytes)
    confinement = Confinement(
        target=target, files={UNPACKER: script}, timeout_s=UNPACK_TIMEOUT_S, max_bytes=MAX_UNPACKED,
        memory_bytes=1024 * 1024 * 1024, cpu_s=int(UNPACK_TIMEOUT_S), uid=uid,
    )  # fmt: skip
    prepare_target(confinement)
    argv = ["/usr/bin/python3", "-I", "-S", UNPACKER, str(target)]
    try:
        done = await run_confined(argv, confinement, stdin=data, what="unpacking the archive")
    except LimitExceededError as error:
        raise ArchiveError(f"archive: {error}") from None
    if done.returncode != 0:
        raise ArchiveError(_unpack_error(done.returncode, done.stdout, done.stderr))
    try:
        await asyncio.to_thread(untrusted_tree, target, max_entries=2 * MAX_ENTRIES, max_bytes=MAX_UNPACKED)
    except UntrustedTreeError as error:
        raise ArchiveError(f"archive: {error}") from None


def _unpack_error(code: int, stdout: bytes, stderr: bytes) -> str:
    try:
        message = json.loads(stdout)["error"]
        if isinstance(message, str):
            return message[:1000]
    except (ValueError, KeyError, TypeError):
        pass
    return f"archive: could not be unpacked (exit code {code}): {stderr.decode(errors='replace')[-300:]}"


@contextmanager
def opened(archive: bytes) -> Iterator[LoadedCourse]:
    """The stored course, unpacked into a scratch directory (removed afterwards) and loaded.

    Raises :class:`~practica.lessons.loading.LessonFormatError` with every problem when the files are not valid.
    """
    with tempfile.TemporaryDirectory(prefix="practica-draft-") as scratch:
        unpack(archive, Path(scratch))
        yield load(course_root(Path(scratch)))


@asynccontextmanager
async def opened_async(archive: bytes) -> AsyncIterator[LoadedCourse]:
    """:func:`opened`, unpacking and cleaning up in a thread."""
    stack = ExitStack()
    try:
        yield await asyncio.to_thread(stack.enter_context, opened(archive))
    finally:
        await asyncio.to_thread(stack.close)


@asynccontextmanager
async def opened_upload(archive: bytes) -> AsyncIterator[LoadedCourse]:
    """:func:`opened_async` for an author's upload: its files' problems are one 422 naming every one.

    (:class:`~practica.authoring.errors.CourseFormatError`; an unreadable archive is an
    :class:`~practica.authoring.errors.ImportRefusedError`.)
    """
    try:
        async with opened_async(archive) as course:
            yield course
    except LessonFormatError as error:
        raise CourseFormatError(error) from None
    except ArchiveError as error:
        raise ImportRefusedError(str(error)) from None
