"""Where a draft's files come from (a git URL or an upload) and how they are read back.

Both sources end as the same thing: :func:`~practica.authoring.archives.pack`'s
gzipped tar of the course directory, which the draft stores; :func:`opened`
unpacks it into a scratch directory and loads it (the same ``load`` as
``practica lesson validate``). These functions block (git, the disk): the web
app runs them in a thread.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from pathlib import Path

from practica.authoring.archives import course_root, pack, unpack
from practica.lessons.loading import LoadedCourse, load
from practica.lessons.publishing import checked_out

REMOTE_GIT = ("https://", "http://", "git://")
LOCAL_GIT = "file://"


class SourceRefusedError(ValueError):
    """A git URL the web app does not clone; the message says which are accepted."""


def check_git_url(url: str, *, allow_local: bool) -> None:
    """Remote https/http/git URLs only: ``ssh`` would use the server's keys, ``file://`` its disk.

    ``file://`` is accepted in development (``allow_local``), where the server is the author's machine.
    """
    accepted = REMOTE_GIT + ((LOCAL_GIT,) if allow_local else ())
    if not url.startswith(accepted):
        raise SourceRefusedError(f"git_url: must start with {', '.join(accepted)}")


def packed_from_git(url: str) -> bytes:
    """A shallow clone of ``url``, packed (raises ``ImportSourceError`` when git cannot clone it)."""
    with checked_out(url) as directory:
        return pack(course_root(directory))


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
