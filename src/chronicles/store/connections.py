"""Psycopg connections by slot, each opened on first use and replaced once it breaks.

The Kafka consumer keeps one per batch in flight (and one for its status
reports) and discards a slot's connection when the database fails it, so the
next use reconnects: an outage is retried, never a dead connection reused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg


@dataclass
class Connections:
    """Lazily (re)opened psycopg connections, one per slot; a broken one is replaced on next use."""

    database_url: str
    application_name: str
    slots: list[psycopg.AsyncConnection | None] = field(default_factory=list)

    async def get(self, slot: int) -> psycopg.AsyncConnection:
        while len(self.slots) <= slot:
            self.slots.append(None)
        conn = self.slots[slot]
        if conn is None or conn.closed or conn.broken:
            conn = await psycopg.AsyncConnection.connect(
                self.database_url,
                autocommit=True,
                prepare_threshold=None,
                connect_timeout=5,
                application_name=self.application_name,
            )
            self.slots[slot] = conn
        return conn

    async def discard(self, slot: int) -> None:
        conn = self.slots[slot] if slot < len(self.slots) else None
        self.slots[slot] = None
        if conn is not None and not conn.closed:
            await conn.close()

    async def close(self) -> None:
        for slot in range(len(self.slots)):
            await self.discard(slot)
