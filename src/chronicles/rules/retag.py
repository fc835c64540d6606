"""What one backfill chunk changes on each entry, and the SQL that writes it.

For the rule being backfilled, an entry should carry exactly the tag the
rule's current definition gives it. Tags that earlier definitions of the rule
gave (``backfills.previous``, copied from ``tag_rules.retired``) and the
current one does not are removed, unless another enabled rule gives the same
tag of the same kind to that entry. Tags are (kind, text) pairs: a rule that
moves from feed to access loses its feed tag and gains the access tag.

Tags are normalised the way ingestion does it (through :class:`RuleBook`), so
a backfilled entry is tagged exactly as a newly ingested one would be.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from psycopg import AsyncConnection

from chronicles.rules.book import CompiledRule, RuleBook, RuleDefinition
from chronicles.rules.placeholders import EntryView
from chronicles.store.writer import INSERT_TAGGINGS, SEPARATOR

Pair = tuple[str, str]  # (kind, tag)

SELECT_CHUNK = """
SELECT id, app, subject, subject_type, action, performer, payload, occurred_at, feed_tags, access_tags
FROM entries
WHERE id > %(low)s AND id <= %(high)s
  AND (%(apps)s::text[] IS NULL OR app = ANY(%(apps)s::text[]))
  AND (%(types)s::text[] IS NULL OR subject_type = ANY(%(types)s::text[]))
  AND (%(actions)s::text[] IS NULL OR action = ANY(%(actions)s::text[]))
ORDER BY id
FOR UPDATE
"""
COUNT_CHUNK = "SELECT count(*) FROM entries WHERE id > %s AND id <= %s"
UPDATE_TAGS = """
UPDATE entries AS e
SET feed_tags = coalesce(string_to_array(u.feed, E'\\x1f'), '{}'),
    access_tags = coalesce(string_to_array(u.access, E'\\x1f'), '{}')
FROM unnest(%(id)s::bigint[], %(feed)s::text[], %(access)s::text[]) AS u(id, feed, access)
WHERE e.id = u.id
"""
# The copy of the entry's access tags each of its feed taggings carries (revision 0009), after UPDATE_TAGS.
SYNC_FEED_ACCESS = """
UPDATE feed_taggings AS t SET access_tags = e.access_tags
FROM entries AS e
WHERE e.id = ANY(%(id)s::bigint[]) AND t.entry_id = e.id AND t.occurred_at = e.occurred_at
  AND t.tag = ANY(e.feed_tags) AND t.access_tags IS DISTINCT FROM e.access_tags
"""
DELETE_TAGGINGS = {
    "feed": """
DELETE FROM feed_taggings AS t
USING unnest(%(tag)s::text[], %(occurred_at)s::timestamptz[], %(entry_id)s::bigint[]) AS d(tag, occurred_at, entry_id)
WHERE t.tag = d.tag AND t.occurred_at = d.occurred_at AND t.entry_id = d.entry_id
""",
    "access": """
DELETE FROM access_taggings AS t
USING unnest(%(tag)s::text[], %(occurred_at)s::timestamptz[], %(entry_id)s::bigint[]) AS d(tag, occurred_at, entry_id)
WHERE t.tag = d.tag AND t.occurred_at = d.occurred_at AND t.entry_id = d.entry_id
""",
}


@dataclass(frozen=True)
class Versions:
    """The rule as it is now, as it was before, and every other rule (which may give the same tags)."""

    current: RuleBook  # empty when the rule is disabled
    previous: tuple[RuleBook, ...]
    others: RuleBook

    @classmethod
    def build(cls, current: RuleDefinition, previous: Iterable[dict[str, Any]], book: RuleBook) -> Versions:
        olds = [RuleDefinition.model_validate({**old, "name": current.name}) for old in previous]
        return cls(
            _single(current) if current.enabled else RuleBook(()),
            tuple(_single(old) for old in olds if old.enabled),
            RuleBook(rule for rule in book.rules if rule.name != current.name),
        )

    @property
    def idle(self) -> bool:
        """Nothing to add and nothing to remove: the chunk scan can be skipped."""
        return not self.current.rules and not self.previous

    def prefilter(self) -> dict[str, list[str] | None]:
        """Which entries can be affected at all: the union of every version's allow-lists (None: any)."""
        rules = [*self.current.rules, *(rule for book in self.previous for rule in book.rules)]
        return {
            "apps": _union(rule.apps for rule in rules),
            "types": _union(rule.subject_types for rule in rules),
            "actions": _union(rule.actions for rule in rules),
        }


