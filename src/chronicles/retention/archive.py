"""The export files: one app's entries of one month as gzip-compressed NDJSON, with a manifest.

``OUT/<app>/<YYYY-MM>.ndjson.gz`` holds one JSON object per line (every
column of the entry, its feed and access tags included), oldest first. A file
is written under a temporary name, flushed to disk (``fsync``), renamed, and
the directory flushed; then its manifest ``<YYYY-MM>.manifest.json`` (the
count and the file's sha256) is written the same way. Only a file with a
manifest counts as exported: a file without one is what an interrupted run
left and is written again. Entries of that month that arrive after it was
exported go to a second part, ``<YYYY-MM>.2.ndjson.gz``, and so on.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from chronicles.store.partitions import Month

FORMAT = "chronicles-entries-ndjson/1"
CHUNK = 1 << 20


class ArchiveError(Exception):
    """An export file does not match its manifest (changed or damaged since it was written)."""


@dataclass(frozen=True)
class Part:
    """One exported file of an app's month, as its manifest describes it."""

    data: Path
    manifest: Path
    count: int
    sha256: str


@dataclass(frozen=True)
class MonthArchive:
    """Where one app's exports of one month live."""

    root: Path
    app: str
    month: Month

    @property
    def directory(self) -> Path:
        return self.root / self.app

    def data_path(self, part: int) -> Path:
        return self.directory / f"{self._stem(part)}.ndjson.gz"

    def manifest_path(self, part: int) -> Path:
        return self.directory / f"{self._stem(part)}.manifest.json"

    def _stem(self, part: int) -> str:
        return self.month.label if part == 1 else f"{self.month.label}.{part}"

    def parts(self) -> list[Part]:
        """The complete parts (those with a manifest), in order."""
        found, number = [], 1
        while (manifest := self.manifest_path(number)).exists():
            described = json.loads(manifest.read_text())
            found.append(Part(self.data_path(number), manifest, int(described["count"]), str(described["sha256"])))
            number += 1
        return found

    def exported_ids(self) -> list[int]:
        """The ids of every entry in the complete parts, each file checked against its manifest first."""
        ids: list[int] = []
        for part in self.parts():
            ids.extend(read_ids(part))
        return ids

    async def write_part(self, rows: AsyncIterator[dict[str, Any]]) -> Part | None:
        """Write ``rows`` as the next part (None when there are none): data file, then manifest, each durably."""
        number = len(self.parts()) + 1
        data, manifest = self.data_path(number), self.manifest_path(number)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = data.with_name(data.name + ".tmp")
        count = await _write_gzip_lines(temporary, rows)
        if count == 0:
            temporary.unlink()
            return None
        digest = file_sha256(temporary)
        _publish(temporary, data)
        described = {
            "format": FORMAT,
            "app": self.app,
            "month": self.month.label,
            "part": number,
            "file": data.name,
            "count": count,
            "sha256": digest,
            "exported_at": datetime.now().astimezone().isoformat(),
        }
        _write_durably(manifest, (json.dumps(described, indent=2) + "\n").encode())
        return Part(data, manifest, count, digest)


async def _write_gzip_lines(path: Path, rows: AsyncIterator[dict[str, Any]]) -> int:
    count = 0
    with _private(path) as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as compressed:
            async for row in rows:
                compressed.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
                count += 1
        raw.flush()
        os.fsync(raw.fileno())
    return count


def _write_durably(path: Path, content: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with _private(temporary) as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    _publish(temporary, path)


def _private(path: Path) -> BinaryIO:
    """A new file only its owner reads (the entries' payloads are as private as the store)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")


def _publish(temporary: Path, final: Path) -> None:
    """Rename into place and flush the directory, so that the new name survives a crash."""
    os.replace(temporary, final)
    directory = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_entries(path: Path) -> Iterator[dict[str, Any]]:
    """The entries of one export file, in order."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def read_ids(part: Part) -> list[int]:
    """The entry ids of a part, after checking the file's sha256 and count against its manifest."""
    if not part.data.exists() or file_sha256(part.data) != part.sha256:
        raise ArchiveError(f"{part.data} does not match the sha256 in {part.manifest.name}: not deleting its entries")
    ids = [int(entry["id"]) for entry in read_entries(part.data)]
    if len(ids) != part.count:
        raise ArchiveError(f"{part.data} holds {len(ids)} entries, {part.manifest.name} says {part.count}")
    return ids
