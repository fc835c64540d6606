"""Mail delivery status: each outbox mail keeps its state, last SMTP answer and Message-ID; suppressed addresses

A mail already sent is ``sent`` (its ``sent_at``); any other is ``queued``.
``mail_suppressions`` holds the addresses that hard-bounced or complained.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 05:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATES = "state IN ('queued', 'sent', 'deferred', 'bounced', 'complained', 'suppressed', 'dropped')"


def upgrade() -> None:
    op.add_column("mail_outbox", sa.Column("state", sa.Text(), server_default=sa.text("'queued'"), nullable=False))
    op.add_column(
        "mail_outbox",
        sa.Column("state_changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    )
    op.add_column("mail_outbox", sa.Column("message_id", sa.Text(), nullable=True))
    op.add_column("mail_outbox", sa.Column("smtp_code", sa.Integer(), nullable=True))
    op.add_column("mail_outbox", sa.Column("smtp_message", sa.Text(), nullable=True))
    op.execute("UPDATE mail_outbox SET state = 'sent', state_changed_at = sent_at WHERE sent_at IS NOT NULL")
    op.create_check_constraint(op.f("ck_mail_outbox_state"), "mail_outbox", _STATES)
    op.create_index("ix_mail_outbox_message_id", "mail_outbox", ["message_id"], unique=True)
    op.create_index("ix_mail_outbox_recipient_created_at", "mail_outbox", ["recipient", "created_at"])
    op.create_table(
        "mail_suppressions",
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("mail_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("reason IN ('bounced', 'complained')", name=op.f("ck_mail_suppressions_reason")),
        sa.ForeignKeyConstraint(
            ["mail_id"], ["mail_outbox.id"], name=op.f("fk_mail_suppressions_mail_id_mail_outbox"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_mail_suppressions")),
    )


def downgrade() -> None:
    op.drop_table("mail_suppressions")
    op.drop_index("ix_mail_outbox_recipient_created_at", table_name="mail_outbox")
    op.drop_index("ix_mail_outbox_message_id", table_name="mail_outbox")
    op.drop_constraint(op.f("ck_mail_outbox_state"), "mail_outbox", type_="check")
    for column in ("smtp_message", "smtp_code", "message_id", "state_changed_at", "state"):
        op.drop_column("mail_outbox", column)
