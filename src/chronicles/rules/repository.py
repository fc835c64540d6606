"""Loading the rule book from the database, cached until a rule changes."""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog
from psycopg import AsyncConnection
from pydantic import ValidationError

from chronicles.rules.book import CompiledRule, RuleBook, RuleDefinition

log = structlog.get_logger(__name__)

# Every rule's id and revision: a create (a new id), an update (revision + 1) and a delete each change it,
# whatever the clocks say (a count, latest updated_at and sum of revisions missed a rule deleted and another
# created in one transaction whose now() was behind the latest change).
FINGERPRINT = "SELECT coalesce(md5(string_agg(id || ':' || revision, ',' ORDER BY id)), '') FROM tag_rules"
RULES = "SELECT name, kind, tag, match, enabled FROM tag_rules WHERE enabled ORDER BY id"


@dataclass
class RuleBookCache:
    """One per process: a cheap fingerprint query in every ingest transaction, a reload when it moves.

    Every process sees a rule change committed anywhere from its next batch on: there is no staleness bound.
    """

    fingerprint: tuple[object, ...] | None = None
    book: RuleBook = field(default_factory=lambda: RuleBook(()))

    async def current(self, conn: AsyncConnection) -> RuleBook:
        row = await (await conn.execute(FINGERPRINT)).fetchone()
        fingerprint = tuple(row) if row else None
        if fingerprint != self.fingerprint:
            self.book = await load_rule_book(conn)
            self.fingerprint = fingerprint
        return self.book


async def load_rule_book(conn: AsyncConnection) -> RuleBook:
    compiled: list[CompiledRule] = []
    for name, kind, tag, match, enabled in await (await conn.execute(RULES)).fetchall():
        try:
            definition = RuleDefinition(name=name, kind=kind, tag=tag, match=match, enabled=enabled)
        except ValidationError as error:  # stored before a stricter version: skip, loudly
            log.error("rules.invalid_stored_rule", rule=name, error=str(error))
            continue
        compiled.append(CompiledRule.compile(definition))
    return RuleBook(compiled)
