"""Both products' migrations against a real PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import psycopg
import pytest
from sqlalchemy.engine import make_url

from chronicles.store.migrate import MIGRATIONS as CHRONICLES_MIGRATIONS
from practica.db.migrate import MIGRATIONS as PRACTICA_MIGRATIONS
from servicekit.migrations import ProductMigrations

PRODUCTS = [PRACTICA_MIGRATIONS, CHRONICLES_MIGRATIONS]


@pytest.fixture
def empty_database(clone_database: Callable[[str], str]) -> str:
    return clone_database("template0")


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(False)


@pytest.mark.parametrize("product", PRODUCTS, ids=["practica", "chronicles"])
def test_models_match_the_migrations(product: ProductMigrations, empty_database: str) -> None:
    product.upgrade(empty_database)
    product.check(empty_database)


def test_two_products_share_one_database_with_separate_histories(empty_database: str) -> None:
    for product in PRODUCTS:
        product.upgrade(empty_database)
    with psycopg.connect(libpq(empty_database)) as conn:
        tables = {row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"practica_alembic_version", "chronicles_alembic_version", "procrastinate_jobs"} <= tables


def test_concurrent_migrators_wait_for_each_other(empty_database: str) -> None:
    env = {**os.environ, "DATABASE_URL": empty_database}
    migrators = [
        subprocess.Popen([sys.executable, "-m", "practica", "migrate"], env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    for migrator in migrators:
        _, stderr = migrator.communicate(timeout=120)
        assert migrator.returncode == 0, stderr
    with psycopg.connect(libpq(empty_database)) as conn:
        versions = conn.execute("SELECT version_num FROM practica_alembic_version").fetchall()
    assert len(versions) == 1
