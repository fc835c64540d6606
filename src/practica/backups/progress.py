"""What a backup or restore reports while it works; the CLI shows it with rich, tests may ignore it."""

from __future__ import annotations

import subprocess
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from practica.backups.errors import BackupError
from practica.backups.postgres import Database

TAIL_LINES = 12


class Progress(Protocol):
    def begin(self, label: str, total: int | None) -> None:
        """A step starts; ``total`` items are expected (None: unknown)."""

    def advance(self) -> None:
        """One item of the current step is done."""


class Silent:
    def begin(self, label: str, total: int | None) -> None:
        pass

    def advance(self) -> None:
        pass


def run_tool(argv: list[str | Path], database: Database, is_item: Callable[[str], bool], progress: Progress) -> None:
    """Run pg_dump/pg_restore verbosely, advancing at each item it reports; its last lines make the error."""
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    process = subprocess.Popen(
        [str(part) for part in argv],
        env=database.tool_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    assert process.stderr is not None
    for line in process.stderr:
        tail.append(line.rstrip())
        if is_item(line):
            progress.advance()
    if process.wait() != 0:
        tool = Path(str(argv[0])).name
        errors = [line for line in tail if "error" in line.lower()] or list(tail)
        raise BackupError(f"{tool} failed (exit {process.returncode}): " + " | ".join(errors[-4:]))
