"""Creating, changing, listing and deleting tag rules.

Every function takes a psycopg connection inside the caller's transaction
(``chronicles apply`` changes many rules in one). A change bumps the rule's
``revision`` (and ``updated_at``), and a create or delete changes the set of
ids: either moves the fingerprint (every rule's id and revision) that every
process's :class:`~chronicles.rules.repository.RuleBookCache` checks per
batch, so ingestion everywhere tags with the new rule from its next batch on.

Mutations first take ``tag_rules`` in ACCESS EXCLUSIVE mode. Ingestion reads
the rules inside its write transaction (ACCESS SHARE, held to commit), so the
lock waits until every batch tagged with the old rules has committed and
holds new batches back until the change commits. That makes the backfill's
upper bound exact: every entry tagged with the old version has an id at or
below ``max(id)`` read in the same transaction (see ``rules.backfill``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from psycopg import AsyncConnection, errors, pq
from psycopg.types.json import Jsonb
from pydantic import ValidationError

from chronicles.errors import InputError, RulesBusyError, from_validation
from chronicles.rules.backfill import queue as queue_backfill
from chronicles.rules.backfill import supersede
from chronicles.rules.book import RuleDefinition, RuleMatch

SELECT_ONE = """
SELECT id, name, kind, tag, match, enabled, revision, created_at, updated_at, retired FROM tag_rules WHERE name = %s
"""
SELECT_ALL = """
SELECT id, name, kind, tag, match, enabled, revision, created_at, updated_at, retired FROM tag_rules ORDER BY name
"""
INSERT = """
INSERT INTO tag_rules (name, kind, tag, match, enabled) VALUES (%s, %s, %s, %s, %s) RETURNING id
"""
UPDATE = """
UPDATE tag_rules SET kind = %s, tag = %s, match = %s, enabled = %s, retired = %s,
                     revision = revision + 1, updated_at = now()
