"""Migrations only expand: the rule, and both products' histories judged by it on a real PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from chronicles.store.migrate import MIGRATIONS as CHRONICLES_MIGRATIONS
from practica.db.migrate import MIGRATIONS as PRACTICA_MIGRATIONS
from servicekit.expand_only import check_expand_only, contractions
from servicekit.migrations import ProductMigrations


def _head(product: ProductMigrations) -> str:
    head = ScriptDirectory.from_config(product.config("postgresql://unused")).get_current_head()
    assert head is not None
    return head


@pytest.fixture
def empty_database(clone_database: Callable[[str], str]) -> str:
    return clone_database("template0")


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("DROP TABLE courses", ["drops table courses"]),
        ('DROP TABLE IF EXISTS "old stuff"', ["drops table old stuff"]),
        ("ALTER TABLE users DROP COLUMN nickname", ["drops column users.nickname"]),
        ("ALTER TABLE users RENAME COLUMN name TO display_name", ["renames column users.name to display_name"]),
        ("ALTER TABLE users RENAME TO people", ["renames table users to people"]),
        ("ALTER TABLE users ALTER COLUMN email SET NOT NULL", ["makes column users.email NOT NULL"]),
        ("ALTER TABLE users ADD COLUMN age INTEGER NOT NULL", ["adds column users.age NOT NULL without a default"]),
    ],
)
def test_statements_that_take_something_away_are_named(statement: str, expected: list[str]) -> None:
    assert contractions(statement) == expected


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE t (id BIGINT NOT NULL, PRIMARY KEY (id))",
        "ALTER TABLE users ADD COLUMN age INTEGER",
        "ALTER TABLE users ADD COLUMN age INTEGER DEFAULT '0' NOT NULL",
        "ALTER TABLE users ALTER COLUMN email DROP NOT NULL",
        "ALTER TABLE users DROP CONSTRAINT ck_users_role",
        "ALTER TABLE users ADD CONSTRAINT ck_age CHECK (age > 0)",
        "DROP INDEX ix_users_email",
        "INSERT INTO notes (body) VALUES ('DROP TABLE users; ALTER TABLE x DROP COLUMN y')",
        "-- DROP TABLE users\nSELECT 1",
    ],
)
def test_statements_that_only_expand_pass(statement: str) -> None:
    assert contractions(statement) == []


@pytest.mark.parametrize("product", [PRACTICA_MIGRATIONS, CHRONICLES_MIGRATIONS], ids=["practica", "chronicles"])
def test_every_migration_only_expands(product: ProductMigrations, empty_database: str) -> None:
    assert check_expand_only(product, empty_database) == []


def _copy_with_migration(tmp_path: Path, body: str, *, marker: str = "") -> ProductMigrations:
    scripts = tmp_path / "migrations"
    shutil.copytree(PRACTICA_MIGRATIONS.script_location, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9999_next.py").write_text(
        f'''"""A later migration."""
from alembic import op
import sqlalchemy as sa

revision = "9999"
down_revision = "{_head(PRACTICA_MIGRATIONS)}"
branch_labels = None
depends_on = None
{marker}

def upgrade() -> None:
{body}


def downgrade() -> None:
    pass
'''
    )
    return ProductMigrations(scripts, PRACTICA_MIGRATIONS.version_table)


def test_a_migration_dropping_a_column_is_refused_by_revision_and_statement(
    tmp_path: Path, empty_database: str
) -> None:
    product = _copy_with_migration(tmp_path, '    op.drop_column("users", "display_name")')

    found = check_expand_only(product, empty_database)

    assert [(item.revision, item.what) for item in found] == [("9999", "drops column users.display_name")]
    assert "contract_step_of" in str(found[0])


def test_a_required_column_added_through_alembic_is_refused(tmp_path: Path, empty_database: str) -> None:
    product = _copy_with_migration(
        tmp_path, '    op.add_column("users", sa.Column("shoe_size", sa.Integer(), nullable=False))'
    )

    found = check_expand_only(product, empty_database)

    assert [item.what for item in found] == ["adds column users.shoe_size NOT NULL without a default"]


def test_a_marked_contract_step_is_allowed(tmp_path: Path, empty_database: str) -> None:
    product = _copy_with_migration(
        tmp_path, '    op.drop_column("users", "display_name")', marker='contract_step_of = "0011"'
    )

    assert check_expand_only(product, empty_database) == []
