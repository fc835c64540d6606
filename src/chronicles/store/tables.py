"""Chronicles' tables: the schema, which Alembic compares with the migrations.

Nothing reads or writes through these classes: each domain module runs its
own SQL over psycopg (``store.writer``, ``store.search``, ``rules.service``,
``ingest.dead_letters``, …) and returns plain dataclasses, its read models
(``EntryRow``, ``DeadLetterRow``, ``StoredRule``, ``BackfillProgress``, …).

Entries are read newest first with keyset pagination on
``(occurred_at DESC, id DESC)``. Every filter that can drive a query has a
b-tree ending in that order, and feed/access tags live in tagging tables that
carry a copy of ``occurred_at`` (index ``(tag, occurred_at DESC, entry_id
DESC)``), so a feed page is an index range, not a scan. Payload conditions
use a GIN ``jsonb_path_ops`` index. The set of secondary indexes is kept
small because each one costs ingestion speed (see PERFORMANCE.md).

Entries and both tagging tables are partitioned by month on ``occurred_at``
(:mod:`chronicles.store.partitions` keeps the months; revision 0005): a month
is dropped with its taggings, and every key holds ``occurred_at``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from chronicles.store.base import Base

TIMESTAMP = DateTime(timezone=True)
# The indexes that drive a search by an entry's own column hold its access tags (revision 0008), so the
# viewer's access is checked in the index and only the entries shown are read from the table.
CARRY_ACCESS: dict[str, Any] = {"postgresql_include": ["access_tags"]}


class Entry(Base):
    __tablename__ = "entries"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    sequence_code: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    app: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    subject_type: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    performer: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = mapped_column(TIMESTAMP, primary_key=True)  # the partition key
    recorded_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    feed_tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    access_tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))

    __table_args__ = (
        # A unique key on a partitioned table must hold the partition key: an identical message sent
        # again (same code, same time) is still a duplicate; the same code at another time is not.
        UniqueConstraint("sequence_code", "occurred_at", name="uq_entries_sequence_code"),
        Index("ix_entries_occurred", text("occurred_at DESC"), text("id DESC")),
        Index("ix_entries_subject", "subject", text("occurred_at DESC"), text("id DESC"), **CARRY_ACCESS),
        Index(
            "ix_entries_performer",
            "performer",
            text("occurred_at DESC"),
            text("id DESC"),
            postgresql_where=text("performer IS NOT NULL"),
            **CARRY_ACCESS,
        ),
        Index("ix_entries_action", "action", text("occurred_at DESC"), text("id DESC"), **CARRY_ACCESS),
        Index("ix_entries_app_type", "app", "subject_type", text("occurred_at DESC"), text("id DESC"), **CARRY_ACCESS),
        Index("ix_entries_payload", "payload", postgresql_using="gin", postgresql_ops={"payload": "jsonb_path_ops"}),
        Index("ix_entries_recorded", "recorded_at", postgresql_using="brin"),
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )


def _tagging_args() -> tuple[Any, ...]:
    """A tagging lives in the same month's partition as its entry, and names it by (entry_id, occurred_at).

    No foreign key (revision 0007): the writer inserts an entry's taggings in the statement that inserts
    the entry, and the key's check cost a quarter of PostgreSQL's time per ingested entry. Deleting an
    entry deletes its taggings through the primary key, from the entry's tag arrays.
    """
    return ({"postgresql_partition_by": "RANGE (occurred_at)"},)


class FeedTagging(Base):
    """A feed tag of an entry, with a copy of the entry's access tags (revision 0009).

    The copy sits in the primary key's index, so a feed search checks the viewer's access while it walks
    the index; the writer and the re-tag change it in the transaction that changes the entry's.
    """

    __tablename__ = "feed_taggings"

    tag: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(TIMESTAMP)
    entry_id: Mapped[int] = mapped_column(BigInteger)
    # NULL: written by a release before revision 0009 (a search looks the entry up to check access).
    access_tags: Mapped[list[str] | None] = mapped_column(ARRAY(Text))

    __table_args__ = (
        PrimaryKeyConstraint("tag", "occurred_at", "entry_id", postgresql_include=["access_tags"]),
        *_tagging_args(),
    )


class AccessTagging(Base):
    __tablename__ = "access_taggings"

    tag: Mapped[str] = mapped_column(Text, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(TIMESTAMP, primary_key=True)
    entry_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)

    __table_args__ = _tagging_args()


class TagRule(Base):
    __tablename__ = "tag_rules"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(Text)  # feed | access
    tag: Mapped[str] = mapped_column(Text)  # a placeholder template
    match: Mapped[dict[str, Any]] = mapped_column(JSONB)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    revision: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    # Earlier definitions whose tags may still be on stored entries (until a backfill finishes).
    retired: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))


class EntryTemplate(Base):
    __tablename__ = "templates"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    app: Mapped[str] = mapped_column(Text)
    subject_type: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())

    __table_args__ = (UniqueConstraint("app", "subject_type", "action", name="uq_templates_kind"),)


class DeadLetter(Base):
    """A message that could not be stored, kept with its raw bytes until re-driven.

    A pending letter is one row however often its message arrives: the same
    bytes from the same source and position (``fingerprint``) count another
    delivery instead. Once re-driven or discarded it leaves the unique index,
    and a later arrival is a new pending letter.
    """

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    source: Mapped[str] = mapped_column(Text)  # kafka | http | outbox
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    error: Mapped[str] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(Text)
    partition: Mapped[int | None] = mapped_column(Integer)
    offset: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    status: Mapped[str] = mapped_column(Text, server_default=text("'pending'"))  # pending | redriven | discarded
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    resolved_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)
    # sha256 of source, Kafka position and raw bytes; null on letters older than revision 0004.
    fingerprint: Mapped[bytes | None] = mapped_column(LargeBinary)
    deliveries: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    last_received_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)  # null until it arrives again

    __table_args__ = (
        Index("ix_dead_letters_pending", "id", postgresql_where=text("status = 'pending'")),
        Index(
            "uq_dead_letters_pending_fingerprint",
            "fingerprint",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
    )


class Backfill(Base):
    """Applying one tag rule to entries already stored, in id ranges, with progress."""

    __tablename__ = "backfills"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    rule_id: Mapped[int] = mapped_column(Integer, ForeignKey("tag_rules.id", ondelete="CASCADE"))
    # queued | running | done | failed | superseded (the rule changed again before it finished)
    status: Mapped[str] = mapped_column(Text, server_default=text("'queued'"))
    upper_id: Mapped[int] = mapped_column(BigInteger)  # entries up to this id exist when it starts
    next_id: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    scanned: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    tagged: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    untagged: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    start_id: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))  # next_id when it was queued
    rule_revision: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    previous: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))  # retired defs
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)


class ConsumerStatus(Base):
    """What each Kafka consumer last reported per partition: offsets, lag, throughput."""

    __tablename__ = "consumer_status"

    consumer_group: Mapped[str] = mapped_column(Text, primary_key=True)
    topic: Mapped[str] = mapped_column(Text, primary_key=True)
    partition: Mapped[int] = mapped_column(Integer, primary_key=True)
    committed_offset: Mapped[int] = mapped_column(BigInteger)
    high_watermark: Mapped[int] = mapped_column(BigInteger)
    lag: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
