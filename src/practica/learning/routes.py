"""The learner's API: catalogue, lesson page, environment, checks, reset.

Private courses answer 404 to non-members, as missing ones do. Every
state-changing request passes the CSRF check (``CSRFMiddleware``, app-wide).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.dependencies import CurrentUser, OptionalUser, reads_of, settings_of, transaction
from practica.accounts.errors import AccountError
from practica.accounts.models import User
from practica.accounts.organizations import administered_organization, organization_slugs
from practica.checks.models import CheckAttempt
from practica.checks.service import (
    CheckCooldownError,
    LearnerLesson,
    disclosed_hints,
    lesson_state,
    request_check,
)
from practica.ids import CourseId, CourseIdParam, LessonSlug, LessonSlugParam, learner_key
from practica.learning.activity import (
    ActivityCursorError,
    ActivityPage,
    ActivityUnavailableError,
    read_feed,
    user_tag,
)
from practica.learning.catalog import (
    CourseEntry,
    NotVisibleError,
    VersionInfo,
    courses,
    languages_of,
    lesson_of,
    lesson_page_of,
)
from practica.learning.workspaces import WorkspaceState, open_workspace, reset_workspace, workspace_state
from practica.lessons.catalog import CourseLesson, enroll, upgrade_to_latest
from practica.lessons.format import SLUG_PATTERN, organization_of
from practica.lessons.ownership import owns
from practica.sandbox.gateway import issue_gateway_token
from practica.sandbox.settings import SandboxSettings
from servicekit.params import DbId, NulFreeStr
from servicekit.reads import Reads, SessionReads

router = APIRouter(prefix="/api", tags=["learning"])  # CSRF: the app's middleware checks every POST
GATEWAY_TOKEN_TTL = timedelta(minutes=5)


class LessonSummary(BaseModel):
    slug: str
    title: str
    completed: bool


class CourseView(BaseModel):
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


JSON = "application/json"
_COURSE_LIST = TypeAdapter(list[CourseView])


def json_of(model: BaseModel) -> Response:
    """The model as JSON, already valid: the hot read paths skip FastAPI's second validation of the answer."""
    return Response(model.model_dump_json(), media_type=JSON)


def sandbox_settings(request: Request) -> SandboxSettings:
    settings: SandboxSettings = request.app.state.sandbox_settings
    return settings


Sandbox = Annotated[SandboxSettings, Depends(sandbox_settings)]


def course_view(entry: CourseEntry) -> CourseView:
    lessons = [LessonSummary(slug=item.slug, title=item.title, completed=item.completed) for item in entry.lessons]
    return CourseView(
        id=entry.id, title=entry.title, summary=entry.summary, version=entry.version,
        newest_version=entry.newest_version, organization=entry.organization, lessons=lessons,
        completed=entry.completed, total=len(lessons),
    )  # fmt: skip


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


async def _organizations(reads: Reads, user: User | None) -> set[str]:
    return await organization_slugs(reads, user.id) if user is not None else set()


@router.get("/courses", response_model=list[CourseView])
async def list_courses(request: Request, user: OptionalUser) -> Response:
    reads = reads_of(request)
    key = learner_key(user.id) if user else None
    found = await courses(reads, key, await _organizations(reads, user))
    return Response(_COURSE_LIST.dump_json([course_view(entry) for entry in found]), media_type=JSON)


@router.get("/courses/{course_id}", responses={404: {"description": "No such course for you"}})
async def get_course(request: Request, course_id: CourseIdParam, user: OptionalUser) -> CourseView:
    reads = reads_of(request)
    key = learner_key(user.id) if user else None
    found = await courses(reads, key, await _organizations(reads, user), course_id)
    if not found:
        raise HTTPException(404, f"no course {course_id!r}")
    return course_view(found[0])


