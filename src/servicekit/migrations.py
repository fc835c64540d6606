"""Alembic, run safely: timeouts, one migrator at a time, versioned per product.

Each product keeps its own Alembic history (``practica/migrations``,
``chronicles/migrations``) and a version table of its own, so the two can
share one database or use two: each names them in a :class:`ProductMigrations`.
Their ``env.py`` call :func:`run_env`.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import structlog
from alembic import command, op
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import MetaData, create_engine, pool, text

log = structlog.get_logger(__name__)
IncludeName = Callable[[str | None, str, Any], bool]
# What one statement of a migration may take: a migration stuck on something else fails instead of hanging.
STATEMENT_TIMEOUT = "10min"
# A revision that copies or indexes every row takes as long as the tables are big: at 30 M entries a copy is
# half an hour of INSERT on 2 cores (the bench's own load, without indexes, took 1,361 s). Such a revision
# calls allow_statements_as_long_as_the_data() first.
DATA_STATEMENT_TIMEOUT = "6h"


def skip_tables_named(prefix: str) -> IncludeName:
    """Leave tables another tool creates (procrastinate's) out of ``alembic check``."""

    def include_name(name: str | None, type_: str, _parent: Any) -> bool:
        return not (type_ == "table" and name is not None and name.startswith(prefix))

    return include_name


def alembic_config(script_location: Path, database_url: str, version_table: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("version_table", version_table)
    config.attributes["database_url"] = database_url
    return config


def upgrade(config: Config, revision: str = "head") -> None:
    command.upgrade(config, revision)


def check(config: Config) -> None:
    """Raise if the models differ from what the migrations create."""
    command.check(config)


@dataclass(frozen=True)
class ProductMigrations:
    """One product's Alembic history: its scripts and the version table of its own.

    A product names its own (``practica.db.migrate.MIGRATIONS``,
    ``chronicles.store.migrate.MIGRATIONS``); the running is the same for all.
    """

    script_location: Path
    version_table: str

    def config(self, database_url: str) -> Config:
        return alembic_config(self.script_location, database_url, self.version_table)

    def upgrade(self, database_url: str, revision: str = "head") -> None:
        """Migrate to ``revision`` (tests of a migration's data changes stop at the one before it).

        To ``head`` on a database a newer release already migrated (its revision is unknown to these
        scripts), nothing is done: migrations only expand (:mod:`servicekit.expand_only`), so this older
        release runs on the newer schema, as it does after a rollback. Alembic alone would refuse
        ("Can't locate revision"), and with it every start of the old release.
        """
        if revision == "head" and (newer := self.newer_revisions(database_url)):
            log.warning("migrations.schema_newer_than_release", version_table=self.version_table, revisions=newer)
            return
        upgrade(self.config(database_url), revision)

    def newer_revisions(self, database_url: str) -> list[str]:
        """The database's revisions these scripts do not know: those of a newer release (empty when none)."""
        scripts = ScriptDirectory.from_config(self.config(database_url))
        engine = create_engine(database_url, poolclass=pool.NullPool)
        try:
            with engine.connect() as connection:
                current = MigrationContext.configure(
                    connection, opts={"version_table": self.version_table}
                ).get_current_heads()
        finally:
            engine.dispose()
        return [head for head in current if not _known(scripts, head)]

    def check(self, database_url: str) -> None:
        """Raise if the product's models differ from what its migrations create."""
        check(self.config(database_url))

    def known_revisions(self) -> KnownRevisions:
        """The revisions this code's history holds (a restore refuses a schema the code does not know)."""
        scripts = ScriptDirectory(str(self.script_location))
        known = tuple(sorted(revision.revision for revision in scripts.walk_revisions()))
        return KnownRevisions(self.version_table, tuple(scripts.get_heads()), known)


@dataclass(frozen=True)
class KnownRevisions:
    """What one product's code knows of its schema: its version table, newest revisions and every revision."""

    version_table: str
    heads: tuple[str, ...]
    known: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"version_table": self.version_table, "heads": list(self.heads), "known": list(self.known)}


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:  # Alembic's wrapping of its ResolutionError
        return False


def run_env(
    context: EnvironmentContext | ModuleType,
    target_metadata: MetaData,
    include_name: IncludeName | None = None,
) -> None:
    """Body of a product's ``env.py``: online migrations under a lock and timeouts."""
    config = context.config
    url: str = config.attributes["database_url"]
    version_table = config.get_main_option("version_table") or "alembic_version"
    engine = create_engine(url, poolclass=pool.NullPool)
    lock_key = zlib.crc32(version_table.encode())
    with engine.connect() as connection:
        connection.execute(text("SET lock_timeout = '10s'"))
        connection.execute(text(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'"))
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key})
        connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                version_table=version_table,
                include_name=include_name,
                compare_type=True,
                transaction_per_migration=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key})
            connection.commit()
    engine.dispose()


def allow_statements_as_long_as_the_data() -> None:
    """The rest of this revision's transaction gets :data:`DATA_STATEMENT_TIMEOUT` per statement (``SET LOCAL``)."""
    op.execute(f"SET LOCAL statement_timeout = '{DATA_STATEMENT_TIMEOUT}'")
