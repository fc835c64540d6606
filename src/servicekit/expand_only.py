"""Migrations only expand: two releases of the code run against one schema.

A deploy replaces replicas one at a time and a rollback swaps the version
back, so for a while release N's code runs against release N+1's schema. That
holds only when a migration adds and never takes away: no table or column is
dropped or renamed, and no column becomes NOT NULL without a default (release
N's INSERTs would not write it). Taking something away is the *contract* step
of a two-release change: release N+1 stops using the column, release N+2 drops
it. Such a migration says so with a module-level ``contract_step_of = "REV"``
naming the expand migration whose release made it safe.

The statements checked are the ones each migration really sends: the
migrations run against a real database with a listener on every cursor.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Engine

from servicekit.migrations import ProductMigrations

_IDENT = r'("[^"]+"|[\w.]+)'
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?{_IDENT}", re.I), "drops table {0}"),
    (re.compile(rf"^ALTER\s+TABLE\s+{_IDENT}\s+RENAME\s+TO\s+{_IDENT}", re.I), "renames table {0} to {1}"),
    (
        re.compile(rf"^ALTER\s+TABLE\s+{_IDENT}\s+RENAME\s+(?:COLUMN\s+)?{_IDENT}\s+TO\s+{_IDENT}", re.I),
        "renames column {0}.{1} to {2}",
    ),
    (
        re.compile(
            rf"^ALTER\s+TABLE\s+{_IDENT}\s+DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(?!CONSTRAINT\b){_IDENT}", re.I
        ),
        "drops column {0}.{1}",
    ),
    (
        re.compile(rf"^ALTER\s+TABLE\s+{_IDENT}\s+ALTER\s+(?:COLUMN\s+)?{_IDENT}\s+SET\s+NOT\s+NULL", re.I),
        "makes column {0}.{1} NOT NULL",
    ),
)
_ADD_COLUMN = re.compile(
    rf"^ALTER\s+TABLE\s+{_IDENT}\s+ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?{_IDENT}(.*)$", re.I | re.S
)
_QUOTED = re.compile(r"'(?:[^']|'')*'")
_COMMENT = re.compile(r"--[^\n]*")


def _normalised(statement: str) -> str:
    """One line, comments gone, string literals blanked (a default of 'DROP TABLE' is not a drop)."""
    without = _COMMENT.sub(" ", _QUOTED.sub("''", statement))
    return " ".join(without.split())


def _unquoted(name: str) -> str:
    return name.strip('"')


def _added_required_column(statement: str) -> str | None:
    match = _ADD_COLUMN.match(statement)
    if match is None:
        return None
    table, column, definition = match.groups()
    if column.upper() == "CONSTRAINT":
        return None
    upper = definition.upper()
    if "NOT NULL" in upper and "DEFAULT" not in upper:
        return f"adds column {_unquoted(table)}.{_unquoted(column)} NOT NULL without a default"
    return None


def contractions(statement: str) -> list[str]:
    """What ``statement`` takes away from release N's code, in words (empty when it only expands)."""
    found: list[str] = []
    for part in _normalised(statement).split(";"):
        sql = part.strip()
        for pattern, words in _RULES:
            match = pattern.match(sql)
            if match:
                found.append(words.format(*(_unquoted(group) for group in match.groups())))
        added = _added_required_column(sql)
        if added:
            found.append(added)
    return found


@dataclass(frozen=True)
class Contraction:
    """A migration that takes something away without saying it is a contract step."""

    revision: str
    what: str
    statement: str

    def __str__(self) -> str:
        return (
            f"migration {self.revision} {self.what} ({self.statement.strip()[:120]}): release N's code would "
            "break against this schema; split it into expand and contract, and mark the contract step with "
            'contract_step_of = "REV"'
        )


@contextmanager
def _recording(into: list[str]) -> Iterator[None]:
    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        into.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _revisions_in_order(product: ProductMigrations) -> list[Any]:
    script = ScriptDirectory.from_config(product.config("postgresql://unused"))
    return list(reversed(list(script.walk_revisions())))


def check_expand_only(product: ProductMigrations, empty_database_url: str) -> list[Contraction]:
    """Migrate ``empty_database_url`` one revision at a time and list every unmarked contraction."""
    found: list[Contraction] = []
    for revision in _revisions_in_order(product):
        statements: list[str] = []
        with _recording(statements):
            product.upgrade(empty_database_url, revision.revision)
        marked = getattr(revision.module, "contract_step_of", None)
        if not marked:
            found.extend(
                Contraction(revision.revision, what, statement)
                for statement in statements
                for what in contractions(statement)
            )
    return found