WHERE id = %s
"""

Action = Literal["created", "updated", "unchanged", "deleted"]


@dataclass(frozen=True)
class StoredRule:
    id: int
    definition: RuleDefinition
    revision: int
    created_at: datetime
    updated_at: datetime
    retired: list[dict[str, Any]]


@dataclass(frozen=True)
class Change:
    """What one create/update/delete did (``chronicles apply`` prints these)."""

    what: Literal["tag rule", "template"]
    name: str
    action: Action
    fields: tuple[str, ...] = ()
    backfill_id: int | None = None


def parse_rule(data: Mapping[str, Any]) -> RuleDefinition:
    """Validate a rule written by an operator; errors name the field (``match.actions[0]``)."""
    try:
        return RuleDefinition.model_validate(dict(data))
    except ValidationError as error:
        raise from_validation(error) from None


async def lock_rules(conn: AsyncConnection) -> None:
    """Take the rule table for a change (see the module docstring); raise RulesBusyError after a few seconds."""
    if conn.info.transaction_status is not pq.TransactionStatus.INTRANS:
        raise RuntimeError("tag rules change only inside a transaction")
    await conn.execute("SET LOCAL lock_timeout = '5s'")
    try:
        await conn.execute("LOCK TABLE tag_rules IN ACCESS EXCLUSIVE MODE")
    except errors.LockNotAvailable:
        raise RulesBusyError("the tag rules stayed busy for 5 s (long ingest batches?); try again") from None


async def list_rules(conn: AsyncConnection) -> list[StoredRule]:
    return [_stored(row) for row in await (await conn.execute(SELECT_ALL)).fetchall()]


async def get_rule(conn: AsyncConnection, name: str) -> StoredRule | None:
    row = await (await conn.execute(SELECT_ONE, (name,))).fetchone()
    return _stored(row) if row else None


async def create_rule(conn: AsyncConnection, definition: RuleDefinition, *, backfill_existing: bool = True) -> Change:
    await lock_rules(conn)
    if await get_rule(conn, definition.name) is not None:
        raise InputError.one("name", f"a tag rule named {definition.name!r} already exists")
    return await _insert(conn, definition, backfill_existing)


async def update_rule(
    conn: AsyncConnection, name: str, changes: Mapping[str, Any], *, backfill_existing: bool = True
) -> Change:
    """Change some fields of a rule (the others keep their values)."""
    await lock_rules(conn)
    current = await _existing(conn, name)
    if "name" in changes and changes["name"] != name:
        raise InputError.one("name", "a rule cannot be renamed; create a new one and delete this one")
    merged = definition_json(current.definition) | {"name": name} | dict(changes)
    return await _replace(conn, current, parse_rule(merged), backfill_existing)


async def upsert_rule(conn: AsyncConnection, definition: RuleDefinition, *, backfill_existing: bool = True) -> Change:
    """Create the rule, or bring the stored one with that name to ``definition`` (callers lock first)."""
    current = await get_rule(conn, definition.name)
    if current is None:
        return await _insert(conn, definition, backfill_existing)
    return await _replace(conn, current, definition, backfill_existing)


async def delete_rule(conn: AsyncConnection, name: str) -> Change:
    """Delete a rule. Entries keep the tags it gave: disable it and let its backfill finish to remove them."""
    await lock_rules(conn)
    current = await _existing(conn, name)
    await conn.execute("DELETE FROM tag_rules WHERE id = %s", (current.id,))
    return Change("tag rule", name, "deleted")


async def prune_rules(conn: AsyncConnection, keep: set[str]) -> list[Change]:
    """Delete every rule whose name is not in ``keep`` (callers lock first)."""
    statement = "DELETE FROM tag_rules WHERE NOT name = ANY(%s) RETURNING name"
    rows = await (await conn.execute(statement, (list(keep),))).fetchall()
    return [Change("tag rule", row[0], "deleted") for row in sorted(rows)]


def definition_json(definition: RuleDefinition) -> dict[str, Any]:
    """The rule as JSON, without its name (what ``retired`` and ``backfills.previous`` keep)."""
    return definition.model_dump(mode="json", exclude={"name"})


def changed_fields(old: RuleDefinition, new: RuleDefinition) -> tuple[str, ...]:
    """``("tag", "match.actions")``: the fields that differ, match conditions one level down."""
    before, after = definition_json(old), definition_json(new)
    fields: list[str] = []
    for key in after:
        if key == "match":
            fields += [f"match.{part}" for part in after["match"] if before["match"].get(part) != after["match"][part]]
        elif before.get(key) != after[key]:
            fields.append(key)
    return tuple(fields)


async def _existing(conn: AsyncConnection, name: str) -> StoredRule:
    current = await get_rule(conn, name)
    if current is None:
        raise InputError.one("name", f"no tag rule is named {name!r}")
    return current


async def _insert(conn: AsyncConnection, definition: RuleDefinition, backfill_existing: bool) -> Change:
    row = await (
        await conn.execute(
            INSERT,
            (definition.name, definition.kind.value, definition.tag, _match(definition), definition.enabled),
        )
    ).fetchone()
    assert row is not None
    backfill_id = await queue_backfill(conn, row[0]) if backfill_existing and definition.enabled else None
    return Change("tag rule", definition.name, "created", backfill_id=backfill_id)


async def _replace(
    conn: AsyncConnection, current: StoredRule, definition: RuleDefinition, backfill_existing: bool
) -> Change:
    fields = changed_fields(current.definition, definition)
    if not fields:
        return Change("tag rule", definition.name, "unchanged")
    retired = list(current.retired)
    old = definition_json(current.definition)
    if current.definition.enabled and old not in retired:
        retired.append(old)  # its tags stay on stored entries until a backfill removes them
    values = (definition.kind.value, definition.tag, _match(definition), definition.enabled, Jsonb(retired))
    await conn.execute(UPDATE, (*values, current.id))
    await supersede(conn, current.id)
    backfill_id = await queue_backfill(conn, current.id) if backfill_existing else None
    return Change("tag rule", definition.name, "updated", fields, backfill_id)


def _match(definition: RuleDefinition) -> Jsonb:
    return Jsonb(definition.match.model_dump(mode="json"))


def _stored(row: tuple[Any, ...]) -> StoredRule:
    rule_id, name, kind, tag, match, enabled, revision, created_at, updated_at, retired = row
    try:
        definition = RuleDefinition(name=name, kind=kind, tag=tag, match=match, enabled=enabled)
    except ValidationError:  # stored by an older, laxer version: show it as it is
        definition = RuleDefinition.model_construct(
            name=name, kind=kind, tag=tag, match=RuleMatch.model_construct(**match), enabled=enabled
        )
    return StoredRule(rule_id, definition, revision, created_at, updated_at, list(retired))
