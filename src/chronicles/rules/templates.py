"""Templates: how an entry reads for people, one per (app, subject type, action).

A template's text is parsed when it is saved (:meth:`Template.parse`): a
placeholder an entry cannot have (``{performer.name}``, ``{payload.x y}``) is
refused with a message naming it, so rendering never fails later. Searches
read the texts of a page's kinds in one query (:func:`template_texts`) and
parse each text once per process (:class:`ParsedTemplates`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from psycopg import AsyncConnection
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chronicles.contract.patterns import ActionName, AppName, TypeName
from chronicles.errors import InputError, from_validation
from chronicles.rules.placeholders import PlaceholderError, Template
from chronicles.rules.service import Change

log = structlog.get_logger(__name__)

FIELDS = ("app", "subject_type", "action", "text")
SELECT = "SELECT id, name, app, subject_type, action, text, created_at, updated_at FROM templates"
SELECT_ALL = SELECT + " ORDER BY name"
SELECT_ONE = SELECT + " WHERE name = %s"
OWNER = "SELECT name FROM templates WHERE app = %s AND subject_type = %s AND action = %s AND name <> %s"
INSERT = "INSERT INTO templates (name, app, subject_type, action, text) VALUES (%s, %s, %s, %s, %s)"
UPDATE = "UPDATE templates SET app = %s, subject_type = %s, action = %s, text = %s, updated_at = now() WHERE id = %s"
# While templates swap (app, subject_type, action) inside one apply, the ones that move step aside first.
STEP_ASIDE = "UPDATE templates SET action = '~moving~' || id WHERE id = ANY(%s)"
TEXTS = """
SELECT t.app, t.subject_type, t.action, t.text
FROM templates AS t
JOIN unnest(%(app)s::text[], %(subject_type)s::text[], %(action)s::text[]) AS k(app, subject_type, action)
  ON t.app = k.app AND t.subject_type = k.subject_type AND t.action = k.action
"""
PARSED_TEXTS = 1024

Kind = tuple[str, str, str]  # (app, subject_type, action)


class TemplateDefinition(BaseModel):
    """A template as an operator writes it (YAML, GraphQL)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$")
    app: AppName
    subject_type: TypeName
    action: ActionName
    text: str = Field(min_length=1, max_length=2000)

    @field_validator("text")
    @classmethod
    def _placeholders_exist(cls, text: str) -> str:
        Template.parse(text)
        return text

    @property
    def kind(self) -> tuple[str, str, str]:
        return (self.app, self.subject_type, self.action)


@dataclass(frozen=True)
class StoredTemplate:
    id: int
    definition: TemplateDefinition
    created_at: datetime
    updated_at: datetime


def parse_template(data: Mapping[str, Any]) -> TemplateDefinition:
    try:
        return TemplateDefinition.model_validate(dict(data))
    except ValidationError as error:
        raise from_validation(error) from None


async def list_templates(conn: AsyncConnection) -> list[StoredTemplate]:
    return [_stored(row) for row in await (await conn.execute(SELECT_ALL)).fetchall()]


async def get_template(conn: AsyncConnection, name: str) -> StoredTemplate | None:
    row = await (await conn.execute(SELECT_ONE, (name,))).fetchone()
    return _stored(row) if row else None


async def create_template(conn: AsyncConnection, definition: TemplateDefinition) -> Change:
    if await get_template(conn, definition.name) is not None:
        raise InputError.one("name", f"a template named {definition.name!r} already exists")
    return await upsert_template(conn, definition)


async def update_template(conn: AsyncConnection, name: str, changes: Mapping[str, Any]) -> Change:
    current = await get_template(conn, name)
    if current is None:
        raise InputError.one("name", f"no template is named {name!r}")
    if "name" in changes and changes["name"] != name:
        raise InputError.one("name", "a template cannot be renamed; create a new one and delete this one")
    merged = current.definition.model_dump() | dict(changes) | {"name": name}
    return await upsert_template(conn, parse_template(merged))


