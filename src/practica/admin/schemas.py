"""Requests and responses of the admin pages' API (they type the OpenAPI schema the front end is built from)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from practica.accounts.models import Role
from practica.db.paging import Page
from practica.ids import UserId

JobStatus = Literal["todo", "doing", "succeeded", "failed", "cancelled", "aborted"]
EnvironmentStatus = Literal["starting", "running", "stopping", "stopped", "failed", "removed"]


class AdminUser(BaseModel):
    id: int
    email: str
    display_name: str
    role: Role
    confirmed: bool
    organizations: list[str]
    created_at: datetime


class UserPage(Page[AdminUser, int]):
    """Users by id; ``next_after`` is the last one's id."""


class RoleChange(BaseModel):
    role: Role


class AdminOrganization(BaseModel):
    id: int
    slug: str
    name: str
    members: int
    admins: int
    created_at: datetime


class OrganizationPage(Page[AdminOrganization, str]):
    """Organisations by slug; ``next_after`` is the last one's slug."""


class JobView(BaseModel):
    id: int
    queue: str
    task: str
    status: JobStatus
    attempts: int
    priority: int
    lock: str | None
    args: dict[str, Any]
    scheduled_at: datetime | None
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None  # unset while the job is todo or doing
    stalled: bool = Field(description="Doing, but its worker is gone: it may be retried or marked failed.")


class JobPage(Page[JobView, int]):
    """Jobs, newest first; ``next_after`` is the last job's id."""


class QueueCounts(BaseModel):
    queue: str
    total: int
    todo: int
    doing: int
    succeeded: int
    failed: int
    cancelled: int
    aborted: int


class Owner(BaseModel):
    key: str
    user_id: UserId | None
    email: str | None
    display_name: str | None
    preview: bool  # an author's preview of a draft


class AdminEnvironment(BaseModel):
    id: str
    owner: Owner
    lesson: str  # COURSE/LESSON
    status: EnvironmentStatus
    runtime: str
    host: str
    error: str | None
    created_at: datetime
    started_at: datetime | None
    last_active_at: datetime
    stopped_at: datetime | None
    idle_s: float | None  # since the last activity, while starting or running


class EnvironmentPage(Page[AdminEnvironment, str]):
    """Most recently active first; ``next_after`` is opaque (the last one's activity time and id)."""


class DayMetrics(BaseModel):
    """One UTC day of the platform (authors' previews left out)."""

    day: date
    signups: int
    active_learners: int = Field(description="Learners who ran a check or had an environment running that day.")
    checks_passed: int
    checks_failed: int
    course_completions: int = Field(description="Learners who completed a course's last remaining lesson that day.")
    environment_hours: float


class LessonMetrics(BaseModel):
    course_id: str
    lesson_slug: str
    title: str
    checks: int
    passed: int
    pass_rate: float = Field(description="passed / checks, 0 to 1.")


class QueueFigure(BaseModel):
    queue: str
    ready: int
    oldest_seconds: float


class SystemFigures(BaseModel):
    queues: list[QueueFigure]
    checks_finished_recent: int = Field(description="Learners' checks finished in the last 10 minutes.")
    check_wait_p50_s: float
    check_wait_p95_s: float


class MetricsView(BaseModel):
    """The admin Metrics page: business figures per day over ``days``, the most checked lessons, the system now."""

    days: int
    daily: list[DayMetrics]
    lessons: list[LessonMetrics]
    system: SystemFigures


MailStateName = Literal["queued", "sent", "deferred", "bounced", "complained", "suppressed", "dropped"]


class AdminMail(BaseModel):
    """One mail's delivery record: never its body."""

    id: int
    subject: str
    state: MailStateName
    created_at: datetime
    state_changed_at: datetime
    sent_at: datetime | None
    attempts: int
    smtp_code: int | None = Field(description="The last SMTP code (or a bounce report's), if any.")
    smtp_message: str | None = Field(description="The last SMTP answer or bounce report's text.")
    message_id: str | None


class AdminSuppression(BaseModel):
    address: str
    reason: Literal["bounced", "complained"]
    detail: str
    created_at: datetime


class UserMail(BaseModel):
    """A user's recent mail (newest first) and whether their address is suppressed."""

    address: str
    mails: list[AdminMail]
    suppression: AdminSuppression | None
