"""Where a draft's files come from (a git URL or an upload) and how they are read back.

Both sources end as the same thing: :func:`~practica.authoring.archives.pack`'s
gzipped tar of the course directory, which the draft stores; :func:`opened`
unpacks it into a scratch directory and loads it (the same ``load`` as
``practica lesson validate``). A git URL is only checked here, in the web
request; the draft's job clones it (:mod:`practica.authoring.fetching`).
These functions block (the disk): the web app runs them in a thread.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from practica.authoring.archives import course_root, pack, unpack
from practica.lessons.loading import LoadedCourse, load

REMOTE_GIT = ("https://", "http://", "git://")
LOCAL_GIT = "file://"


class SourceRefusedError(ValueError):
    """A git URL the web app does not clone; the message says which are accepted."""


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


def packed_from_upload(data: bytes) -> bytes:
    """An uploaded archive, checked entry by entry, unpacked, and packed again in the stored form."""
    with tempfile.TemporaryDirectory(prefix="practica-upload-") as scratch:
        unpack(data, Path(scratch))
        return pack(course_root(Path(scratch)))


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
