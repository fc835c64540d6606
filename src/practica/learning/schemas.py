"""What the learner's API answers: courses, lessons, checks, environments and activity (they type the OpenAPI schema).

Courses and checks are validated from their rows and read models (``model_validate(..., from_attributes=True)``);
an environment's answer carries a gateway token made for the request, so it is built here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from practica.accounts.models import User
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


class TestResult(BaseModel):  # a CaseResult: its message, else its output (a docstring would enter the schema)
    model_config = ConfigDict(from_attributes=True)

    name: str
    status: Literal["pass", "fail", "error", "skip"]
    message: str = Field(validation_alias=AliasChoices("shown", "message"))
    output: str = Field(
        "",
        description="All the test printed (a compiler's whole output for a build that failed), capped; "
        "empty when the message is that output.",
    )
    duration_s: float | None

    @model_validator(mode="after")
    def _output_not_twice(self) -> TestResult:
        if self.output.strip() == self.message.strip():
            self.output = ""
        return self


class CheckView(BaseModel):  # a CheckAttempt, whose ``results`` are the tests
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: Literal["queued", "running", "passed", "failed", "error"]
    verdict: str | None
    detail: str
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    tests: list[TestResult] = Field(validation_alias=AliasChoices("results", "tests"))
    retried_because: str | None = Field(
        description="Set when the eval host was overloaded and cut a first run short: the check ran again. "
        "What was measured."
    )


class CourseRef(BaseModel):
    id: str
    title: str


class LessonLink(BaseModel):
    slug: str
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
    next_lesson: LessonLink | None = Field(description="The lesson after this one in the course; null for the last.")


class EnvironmentView(BaseModel):
    id: str
    status: Literal["starting", "running", "stopping", "stopped", "failed", "removed"]
    error: str | None
    gateway_url: str
    token: str


def environment_view(state: WorkspaceState, user: User, sandbox: SandboxSettings) -> EnvironmentView:
    """The environment as a page sees it, with a fresh gateway token for this user."""
    token = issue_gateway_token(sandbox, str(user.id), state.environment_id, GATEWAY_TOKEN_TTL)
    return EnvironmentView(
        id=state.environment_id, status=state.status, error=state.error,
        gateway_url=sandbox.gateway_url, token=token,
    )  # fmt: skip


class ActivityEntry(BaseModel):
    id: str
    occurred_at: datetime
    action: str
    subject: str
    performer: str | None
    performer_name: str | None = Field(None, description="The performer's display name; null when unknown.")
    subject_name: str | None = Field(
        None, description="The subject's name (a course's or lesson's title, a check's lesson); null when unknown."
    )
    text: str | None
    payload: dict[str, Any]


class ActivityPage(BaseModel):
    entries: list[ActivityEntry]
    next: str | None
