"""Two real databases (Practica's and Chronicles', clones of the migrated templates) and `practica backup` on them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class Site:
    """An install's two databases and its data directory, as `practica backup` sees them."""

    practica_url: str
    chronicles_url: str
    home: Path
    admin_uri: str

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "PRACTICA_HOME": str(self.home),
            "DATABASE_URL": self.practica_url,
            "CHRONICLES_DATABASE_URL": self.chronicles_url,
            "COLUMNS": "200",
        }
        return subprocess.run(
            [sys.executable, "-m", "practica", "backup", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def create(self) -> Path:
        """A backup; its directory."""
        result = self.run("create", "--to", str(self.home / "backups"))
        assert result.returncode == 0, result.stdout + result.stderr
        (made,) = (self.home / "backups").iterdir()
        return made

    def practica(self, statement: str) -> list[tuple[object, ...]]:
        return _query(self.practica_url, statement)

    def chronicles(self, statement: str) -> list[tuple[object, ...]]:
        return _query(self.chronicles_url, statement)

    def databases_named(self, pattern: str) -> list[str]:
        with psycopg.connect(self.admin_uri, autocommit=True) as connection:
            rows = connection.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,)).fetchall()
        return sorted(str(row[0]) for row in rows)

    def drop(self, name: str) -> None:
        with psycopg.connect(self.admin_uri, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _query(url: str, statement: str) -> list[tuple[object, ...]]:
    with psycopg.connect(libpq(url), autocommit=True) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchall() if cursor.description else []


def edit_manifest(backup: Path, change: dict[str, object]) -> None:
    """Set fields of the practica dump's entry in the manifest (to match a dump changed on purpose)."""
    path = backup / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["dumps"][0].update(change)
    path.write_text(json.dumps(manifest))


@pytest.fixture
def site(practica_db_url: str, chronicles_db_url: str, admin_uri: str, tmp_path: Path) -> Site:
    """Both databases with data: a user and a course in Practica's, a consumer's status in Chronicles'."""
    made = Site(practica_db_url, chronicles_db_url, tmp_path / "home", admin_uri)
    made.home.mkdir()
    made.practica(
        "INSERT INTO users (email, display_name, password_hash, role) VALUES ('ada@example.org', 'Ada', 'x', 'admin')"
    )
    made.practica("INSERT INTO courses (id) VALUES ('bash-testing'), ('databases')")
    made.chronicles(
        "INSERT INTO consumer_status (consumer_group, topic, partition, committed_offset, high_watermark, lag) "
        "VALUES ('chronicles', 'chronicles.entries', 0, 41, 42, 1)"
    )
    return made
