"""Templates: validated placeholders, one per (app, subject type, action)."""

from __future__ import annotations

from typing import Any

import pytest
from psycopg import AsyncConnection

from chronicles.errors import InputError
from chronicles.rules.templates import (
    apply_templates,
    create_template,
    delete_template,
    list_templates,
    parse_template,
    update_template,
)

TEMPLATE = {
    "name": "check-passed",
    "app": "practica",
    "subject_type": "Check",
    "action": "check.passed",
    "text": "{performer} passed {payload.lesson.title}",
}


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("{payload.x y} happened", "'x y'"),
        ("{performer.name} did it", "{performer.name}"),
        ("{subject.owner}", "{subject.owner}"),
        ("a { b", "unmatched '{'"),
    ],
)
def test_a_placeholder_that_cannot_exist_is_refused_by_name(text: str, named: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_template({**TEMPLATE, "text": text})
    assert [error.field for error in refused.value.errors] == ["text"]
    assert named in refused.value.errors[0].message


@pytest.mark.parametrize(("field", "value"), [("app", "Practica"), ("subject_type", "check"), ("action", "passed")])
def test_bad_kinds_are_refused_by_field(field: str, value: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_template({**TEMPLATE, field: value})
    assert [error.field for error in refused.value.errors] == [field]


async def test_one_template_per_kind_with_a_clear_error(chronicles_conn: AsyncConnection) -> None:
    async with chronicles_conn.transaction():
        await create_template(chronicles_conn, parse_template(TEMPLATE))
    with pytest.raises(InputError) as refused:
        async with chronicles_conn.transaction():
            await create_template(chronicles_conn, parse_template({**TEMPLATE, "name": "another"}))
    assert refused.value.errors[0].field == "action"
    assert "template 'check-passed' already renders practica Check check.passed" in refused.value.errors[0].message
    assert [stored.definition.name for stored in await list_templates(chronicles_conn)] == ["check-passed"]


async def test_update_and_delete(chronicles_conn: AsyncConnection) -> None:
    async with chronicles_conn.transaction():
        await create_template(chronicles_conn, parse_template(TEMPLATE))
        changed = await update_template(chronicles_conn, "check-passed", {"text": "{performer} won"})
        same = await update_template(chronicles_conn, "check-passed", {"text": "{performer} won"})
    assert (changed.action, changed.fields, same.action) == ("updated", ("text",), "unchanged")
    with pytest.raises(InputError, match=r"\{performer.nick\}"):
        async with chronicles_conn.transaction():
            await update_template(chronicles_conn, "check-passed", {"text": "{performer.nick}"})
    stored = await list_templates(chronicles_conn)
    assert stored[0].definition.text == "{performer} won"
    async with chronicles_conn.transaction():
        await delete_template(chronicles_conn, "check-passed")
    with pytest.raises(InputError, match="no template is named"):
        async with chronicles_conn.transaction():
            await delete_template(chronicles_conn, "check-passed")


async def test_two_templates_can_swap_kinds_in_one_apply(chronicles_conn: AsyncConnection) -> None:
    failed: dict[str, Any] = {
        **TEMPLATE,
        "name": "check-failed",
        "action": "check.failed",
        "text": "{performer} failed",
    }
    async with chronicles_conn.transaction():
        await apply_templates(chronicles_conn, [parse_template(TEMPLATE), parse_template(failed)], prune=False)
    swapped = [
        parse_template({**TEMPLATE, "action": "check.failed"}),
        parse_template({**failed, "action": "check.passed"}),
    ]
    async with chronicles_conn.transaction():
        changes = await apply_templates(chronicles_conn, swapped, prune=False)
    assert [(change.name, change.fields) for change in changes] == [
        ("check-passed", ("action",)),
        ("check-failed", ("action",)),
    ]
    kinds = {stored.definition.name: stored.definition.action for stored in await list_templates(chronicles_conn)}
    assert kinds == {"check-passed": "check.failed", "check-failed": "check.passed"}
