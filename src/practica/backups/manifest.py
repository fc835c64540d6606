"""``manifest.json``: what a backup holds, so a restore can check it before it changes anything."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from practica.backups.errors import BackupError

MANIFEST = "manifest.json"
CHUNK = 1 << 20


class DumpEntry(BaseModel):
    """One database's dump: which products' tables it holds and at which schema revision each was."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str = Field(pattern=r"^[A-Za-z0-9_.-]+\.dump$")
    database: str
    revisions: dict[str, str | None]
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal[1] = 1
    app_version: str
    created_at: datetime
    postgres_version: str
    dumps: list[DumpEntry] = Field(min_length=1)
    workspaces: Literal["not included"] = "not included"

    def write(self, directory: Path) -> None:
        (directory / MANIFEST).write_text(self.model_dump_json(indent=2) + "\n")

    @classmethod
    def parse(cls, text: str, where: str) -> Manifest:
        try:
            return cls.model_validate_json(text)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "(the document)"
            raise BackupError(f"{where}: {field}: {first['msg']}; nothing was restored") from None


def backup_directory(path: Path) -> Path:
    """A backup is named by its directory or its manifest."""
    return path.parent if path.name == MANIFEST else path


def read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST
    try:
        text = path.read_text()
    except OSError as error:
        raise BackupError(f"{path}: {error.strerror}; is this a backup made by `practica backup create`?") from None
    return Manifest.parse(text, str(path))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_dump(directory: Path, entry: DumpEntry) -> Path:
    """The dump's path once its size and checksum match the manifest's."""
    path = directory / entry.file
    if not path.is_file():
        raise BackupError(f"{path} is missing; nothing was restored")
    if path.stat().st_size != entry.size or sha256_of(path) != entry.sha256:
        raise BackupError(
            f"{path}: its size or sha256 does not match the manifest: the file was changed or damaged "
            f"after the backup; nothing was restored"
        )
    return path
