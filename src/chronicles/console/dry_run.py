"""What a change to a tag rule would re-tag, computed without writing anything.

The backfill a change queues brings every stored entry in line with the
rule's new definition (:mod:`chronicles.rules.retag`): it adds the tag the
new definition gives and removes tags earlier definitions gave that no other
rule gives. The dry run asks the same question of the newest ``scan``
entries (ids above ``max(id) - scan``), so an operator sees the counts and a
few examples before applying. It reads without locking; on a table larger
than the window it says so (``covers_all`` false) rather than extrapolating.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from psycopg import AsyncConnection

from chronicles.errors import InputError
from chronicles.rules.book import CompiledRule, RuleBook, RuleDefinition
from chronicles.rules.placeholders import EntryView
from chronicles.rules.repository import load_rule_book
from chronicles.rules.service import definition_json, get_rule, parse_rule

MAX_SCAN = 100_000
MAX_EXAMPLES = 20
BOUNDS = "SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM entries"
WINDOW = """
SELECT id, app, subject, subject_type, action, performer, payload, occurred_at, feed_tags, access_tags
FROM entries WHERE id > %(low)s ORDER BY id DESC
"""
Pair = tuple[str, str]  # (kind, tag)


@dataclass(frozen=True)
class TagChange:
    """One entry that would gain or lose tags, with those tags (``feed:lesson:7``)."""

    entry_id: int
    subject: str
    action: str
    tags: list[str]


@dataclass
class RuleDiff:
    scanned: int = 0
    covers_all: bool = True
    gained: int = 0
    lost: int = 0
    gained_examples: list[TagChange] = field(default_factory=list)
    lost_examples: list[TagChange] = field(default_factory=list)


@dataclass(frozen=True)
class Proposal:
    """The rule as it would be after the change, the definitions it leaves behind, and every other rule."""

    proposed: RuleBook
    earlier: RuleBook
    others: RuleBook


async def diff_rule_change(conn: AsyncConnection, name: str, changes: Mapping[str, Any], scan: int) -> RuleDiff:
    """Counts and examples of entries that would gain or lose a tag if ``changes`` were applied to rule ``name``."""
    _check_scan(scan)
    return await _diff(conn, await _proposal(conn, name, changes), scan)


async def diff_new_rule(conn: AsyncConnection, definition: Mapping[str, Any], scan: int) -> RuleDiff:
    """Counts and examples of entries that ``createTagRule(definition)`` would make its backfill tag."""
    _check_scan(scan)
    rule = parse_rule(definition)
    if await get_rule(conn, rule.name) is not None:
        raise InputError.one("name", f"a tag rule named {rule.name!r} already exists; preview a change to it instead")
    # Nothing earlier to take away, so the other rules are never asked: a tag one gives already is present.
    proposal = Proposal(_book([rule] if rule.enabled else []), _book([]), _book([]))
    return await _diff(conn, proposal, scan)


def _check_scan(scan: int) -> None:
    if not 1 <= scan <= MAX_SCAN:
        raise InputError.one("scan", f"must be between 1 and {MAX_SCAN}")


async def _diff(conn: AsyncConnection, proposal: Proposal, scan: int) -> RuleDiff:
    low, high = await (await conn.execute(BOUNDS)).fetchone() or (0, 0)
    window_low = max(high - scan, 0)
    diff = RuleDiff(covers_all=window_low < low or high == 0)
    async with conn.cursor(name="console_dry_run") as cursor:
        await cursor.execute(WINDOW, {"low": window_low})
        async for row in cursor:
            diff.scanned += 1
            _count(diff, row, proposal)
    return diff


async def _proposal(conn: AsyncConnection, name: str, changes: Mapping[str, Any]) -> Proposal:
    stored = await get_rule(conn, name)
    if stored is None:
        raise InputError.one("name", f"no tag rule is named {name!r}")
    if "name" in changes and changes["name"] != name:
        raise InputError.one("name", "a rule cannot be renamed; create a new one and delete this one")
    merged = parse_rule(definition_json(stored.definition) | {"name": name} | dict(changes))
    earlier = [*stored.retired, definition_json(stored.definition)]
    olds = [RuleDefinition.model_validate({**old, "name": name}) for old in earlier]
    book = await load_rule_book(conn)
    return Proposal(
        _book([merged] if merged.enabled else []),
        _book([old for old in olds if old.enabled]),
        RuleBook(rule for rule in book.rules if rule.name != name),
    )


def _count(diff: RuleDiff, row: Sequence[Any], proposal: Proposal) -> None:
    """The backfill's rule (``rules.retag.plan``) for one entry: add what is given, drop stale tags present."""
    entry_id, app, subject, subject_type, action, performer, payload, occurred_at, feed, access = row
    view = EntryView(app, subject, action, performer, payload, _iso(occurred_at))
    given = _pairs(proposal.proposed, view, subject_type)
    stale = _pairs(proposal.earlier, view, subject_type) - given
    if stale:
        stale -= _pairs(proposal.others, view, subject_type)
    present = {("feed", tag) for tag in feed} | {("access", tag) for tag in access}
    added, removed = sorted(given - present), sorted(stale & present)
    if added:
        diff.gained += 1
        _example(diff.gained_examples, entry_id, subject, action, added)
    if removed:
        diff.lost += 1
        _example(diff.lost_examples, entry_id, subject, action, removed)


def _example(examples: list[TagChange], entry_id: int, subject: str, action: str, pairs: list[Pair]) -> None:
    if len(examples) < MAX_EXAMPLES:
        examples.append(TagChange(entry_id, subject, action, [f"{kind}:{tag}" for kind, tag in pairs]))


def _book(definitions: list[RuleDefinition]) -> RuleBook:
    return RuleBook(CompiledRule.compile(definition) for definition in definitions)


def _pairs(book: RuleBook, view: EntryView, subject_type: str) -> set[Pair]:
    tags = book.tags_for(view, subject_type)
    return {("feed", tag) for tag in tags.feed} | {("access", tag) for tag in tags.access}


def _iso(occurred_at: datetime) -> str:
    """The text ingestion gives ``{occurred_at}`` (UTC, ISO 8601), as the backfill renders it."""
    return occurred_at.astimezone(UTC).isoformat()