@router.post("/courses/{course_id}/upgrade")
async def upgrade(request: Request, course_id: CourseIdParam, user: CurrentUser) -> CourseView:
    """Move to the newest version of the course (files in environments stay as they are)."""
    async with transaction(request) as session:
        reads = SessionReads(session)
        organizations = await _organizations(reads, user)
        if not await courses(reads, learner_key(user.id), organizations, course_id):
            raise HTTPException(404, f"no course {course_id!r}")
        await upgrade_to_latest(session, learner_key(user.id), course_id)
        return course_view((await courses(reads, learner_key(user.id), organizations, course_id))[0])


async def _lesson(
    session: AsyncSession, user: User, course_id: CourseId, slug: LessonSlug
) -> tuple[VersionInfo, CourseLesson]:
    try:
        return await lesson_of(
            session, learner_key(user.id), await _organizations(SessionReads(session), user), course_id, slug
        )
    except NotVisibleError as error:
        raise HTTPException(404, str(error)) from None


@router.get("/courses/{course_id}/lessons/{slug}", response_model=LessonView)
async def get_lesson(request: Request, course_id: CourseIdParam, slug: LessonSlugParam, user: CurrentUser) -> Response:
    reads = reads_of(request)
    state = await lesson_state(reads, learner_key(user.id), course_id, slug)
    try:
        version, lesson = await lesson_page_of(
            reads, state.enrolled_version, await _organizations(reads, user), course_id, slug
        )
    except NotVisibleError as error:
        raise HTTPException(404, str(error)) from None
    shown, hidden = disclosed_hints(lesson.definition, state.failed_checks)
    return json_of(LessonView(
        course=CourseRef(id=course_id, title=version.title), version=version.number, slug=slug, title=lesson.title,
        task=lesson.definition.task, languages=languages_of(lesson.starter_paths),
        run_command=lesson.definition.run, hints=shown, hints_hidden=hidden,
        failed_checks=state.failed_checks, completed=state.completed,
        last_check=check_view(state.latest) if state.latest else None,
    ))  # fmt: skip


def environment_view(state: WorkspaceState, user: User, sandbox: SandboxSettings) -> EnvironmentView:
    """The environment as a page sees it, with a fresh gateway token for this user."""
    token = issue_gateway_token(sandbox, str(user.id), state.environment_id, GATEWAY_TOKEN_TTL)
    return EnvironmentView(
        id=state.environment_id, status=state.status, error=state.error,
        gateway_url=sandbox.gateway_url, token=token,
    )  # fmt: skip


@router.post("/courses/{course_id}/lessons/{slug}/environment")
async def open_environment(
    request: Request, course_id: CourseIdParam, slug: LessonSlugParam, user: CurrentUser, sandbox: Sandbox
) -> EnvironmentView:
    """Start (or resume) the learner's environment for the lesson; enrols on the course the first time."""
    async with transaction(request) as session:
        _version, lesson = await _lesson(session, user, course_id, slug)
        await enroll(session, learner_key(user.id), course_id)
        state = await open_workspace(session, learner_key(user.id), course_id, lesson, sandbox)
    return environment_view(state, user, sandbox)


@router.get("/courses/{course_id}/lessons/{slug}/environment")
async def environment_status(
    request: Request, course_id: CourseIdParam, slug: LessonSlugParam, user: CurrentUser, sandbox: Sandbox
) -> EnvironmentView:
    async with transaction(request) as session:
        await _lesson(session, user, course_id, slug)
        state = await workspace_state(session, learner_key(user.id), course_id, slug)
    if state is None:
        raise HTTPException(404, "no environment for this lesson yet: open the lesson first")
    return environment_view(state, user, sandbox)


@router.post("/courses/{course_id}/lessons/{slug}/reset")
async def reset(
    request: Request, course_id: CourseIdParam, slug: LessonSlugParam, user: CurrentUser, sandbox: Sandbox
) -> EnvironmentView:
    """Put the starter files back (the learner's other files go)."""
    async with transaction(request) as session:
        _version, lesson = await _lesson(session, user, course_id, slug)
        if not await reset_workspace(session, learner_key(user.id), course_id, lesson):
            raise HTTPException(404, "no environment for this lesson yet: open the lesson first")
        state = await workspace_state(session, learner_key(user.id), course_id, slug)
    assert state is not None
    return environment_view(state, user, sandbox)