@dataclass
class ChunkChanges:
    ids: list[int] = field(default_factory=list)
    feed: list[str | None] = field(default_factory=list)
    access: list[str | None] = field(default_factory=list)
    added: dict[str, dict[str, list[Any]]] = field(default_factory=lambda: {"feed": _rows(), "access": _rows()})
    removed: dict[str, dict[str, list[Any]]] = field(default_factory=lambda: {"feed": _rows(), "access": _rows()})
    tagged: int = 0
    untagged: int = 0


async def retag_chunk(conn: AsyncConnection, versions: Versions, low: int, high: int) -> tuple[int, ChunkChanges]:
    """Bring the entries with ``low < id <= high`` in line with ``versions``; return (scanned, changes)."""
    scanned_row = await (await conn.execute(COUNT_CHUNK, (low, high))).fetchone()
    scanned = int(scanned_row[0]) if scanned_row else 0
    if not scanned:
        return scanned, ChunkChanges()
    rows = await (await conn.execute(SELECT_CHUNK, {"low": low, "high": high, **versions.prefilter()})).fetchall()
    changes = plan(rows, versions)
    await write(conn, changes)
    return scanned, changes


def plan(rows: Sequence[tuple[Any, ...]], versions: Versions) -> ChunkChanges:
    changes = ChunkChanges()
    for entry_id, app, subject, subject_type, action, performer, payload, occurred_at, feed, access in rows:
        view = EntryView(app, subject, action, performer, payload, _iso(occurred_at))
        given = _pairs(versions.current, view, subject_type)
        stale = set().union(*(_pairs(old, view, subject_type) for old in versions.previous)) - given
        if stale:
            stale -= _pairs(versions.others, view, subject_type)
        present = {("feed", tag) for tag in feed} | {("access", tag) for tag in access}
        add, remove = [pair for pair in given if pair not in present], stale & present
        for kind, tag in sorted(stale):  # a tagging row without its array entry is removed as well
            _append(changes.removed[kind], tag, occurred_at, entry_id)
        if not add and not remove:
            continue
        for kind, tag in add:
            _append(changes.added[kind], tag, occurred_at, entry_id)
        changes.ids.append(entry_id)
        changes.feed.append(_joined(feed, "feed", add, remove))
        changes.access.append(_joined(access, "access", add, remove))
        changes.tagged += bool(add)
        changes.untagged += bool(remove)
    return changes


async def write(conn: AsyncConnection, changes: ChunkChanges) -> None:
    async with conn.cursor() as cursor:
        if changes.ids:
            columns = {"id": changes.ids, "feed": changes.feed, "access": changes.access}
            await cursor.execute(UPDATE_TAGS, columns, prepare=False)
            await cursor.execute(SYNC_FEED_ACCESS, {"id": changes.ids}, prepare=False)
        for kind in ("feed", "access"):
            if changes.removed[kind]["tag"]:
                await cursor.execute(DELETE_TAGGINGS[kind], changes.removed[kind], prepare=False)
            if changes.added[kind]["tag"]:
                await cursor.execute(INSERT_TAGGINGS[kind], changes.added[kind], prepare=False)


def _single(definition: RuleDefinition) -> RuleBook:
    return RuleBook([CompiledRule.compile(definition)])


def _pairs(book: RuleBook, view: EntryView, subject_type: str) -> set[Pair]:
    tags = book.tags_for(view, subject_type)
    return {("feed", tag) for tag in tags.feed} | {("access", tag) for tag in tags.access}


def _union(allow_lists: Iterable[frozenset[str]]) -> list[str] | None:
    union: set[str] = set()
    for allowed in allow_lists:
        if not allowed:
            return None  # one version matches any value: no filter on this column
        union |= allowed
    return sorted(union)


def _joined(tags: list[str], kind: str, add: list[Pair], remove: set[Pair]) -> str | None:
    kept = [tag for tag in tags if (kind, tag) not in remove]
    kept += [tag for pair_kind, tag in add if pair_kind == kind]
    return SEPARATOR.join(kept) if kept else None


def _rows() -> dict[str, list[Any]]:
    return {"tag": [], "occurred_at": [], "entry_id": []}


def _append(rows: dict[str, list[Any]], tag: str, occurred_at: datetime, entry_id: int) -> None:
    rows["tag"].append(tag)
    rows["occurred_at"].append(occurred_at)
    rows["entry_id"].append(entry_id)


def _iso(occurred_at: datetime) -> str:
    """The same text ingestion gives ``{occurred_at}`` (UTC, ISO 8601), whatever the session's time zone."""
    return occurred_at.astimezone(UTC).isoformat()
