"""Entries, taggings, tag rules, templates, dead letters, backfills, consumer status.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 18:02:12.579855

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consumer_status",
        sa.Column("consumer_group", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("committed_offset", sa.BigInteger(), nullable=False),
        sa.Column("high_watermark", sa.BigInteger(), nullable=False),
        sa.Column("lag", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("consumer_group", "topic", "partition", name=op.f("pk_consumer_status")),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("topic", sa.Text(), nullable=True),
        sa.Column("partition", sa.Integer(), nullable=True),
        sa.Column("offset", sa.BigInteger(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    op.create_index(
        "ix_dead_letters_pending", "dead_letters", ["id"], unique=False, postgresql_where=sa.text("status = 'pending'")
    )
    op.create_table(
        "entries",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("sequence_code", sa.UUID(), nullable=False),
        sa.Column("app", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("subject_type", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("performer", sa.Text(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("feed_tags", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("access_tags", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entries")),
        sa.UniqueConstraint("sequence_code", name=op.f("uq_entries_sequence_code")),
    )
    op.create_index(
        "ix_entries_action",
        "entries",
        ["action", sa.literal_column("occurred_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_entries_app_type",
        "entries",
        ["app", "subject_type", sa.literal_column("occurred_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_entries_occurred",
        "entries",
        [sa.literal_column("occurred_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_entries_payload",
        "entries",
        ["payload"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"payload": "jsonb_path_ops"},
    )
    op.create_index(
        "ix_entries_performer",
        "entries",
        ["performer", sa.literal_column("occurred_at DESC"), sa.literal_column("id DESC")],
        unique=False,
        postgresql_where=sa.text("performer IS NOT NULL"),
    )
    op.create_index("ix_entries_recorded", "entries", ["recorded_at"], unique=False, postgresql_using="brin")
    op.create_index(
        "ix_entries_subject",
        "entries",
        ["subject", sa.literal_column("occurred_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_table(
        "tag_rules",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("tag", sa.Text(), nullable=False),
        sa.Column("match", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("revision", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_tag_rules_name")),
    )
    op.create_table(
        "templates",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("app", sa.Text(), nullable=False),
        sa.Column("subject_type", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
        sa.UniqueConstraint("app", "subject_type", "action", name="uq_templates_kind"),
        sa.UniqueConstraint("name", name=op.f("uq_templates_name")),
    )
    op.create_table(
        "access_taggings",
        sa.Column("tag", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_access_taggings_entry_id_entries"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tag", "occurred_at", "entry_id", name=op.f("pk_access_taggings")),
    )
    op.create_table(
        "backfills",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'queued'"), nullable=False),
        sa.Column("upper_id", sa.BigInteger(), nullable=False),
        sa.Column("next_id", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("scanned", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("tagged", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["tag_rules.id"], name=op.f("fk_backfills_rule_id_tag_rules"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backfills")),
    )
    op.create_table(
        "feed_taggings",
        sa.Column("tag", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_feed_taggings_entry_id_entries"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tag", "occurred_at", "entry_id", name=op.f("pk_feed_taggings")),
    )


def downgrade() -> None:
    op.drop_table("feed_taggings")
    op.drop_table("backfills")
    op.drop_table("access_taggings")
    op.drop_table("templates")
    op.drop_table("tag_rules")
    op.drop_index("ix_entries_subject", table_name="entries")
    op.drop_index("ix_entries_recorded", table_name="entries", postgresql_using="brin")
    op.drop_index("ix_entries_performer", table_name="entries", postgresql_where=sa.text("performer IS NOT NULL"))
    op.drop_index(
        "ix_entries_payload", table_name="entries", postgresql_using="gin", postgresql_ops={"payload": "jsonb_path_ops"}
    )
    op.drop_index("ix_entries_occurred", table_name="entries")
    op.drop_index("ix_entries_app_type", table_name="entries")
    op.drop_index("ix_entries_action", table_name="entries")
    op.drop_table("entries")
    op.drop_index("ix_dead_letters_pending", table_name="dead_letters", postgresql_where=sa.text("status = 'pending'"))
    op.drop_table("dead_letters")
    op.drop_table("consumer_status")