@router.post(
    "/courses/{course_id}/lessons/{slug}/checks",
    status_code=202,
    response_model=CheckView,
    responses={429: {"description": "Too soon after the previous check"}},
)
async def check(
    request: Request, course_id: CourseIdParam, slug: LessonSlugParam, user: CurrentUser
) -> CheckView | JSONResponse:
    """Queue a check of the learner's current files (a check already queued or running is returned)."""
    cooldown = settings_of(request).practica_check_cooldown
    async with transaction(request) as session:
        version, lesson = await _lesson(session, user, course_id, slug)
        state = await workspace_state(session, learner_key(user.id), course_id, slug)
        if state is None:
            raise HTTPException(409, "open the lesson first: a check reads the files of your environment")
        target = LearnerLesson(learner_key(user.id), course_id, lesson, organization_of(version.visibility))
        try:
            attempt = await request_check(session, target, cooldown_s=cooldown, environment_id=state.environment_id)
        except CheckCooldownError as error:
            wait = round(error.retry_after + 0.5)
            return JSONResponse(
                {"detail": str(error), "retry_after": wait}, status_code=429, headers={"Retry-After": str(wait)}
            )
        return check_view(attempt)


@router.get("/checks/{check_id}", responses={404: {"description": "No such check of yours"}})
async def get_check(request: Request, check_id: DbId, user: CurrentUser) -> CheckView:
    async with transaction(request) as session:
        attempt = await session.get(CheckAttempt, check_id)
    if attempt is None or attempt.user_key != learner_key(user.id):
        raise HTTPException(404, f"no check {check_id}")
    return check_view(attempt)


@router.get(
    "/activity",
    responses={403: {"description": "Not yours to read"}, 503: {"description": "Chronicles did not answer"}},
)
async def activity(
    request: Request,
    user: CurrentUser,
    scope: Literal["mine", "lesson", "organization"] = "mine",
    course: Annotated[str | None, Query(pattern=SLUG_PATTERN, description="A course id.")] = None,
    lesson: Annotated[str | None, Query(pattern=SLUG_PATTERN, description="A lesson id.")] = None,
    organization: Annotated[str | None, Query(pattern=SLUG_PATTERN, description="An organisation's slug.")] = None,
    after: Annotated[NulFreeStr | None, Query(max_length=200, description="The `next` of the page before.")] = None,
) -> ActivityPage:
    """The signed-in user's history, a lesson's history (the course's owners, admins) or an organisation's audit
    (its admins). Other learners' checks are in a lesson's history: see :func:`practica.lessons.ownership.owns`.
    """
    if scope == "mine":
        access, feed = [user_tag(user.id)], user_tag(user.id)
    elif scope == "lesson":
        if course is None or lesson is None:
            raise HTTPException(422, "scope=lesson needs course and lesson")
        async with transaction(request) as session:
            if not await owns(session, user, course):
                raise HTTPException(403, "course: a lesson's history is for the course's owners and admins")
        access, feed = [f"course:{course}"], f"lesson:{course}/{lesson}"
    else:
        if organization is None:
            raise HTTPException(422, "scope=organization needs organization")
        async with transaction(request) as session:
            try:
                await administered_organization(session, organization, user)
            except AccountError as error:
                raise HTTPException(error.status, error.detail) from None
        access, feed = [f"org:{organization}"], f"org:{organization}"
    try:
        return await read_feed(settings_of(request), user.id, access, feed, after)
    except ActivityCursorError as error:
        raise HTTPException(422, str(error)) from None
    except ActivityUnavailableError as error:
        raise HTTPException(503, str(error)) from None
