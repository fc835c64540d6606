"""Bound parameters for SQL composed from fixed fragments.

Search SQL is composed with :mod:`psycopg.sql` from constant fragments
(``sql.SQL`` of literal strings); every value (filter values, JSON paths,
tags, cursor positions) goes through :meth:`Params.bind`, which answers a
named placeholder. Nothing a client sends is ever part of the SQL text.
"""

from __future__ import annotations

from typing import LiteralString

from psycopg import sql


class Params:
    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def bind(self, value: object, cast: LiteralString = "") -> sql.Composed:
        """A placeholder for ``value``; ``cast`` is a fixed SQL type such as ``::text[]``."""
        name = f"p{len(self.values)}"
        self.values[name] = value
        return sql.Composed([sql.Placeholder(name), sql.SQL(cast)])


def join(parts: list[sql.Composable]) -> sql.Composed:
    """Conditions joined with AND (``true`` when there are none)."""
    return sql.SQL(" AND ").join(parts) if parts else sql.Composed([sql.SQL("true")])
