"""Accounts, their sessions and one-time tokens, organisations, and the mail they send.

Secrets never sit in the database in the clear: session tokens, confirmation
and reset tokens and invitation tokens are stored as their SHA-256
(:func:`practica.accounts.tokens.token_hash`), passwords as argon2id hashes.
Mail waits in ``mail_outbox`` until the job sends it and its body is wiped; the row stays as the mail's
delivery record (state, last SMTP answer, Message-ID), and ``mail_suppressions`` lists the addresses that
hard-bounced or complained, which get no further mail.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from practica.db.base import Base
from practica.ids import UserId

TIMESTAMP = DateTime(timezone=True)


class Role(StrEnum):
    """What a user may do on the platform."""

    LEARNER = "learner"
    AUTHOR = "author"
    ADMIN = "admin"


class MemberRole(StrEnum):
    """What a member may do in an organisation."""

    MEMBER = "member"
    ADMIN = "admin"


class MailState(StrEnum):
    """Where a mail is: waiting, handed over, waiting for a retry, refused for good, reported as spam, or
    never tried because its address is suppressed, or dropped because there is no SMTP server to send it to."""

    QUEUED = "queued"
    SENT = "sent"
    DEFERRED = "deferred"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    SUPPRESSED = "suppressed"
    DROPPED = "dropped"  # production without PRACTICA_SMTP_URL: logged as not sent, nowhere to send it


class SuppressionReason(StrEnum):
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class TokenPurpose(StrEnum):
    CONFIRM = "confirm"
    RESET = "reset"


def _one_of(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(value.value) for value in values)})"


class User(Base):
    __tablename__ = "users"

    id: Mapped[UserId] = mapped_column(BigInteger, Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(Text, unique=True)  # normalised: stripped, lower-case
    display_name: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text, default=Role.LEARNER.value, server_default=text("'learner'"))
    confirmed_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())

    __table_args__ = (
        CheckConstraint(_one_of("role", Role), name="role"),
        Index("ix_users_created_at", "created_at"),  # sign-ups per day (practica.monitoring)
    )

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class UserSession(Base):
    """A signed-in browser: the cookie holds the token, this row its hash."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[UserId] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(TIMESTAMP, index=True)


class AccountToken(Base):
    """A single-use link sent by mail: email confirmation or password reset."""

    __tablename__ = "account_tokens"

    token_hash: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[UserId] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(TIMESTAMP)
    used_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)
    # No longer written nor read: a second sign-up's password was kept here and set on confirming, which let
    # a stranger choose the password of an unconfirmed account (see practica.accounts.service). Kept so that
    # the previous release still runs against this schema during a deploy; a later migration may drop it.
    password_hash: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint(_one_of("purpose", TokenPurpose), name="purpose"),)


class SetupToken(Base):
    """The one-time link ``practica up`` prints while the platform has no admin: who opens it becomes admin.

    Not an :class:`AccountToken`: it belongs to no user until it is used. Issuing a new one
    ends the earlier ones, so at most one link works at a time.
    """

    __tablename__ = "setup_tokens"

    token_hash: Mapped[str] = mapped_column(Text, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(TIMESTAMP)
    used_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)
    used_by: Mapped[UserId | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))


class RateLimitCounter(Base):
    """Hits of one key (``signin:email:…``) in one fixed window; shared by every web process."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    window_start: Mapped[datetime] = mapped_column(TIMESTAMP, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)


class OutboxMail(Base):
    """A mail queued in the transaction that caused it, and then its delivery record.

    The send job wipes the body once the mail is out (or will never go); the
    rest stays for the admin user page: its state, the last SMTP answer or
    bounce report (never the body), and the ``Message-ID`` it was sent with,
    by which a later bounce report (DSN, provider webhook) finds it.
    """

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    recipient: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text, default=MailState.QUEUED.value, server_default=text("'queued'"))
    state_changed_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    message_id: Mapped[str | None] = mapped_column(Text)
    smtp_code: Mapped[int | None] = mapped_column(Integer)
    smtp_message: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(_one_of("state", MailState), name="state"),
        Index("ix_mail_outbox_message_id", "message_id", unique=True),
        Index("ix_mail_outbox_recipient_created_at", "recipient", "created_at"),
    )


class MailSuppression(Base):
    """An address that hard-bounced or complained: the send job records its mail "suppressed" and sends
    nothing until an admin lifts it (deletes the row)."""

    __tablename__ = "mail_suppressions"

    address: Mapped[str] = mapped_column(Text, primary_key=True)  # lower-case
    reason: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)
    mail_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("mail_outbox.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())

    __table_args__ = (CheckConstraint(_one_of("reason", SuppressionReason), name="reason"),)


class DevMail(Base):
    """Mail "sent" without an SMTP server: kept for ``/dev/mail`` in development."""

    __tablename__ = "dev_mail"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    recipient: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    slug: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())


class Membership(Base):
    __tablename__ = "organization_members"

    organization_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[UserId] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(Text)
    joined_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())

    __table_args__ = (
        CheckConstraint(_one_of("role", MemberRole), name="role"),
        Index("ix_organization_members_user_id", "user_id"),
    )


class Invitation(Base):
    """An invitation to an organisation: for one email address (single use), or a link (until revoked)."""

    __tablename__ = "organization_invitations"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(Text, unique=True)
    email: Mapped[str | None] = mapped_column(Text)  # None: a shareable link
    role: Mapped[str] = mapped_column(Text, default=MemberRole.MEMBER.value)
    created_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(TIMESTAMP)
    accepted_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)  # the last acceptance
    revoked_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)

    __table_args__ = (CheckConstraint(_one_of("role", MemberRole), name="role"),)