async def delete_template(conn: AsyncConnection, name: str) -> Change:
    deleted = await (await conn.execute("DELETE FROM templates WHERE name = %s RETURNING id", (name,))).fetchone()
    if deleted is None:
        raise InputError.one("name", f"no template is named {name!r}")
    return Change("template", name, "deleted")


async def upsert_template(conn: AsyncConnection, definition: TemplateDefinition) -> Change:
    """Create the template or bring the stored one with that name to ``definition``."""
    await _check_free(conn, definition)
    current = await get_template(conn, definition.name)
    values = (definition.app, definition.subject_type, definition.action, definition.text)
    if current is None:
        await conn.execute(INSERT, (definition.name, *values))
        return Change("template", definition.name, "created")
    fields = tuple(field for field in FIELDS if getattr(current.definition, field) != getattr(definition, field))
    if not fields:
        return Change("template", definition.name, "unchanged")
    await conn.execute(UPDATE, (*values, current.id))
    return Change("template", definition.name, "updated", fields)


async def apply_templates(
    conn: AsyncConnection, definitions: Sequence[TemplateDefinition], *, prune: bool
) -> list[Change]:
    """Upsert many templates at once (``chronicles apply``); errors are placed under ``templates[i]``."""
    changes: list[Change] = []
    if prune:
        names = [definition.name for definition in definitions]
        statement = "DELETE FROM templates WHERE NOT name = ANY(%s) RETURNING name"
        rows = await (await conn.execute(statement, (names,))).fetchall()
        changes += [Change("template", row[0], "deleted") for row in sorted(rows)]
    await _step_aside(conn, definitions)
    for index, definition in enumerate(definitions):
        try:
            changes.append(await upsert_template(conn, definition))
        except InputError as error:
            raise error.under("templates", index) from None
    return changes


async def _step_aside(conn: AsyncConnection, definitions: Sequence[TemplateDefinition]) -> None:
    """Templates whose kind changes leave their old kind free first, so two may swap in one apply."""
    moving = []
    for definition in definitions:
        current = await get_template(conn, definition.name)
        if current is not None and current.definition.kind != definition.kind:
            moving.append(current.id)
    if moving:
        await conn.execute(STEP_ASIDE, (moving,))


async def _check_free(conn: AsyncConnection, definition: TemplateDefinition) -> None:
    owner = await (await conn.execute(OWNER, (*definition.kind, definition.name))).fetchone()
    if owner is not None:
        app, subject_type, action = definition.kind
        raise InputError.one(
            "action",
            f"template {owner[0]!r} already renders {app} {subject_type} {action}; "
            "there is one template per (app, subject_type, action)",
        )


def _stored(row: tuple[Any, ...]) -> StoredTemplate:
    template_id, name, app, subject_type, action, text, created_at, updated_at = row
    definition = TemplateDefinition.model_construct(
        name=name, app=app, subject_type=subject_type, action=action, text=text
    )
    return StoredTemplate(template_id, definition, created_at, updated_at)


async def template_texts(conn: AsyncConnection, kinds: Sequence[Kind]) -> dict[Kind, str]:
    """The text of each kind's template, for the kinds that have one (one query)."""
    columns = {"app": [k[0] for k in kinds], "subject_type": [k[1] for k in kinds], "action": [k[2] for k in kinds]}
    rows = await (await conn.execute(TEXTS, columns, prepare=False)).fetchall()
    return {(app, subject_type, action): text for app, subject_type, action, text in rows}


class ParsedTemplates:
    """Template texts parsed once per process (the most recent :data:`PARSED_TEXTS` texts)."""

    def __init__(self) -> None:
        self.parsed = functools.lru_cache(maxsize=PARSED_TEXTS)(_parsed)


def _parsed(source: str) -> Template | None:
    try:
        return Template.parse(source)
    except PlaceholderError as error:  # saved before a stricter parser: show no text rather than fail
        log.error("public.invalid_stored_template", error=str(error))
        return None
