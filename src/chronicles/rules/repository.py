"""Loading the rule book from the database, cached until a rule changes."""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog
from psycopg import AsyncConnection
from pydantic import ValidationError

from chronicles.rules.book import CompiledRule, RuleBook, RuleDefinition

log = structlog.get_logger(__name__)

FINGERPRINT = "SELECT count(*), coalesce(max(updated_at)::text, ''), coalesce(sum(revision), 0) FROM tag_rules"
RULES = "SELECT name, kind, tag, match, enabled FROM tag_rules WHERE enabled ORDER BY id"


@dataclass
class RuleBookCache:
    """One per process: a cheap fingerprint query per batch, a reload when it moves."""

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
