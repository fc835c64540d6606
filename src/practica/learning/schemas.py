"""What the learner's API answers: courses, lessons, checks and environments (they type the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from practica.accounts.models import User
from practica.checks.models import CheckAttempt
from practica.learning.catalog import CourseEntry
from practica.learning.workspaces import WorkspaceState
from practica.sandbox.gateway import issue_gateway_token
from practica.sandbox.settings import SandboxSettings

GATEWAY_TOKEN_TTL = timedelta(minutes=5)


class LessonSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    title: str
    completed: bool


class CourseView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    summary: str
    version: int
    newest_version: int
    organization: str | None
    lessons: list[LessonSummary]
    completed: int
    total: int


class TestResult(BaseModel):
    name: str
    status: Literal["pass", "fail", "error", "skip"]
    message: str
    duration_s: float | None


class CheckView(BaseModel):
    id: int
    status: Literal["queued", "running", "passed", "failed", "error"]
    verdict: str | None
    detail: str
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    tests: list[TestResult]
    retried_because: str | None = Field(
        description="Set when the eval host was overloaded and cut a first run short: the check ran again. "
        "What was measured."
    )


class CourseRef(BaseModel):
    id: str
    title: str


class LessonView(BaseModel):
    course: CourseRef
    version: int
    slug: str
    title: str
    task: str
    languages: list[str]
    run_command: str | None
    hints: list[str]
    hints_hidden: int
    failed_checks: int
    completed: bool
    last_check: CheckView | None


class EnvironmentView(BaseModel):
    id: str
    status: Literal["starting", "running", "stopping", "stopped", "failed", "removed"]
    error: str | None
    gateway_url: str
    token: str


def course_view(entry: CourseEntry) -> CourseView:
    return CourseView.model_validate(entry, from_attributes=True)


def check_view(attempt: CheckAttempt) -> CheckView:
    tests = [
        TestResult(name=case.name, status=case.status, message=case.message or case.output, duration_s=case.duration_s)
        for case in attempt.results
    ]
    return CheckView(
        id=attempt.id, status=attempt.status, verdict=attempt.verdict, detail=attempt.detail,
        queued_at=attempt.queued_at, started_at=attempt.started_at, finished_at=attempt.finished_at, tests=tests,
        retried_because=attempt.retried_because,
    )  # fmt: skip


def environment_view(state: WorkspaceState, user: User, sandbox: SandboxSettings) -> EnvironmentView:
    """The environment as a page sees it, with a fresh gateway token for this user."""
    token = issue_gateway_token(sandbox, str(user.id), state.environment_id, GATEWAY_TOKEN_TTL)
    return EnvironmentView(
        id=state.environment_id, status=state.status, error=state.error,
        gateway_url=sandbox.gateway_url, token=token,
    )  # fmt: skip
