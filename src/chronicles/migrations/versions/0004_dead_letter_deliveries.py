"""Idempotent dead letters: a pending letter per message, counting its deliveries.

``fingerprint`` (sha256 of source, Kafka position and raw bytes) is unique
among pending letters, so the same bad message sent again adds a delivery
instead of a row. Additive: nullable columns and a constant default (no
table rewrite); old code, which writes no fingerprint, never conflicts. The
first pending letter of each group of identical ones gets its fingerprint
here; repeats already stored stay as they are (discard them).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FIRST_OF_EACH_MESSAGE = """
SELECT id, source, topic, partition, "offset", raw FROM dead_letters
WHERE id IN (SELECT min(id) FROM dead_letters WHERE status = 'pending'
             GROUP BY source, topic, partition, "offset", raw)
"""


def upgrade() -> None:
    op.add_column("dead_letters", sa.Column("fingerprint", sa.LargeBinary(), nullable=True))
    op.add_column("dead_letters", sa.Column("deliveries", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.add_column("dead_letters", sa.Column("last_received_at", sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    for letter_id, source, topic, partition, offset, raw in connection.execute(sa.text(FIRST_OF_EACH_MESSAGE)):
        connection.execute(
            sa.text("UPDATE dead_letters SET fingerprint = :fingerprint WHERE id = :id"),
            {"fingerprint": _fingerprint(source, topic, partition, offset, raw), "id": letter_id},
        )
    op.create_index(
        "uq_dead_letters_pending_fingerprint",
        "dead_letters",
        ["fingerprint"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )


def _fingerprint(source: str, topic: str | None, partition: int | None, offset: int | None, raw: bytes) -> bytes:
    """As ``chronicles.store.writer.fingerprint`` computes it at this revision."""
    position = json.dumps([source, topic, partition, offset]).encode()
    return hashlib.sha256(position + b"\n" + bytes(raw)).digest()


def downgrade() -> None:
    op.drop_index("uq_dead_letters_pending_fingerprint", table_name="dead_letters")
    op.drop_column("dead_letters", "last_received_at")
    op.drop_column("dead_letters", "deliveries")
    op.drop_column("dead_letters", "fingerprint")
