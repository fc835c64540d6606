"""Creating, changing and deleting tag rules against a real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from psycopg import AsyncConnection

from chronicles.errors import InputError, RulesBusyError
from chronicles.ingest.parsing import RawMessage
from chronicles.ingest.service import Ingestor
from chronicles.rules.service import create_rule, delete_rule, get_rule, list_rules, parse_rule, update_rule
from tests.chronicles.conftest import libpq
from tests.chronicles.factories import entry
from tests.chronicles.operating import feed_tags, one

RULE = {"name": "by-user", "kind": "feed", "tag": "user:{performer}", "match": {"apps": ["practica"]}}


async def test_a_change_bumps_revision_and_updated_at_and_keeps_the_old_version(
    chronicles_conn: AsyncConnection,
) -> None:
    async with chronicles_conn.transaction():
        created = await create_rule(chronicles_conn, parse_rule(RULE))
    first = await get_rule(chronicles_conn, "by-user")
    assert first is not None
    assert (created.action, first.revision, first.retired) == ("created", 1, [])
    async with chronicles_conn.transaction():
        changed = await update_rule(
            chronicles_conn,
            "by-user",
            {"tag": "who:{performer}", "match": {"actions": ["a.b"]}},
            backfill_existing=False,  # the old version stays until a backfill cleans up after it
        )
    second = await get_rule(chronicles_conn, "by-user")
    assert second is not None
    assert changed.action == "updated"
    assert changed.fields == ("tag", "match.apps", "match.actions")
    assert (second.revision, second.definition.tag) == (2, "who:{performer}")
    assert second.updated_at > first.updated_at
    assert second.retired == [
        {
            "kind": "feed",
            "tag": "user:{performer}",
            "enabled": True,
            "match": {"apps": ["practica"], "subject_types": [], "actions": [], "payload": []},
        }
    ]
    async with chronicles_conn.transaction():
        same = await update_rule(chronicles_conn, "by-user", {"tag": "who:{performer}"})
    assert (same.action, same.backfill_id) == ("unchanged", None)
    assert (await one(chronicles_conn, "SELECT revision FROM tag_rules")) == 2


async def test_every_process_tags_with_the_changed_rule_from_its_next_batch(chronicles_conn: AsyncConnection) -> None:
    ingestor = Ingestor()  # one per process, with its cached rule book

    async def ingest(subject: str) -> None:
        message = entry(subject=subject, performer="gid://practica/User/1")
        await ingestor.ingest_raw(chronicles_conn, [RawMessage(json.dumps(message).encode(), "http")], "http")

    await ingest("gid://practica/Lesson/before")
    async with chronicles_conn.transaction():
        await create_rule(chronicles_conn, parse_rule(RULE), backfill_existing=False)
    await ingest("gid://practica/Lesson/created")
    async with chronicles_conn.transaction():
        await update_rule(chronicles_conn, "by-user", {"tag": "actor:{performer.id}"}, backfill_existing=False)
    await ingest("gid://practica/Lesson/changed")
    assert await feed_tags(chronicles_conn) == {
        "gid://practica/Lesson/before": [],
        "gid://practica/Lesson/created": ["user:gid://practica/User/1"],
        "gid://practica/Lesson/changed": ["actor:1"],
    }


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({**RULE, "tag": "user:{performer.name}"}, "tag", "{performer.name}"),
        ({**RULE, "tag": "x:{payload.a b}"}, "tag", "'a b'"),
        ({**RULE, "kind": "sideways"}, "kind", "'feed' or 'access'"),
        ({**RULE, "match": {"actions": ["Not An Action"]}}, "match.actions[0]", "pattern"),
        (
            {**RULE, "match": {"payload": [{"operation": "EXISTS", "path": ["a"], "value": 3}]}},
            "match.payload[0]",
            "EXISTS",
        ),
        ({**RULE, "match": {"colour": "red"}}, "match.colour", "Extra inputs"),
        ({**RULE, "name": "Has Spaces"}, "name", "pattern"),
    ],
)
def test_a_bad_rule_is_refused_with_the_field_named(data: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_rule(data)
    assert [error.field for error in refused.value.errors] == [field]
    assert words in refused.value.errors[0].message


async def test_names_are_unique_and_unknown_names_are_named(chronicles_conn: AsyncConnection) -> None:
    async with chronicles_conn.transaction():
        await create_rule(chronicles_conn, parse_rule(RULE))
    with pytest.raises(InputError, match="already exists") as duplicate:
        async with chronicles_conn.transaction():
            await create_rule(chronicles_conn, parse_rule(RULE))
    assert duplicate.value.errors[0].field == "name"
    for call in (update_rule(chronicles_conn, "nope", {"tag": "x"}), delete_rule(chronicles_conn, "nope")):
        with pytest.raises(InputError, match="no tag rule is named 'nope'"):
            async with chronicles_conn.transaction():
                await call
    with pytest.raises(InputError, match="cannot be renamed"):
        async with chronicles_conn.transaction():
            await update_rule(chronicles_conn, "by-user", {"name": "other"})
    async with chronicles_conn.transaction():
        deleted = await delete_rule(chronicles_conn, "by-user")
    assert deleted.action == "deleted"
    assert await list_rules(chronicles_conn) == []


async def test_a_change_waits_for_ingest_batches_and_gives_up_after_a_while(
    chronicles_conn: AsyncConnection, chronicles_db_url: str
) -> None:
    async with await AsyncConnection.connect(libpq(chronicles_db_url)) as ingest:
        await ingest.execute("SELECT count(*) FROM tag_rules")  # a batch reading the rules, not yet committed
        started = asyncio.get_running_loop().time()
        with pytest.raises(RulesBusyError):
            async with chronicles_conn.transaction():
                await create_rule(chronicles_conn, parse_rule(RULE))
        assert asyncio.get_running_loop().time() - started >= 4.5
        await ingest.rollback()
    assert await list_rules(chronicles_conn) == []
