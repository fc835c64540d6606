"""What the authoring API answers: drafts, their progress and report, format problems."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from practica.authoring.errors import DraftError
from practica.authoring.report import ValidationReport
from practica.db.paging import Page
from practica.ids import UserId


class FormatProblem(BaseModel):
    file: str
    line: int | None
    field: str
    message: str


class FormatProblems(BaseModel):
    detail: str
    problems: list[FormatProblem] = Field(
        default_factory=list, description="Every problem of the course's files (empty for other refusals)."
    )


class GitImport(BaseModel):
    git_url: str = Field(
        min_length=1, max_length=2000, description="https://, http:// or git:// (file:// in development)."
    )


def git_import_of(body: bytes) -> GitImport:
    """The JSON body of a git import; 422 naming the first field that is wrong."""
    try:
        return GitImport.model_validate_json(body)
    except ValidationError as error:
        first = error.errors()[0]
        raise DraftError(422, f"{'.'.join(map(str, first['loc'])) or 'body'}: {first['msg']}") from None


class DraftProgress(BaseModel):
    done: int
    total: int


class DraftSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # validated from the CourseDraft row

    id: int
    author_id: UserId
    course_id: str | None = Field(description="Null while a git import is being fetched.")
    title: str | None = Field(description="Null while a git import is being fetched.")
    organization: str | None
    source: str
    status: Literal["fetching", "validating", "valid", "invalid", "published", "failed"]
    progress: DraftProgress
    published_version: int | None
    created_at: datetime
    finished_at: datetime | None
    published_at: datetime | None


class DraftPage(Page[DraftSummary, int]):
    """Drafts, newest first; ``next_after`` is the last one's id."""


class DraftLesson(BaseModel):
    slug: str
    title: str
    task: str = Field(description="The task, Markdown, as the lesson page shows it.")
    languages: list[str]
    run_command: str | None


class DraftView(DraftSummary):
    error: str | None
    problems: list[FormatProblem] = Field(description="Every format problem of the files a git import fetched.")
    lessons: list[DraftLesson]
    report: ValidationReport | None


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allow_flaky: bool = Field(
        False, description="Publish even though the stress pass found flaky tests (the author has seen them)."
    )


class FlakyRefusal(BaseModel):
    detail: str
    flaky: list[str] = Field(
        default_factory=list, description="`lesson: test: failed N of M runs under load`, one per flaky test."
    )


class PublishedDraft(BaseModel):
    draft: DraftView
    version: int
    changed: bool  # False: the content equals the newest published version, which stays
    added: list[str]
    updated: list[str]
    removed: list[str]
