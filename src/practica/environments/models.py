"""Learner environments as data: one row per environment a learner has for a lesson.

The row is the platform's view; the runtime on the row's host holds the
environment itself (its id is the runtime's id). ``status`` is what the
lifecycle jobs last made true, or the change they are asked to make::

    starting ──start job──> running ──request_stop / cull──> stopping ──stop job──> stopped
        ▲                                                                              │
        └───────────────────────── request_environment ────────────────────────────────┘
    any ──request_remove──> removed (the remove job deletes the environment)
    starting/stopping ──the runtime failed──> failed (``error`` says why; a request starts it again)

At most one row per owner and lesson is not ``removed``. ``made_at`` is when
the runtime last made the environment anew (the start job found it missing on
its host: a lost disk, a host restored from backups); what was in it is gone,
and the workspace's owner puts the files back.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from practica.db.base import Base


class EnvironmentState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    REMOVED = "removed"
    FAILED = "failed"


_STATES = ", ".join(f"'{state.value}'" for state in EnvironmentState)


class LearnerEnvironment(Base):
    __tablename__ = "learner_environments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_key: Mapped[str] = mapped_column(String(200))
    lesson_key: Mapped[str] = mapped_column(String(200))
    runtime: Mapped[str] = mapped_column(String(32))
    host: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    spec: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_active_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(f"status IN ({_STATES})", name="status"),
        Index(
            "uq_learner_environments_owner_lesson",
            "owner_key",
            "lesson_key",
            unique=True,
            postgresql_where=text("status <> 'removed'"),
        ),
        Index("ix_learner_environments_running", "last_active_at", postgresql_where=text("status = 'running'")),
        Index("ix_learner_environments_host_live", "host", postgresql_where=text("status IN ('starting', 'running')")),
    )


class EnvironmentRun(Base):
    """One stretch of an environment running, for the admin Metrics page's environment hours.

    Written by a trigger on ``learner_environments.status`` (migration 0014),
    not by the lifecycle code: every path that starts or stops an environment
    (the jobs, the cull, a removal) is counted, and none can forget to.
    """

    __tablename__ = "environment_runs"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    environment_id: Mapped[str] = mapped_column(String(64))
    owner_key: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_environment_runs_started_at", "started_at"),
        Index("ix_environment_runs_open", "environment_id", postgresql_where=text("stopped_at IS NULL")),
    )


class PooledSandbox(Base):
    """A sandbox made ahead of demand on an eval host, not yet anyone's (:mod:`practica.environments.pool`).

    Opening a lesson takes one whose ``pool_key`` (its spec without labels)
    matches, deleting the row in the same statement: the sandbox's id becomes
    the learner's environment's id, and no other request can take it.
    """

    __tablename__ = "sandbox_pool"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pool_key: Mapped[str] = mapped_column(String(64))
    spec: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_sandbox_pool_host_key", "host", "pool_key", "created_at"),)
