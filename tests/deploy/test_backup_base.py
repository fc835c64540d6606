"""The base-backup path of point-in-time recovery (README, "Backups"): `pg_basebackup` of a running server
with the WAL it needs, a server started on the copy, and the data there. Run against the tests' embedded
server, with the client tools of its own major (those `practica backup` uses)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from practica.backups.postgres import Database, postgres_tool, server_major
from tests.conftest import free_port

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")), reason="copies the embedded server's data directory"
)


def server_user() -> str | None:
    """The embedded server runs as `pgserver` when the tests run as root (PostgreSQL refuses root)."""
    return "pgserver" if os.geteuid() == 0 else None


@pytest.fixture
def copy_directory() -> Iterator[Path]:
    parent = Path(tempfile.mkdtemp(prefix="practica-basebackup-"))
    if user := server_user():
        shutil.chown(parent, user, user)
    yield parent
    shutil.rmtree(parent, ignore_errors=True)


def run(argv: list[str | Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in argv], capture_output=True, text=True, check=False, user=server_user(), timeout=120
    )


def test_a_base_backup_starts_as_a_server_holding_the_data(practica_db_url: str, copy_directory: Path) -> None:
    database = Database.from_url(practica_db_url)
    with psycopg.connect(make_url(practica_db_url).set(drivername="postgresql").render_as_string(False)) as conn:
        conn.execute("INSERT INTO users (email, display_name, password_hash) VALUES ('ada@example.org', 'Ada', 'x')")
    major = server_major(database)
    data = copy_directory / "data"

    made = run(
        [postgres_tool("pg_basebackup", major), f"--host={database.host}", "--username=postgres",
         f"--pgdata={data}", "--wal-method=stream", "--checkpoint=fast", "--no-password"]
    )  # fmt: skip
    assert made.returncode == 0, made.stderr

    port, sockets = free_port(), copy_directory
    options = f"-c port={port} -c listen_addresses='' -c unix_socket_directories={sockets}"
    pg_ctl = postgres_tool("pg_ctl", major)
    started = run([pg_ctl, "--pgdata", data, "--options", options, "--wait", "--log", copy_directory / "log", "start"])
    assert started.returncode == 0, started.stderr + (copy_directory / "log").read_text(errors="replace")
    try:
        with psycopg.connect(host=str(sockets), port=port, user="postgres", dbname=database.name) as copy:
            rows = copy.execute("SELECT email FROM users").fetchall()
            in_recovery = copy.execute("SELECT pg_is_in_recovery()").fetchone()
    finally:
        run([pg_ctl, "--pgdata", data, "--mode", "fast", "--wait", "stop"])
    assert rows == [("ada@example.org",)]
    assert in_recovery == (False,), "the copy came up as a server of its own, its recovery finished"
