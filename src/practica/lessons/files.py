"""A lesson's files as data: what a directory holds, by relative path, with the executable bit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileData:
    data: bytes
    mode: int = 0o644


FileSet = Mapping[str, FileData]


def read_tree(directory: Path) -> dict[str, FileData]:
    """Every file under ``directory``, by path relative to it, keeping the executable bit."""
    return {
        str(path.relative_to(directory)): FileData(path.read_bytes(), 0o755 if path.stat().st_mode & 0o111 else 0o644)
        for path in sorted(directory.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }
