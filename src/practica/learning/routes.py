"""The learner's API: catalogue, lesson page, environment, checks, reset.

Private courses answer 404 to non-members, as missing ones do. Every
state-changing request passes the CSRF check (``CSRFMiddleware``, app-wide).
What the app remembers (its catalogue and memberships caches) comes from its
services (:data:`~practica.services.ServicesDependency`) and is handed to
:mod:`practica.learning.queries` (what a route reads) and :mod:`practica.learning.service` (what it changes).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, TypeAdapter

from practica.accounts.dependencies import CurrentUser, OptionalUser, reads_of, settings_of, transaction
from practica.checks.models import AttemptStatus, CheckAttempt
from practica.db.changes import MAX_WAIT_S, check_key, environment_key, read_when_changed
from practica.environments.models import EnvironmentState
from practica.ids import CourseIdParam, LessonSlugParam
from practica.learning.activity import read_feed
from practica.learning.names import named
from practica.learning.permissions import OwnCheck, ReadableFeed
from practica.learning.queries import environment_of, lesson_page, visible_course, visible_courses
from practica.learning.schemas import ActivityPage, CheckView, CourseView, EnvironmentView, LessonView, environment_view
from practica.learning.service import queue_check, reset_environment, start_environment, upgraded_course
from practica.learning.workspaces import WorkspaceState
from practica.services import ServicesDependency

router = APIRouter(prefix="/api", tags=["learning"])  # CSRF: the app's middleware checks every POST
JSON = "application/json"
_COURSE_LIST = TypeAdapter(list[CourseView])


def json_of(model: BaseModel) -> Response:
    """The model as JSON, already valid: the hot read paths skip FastAPI's second validation of the answer."""
    return Response(model.model_dump_json(), media_type=JSON)


@router.get("/courses", response_model=list[CourseView])
async def list_courses(request: Request, user: OptionalUser, services: ServicesDependency) -> Response:
    found = await visible_courses(services.catalogue, services.memberships, reads_of(request), user)
    return Response(_COURSE_LIST.dump_json(_COURSE_LIST.validate_python(found, from_attributes=True)), media_type=JSON)


@router.get("/courses/{course_id}", responses={404: {"description": "No such course for you"}})
async def get_course(
    request: Request, course_id: CourseIdParam, user: OptionalUser, services: ServicesDependency
) -> CourseView:
    found = await visible_course(services.catalogue, services.memberships, reads_of(request), user, course_id)
    return CourseView.model_validate(found, from_attributes=True)


@router.post("/courses/{course_id}/upgrade")
async def upgrade(
    request: Request, course_id: CourseIdParam, user: CurrentUser, services: ServicesDependency
) -> CourseView:
    """Move to the newest version of the course (files in environments stay as they are)."""
    async with transaction(request) as session:
        found = await upgraded_course(services.catalogue, services.memberships, session, user, course_id)
        return CourseView.model_validate(found, from_attributes=True)


@router.get("/courses/{course_id}/lessons/{slug}", response_model=LessonView)
async def get_lesson(
    request: Request, course_id: CourseIdParam, slug: LessonSlugParam, user: CurrentUser, services: ServicesDependency
) -> Response:
    page = await lesson_page(services.catalogue, services.memberships, reads_of(request), user, course_id, slug)
    return json_of(page)


@router.post("/courses/{course_id}/lessons/{slug}/environment")
async def open_environment(
    request: Request,
    course_id: CourseIdParam,
    slug: LessonSlugParam,
    user: CurrentUser,
    services: ServicesDependency,
) -> EnvironmentView:
    """Start (or resume) the learner's environment for the lesson; enrols on the course the first time."""
    sandbox = services.sandbox_settings
    async with transaction(request) as session:
        state = await start_environment(
            services.catalogue, services.memberships, session, user, course_id, slug, sandbox
        )
    return environment_view(state, user, sandbox)


def long_poll(while_: str) -> Any:
    """The ``wait`` query parameter of a long poll: 0 to 25 seconds (FastAPI types its parameters ``Any``)."""
    description = f"While {while_}, answer only once its state changes or after this many seconds; 0 answers at once."
    return Query(ge=0, le=MAX_WAIT_S, description=description)


WaitSeconds = Annotated[float, long_poll("the environment is starting")]
CheckWaitSeconds = Annotated[float, long_poll("the check is queued or running")]


@router.get("/courses/{course_id}/lessons/{slug}/environment")
async def environment_status(
    request: Request,
    course_id: CourseIdParam,
    slug: LessonSlugParam,
    user: CurrentUser,
    services: ServicesDependency,
    wait: WaitSeconds = 0,
) -> EnvironmentView:
    async def read() -> WorkspaceState:
        async with transaction(request) as session:
            return await environment_of(services.catalogue, services.memberships, session, user, course_id, slug)

    def starting(state: WorkspaceState) -> bool:
        return state.status == EnvironmentState.STARTING

    state = await read()
    if wait > 0 and starting(state):
        key = environment_key(state.environment_id)
        state = await read_when_changed(services.changes, key, read, wait, pending=starting)
    return environment_view(state, user, services.sandbox_settings)


@router.post("/courses/{course_id}/lessons/{slug}/reset")
async def reset(
    request: Request,
    course_id: CourseIdParam,
    slug: LessonSlugParam,
    user: CurrentUser,
    services: ServicesDependency,
) -> EnvironmentView:
    """Put the starter files back (the learner's other files go)."""
    async with transaction(request) as session:
        state = await reset_environment(services.catalogue, services.memberships, session, user, course_id, slug)
    return environment_view(state, user, services.sandbox_settings)


@router.post(
    "/courses/{course_id}/lessons/{slug}/checks",
    status_code=202,
    response_model=CheckView,
    responses={429: {"description": "Too soon after the previous check"}},
)
async def check(
    request: Request, course_id: CourseIdParam, slug: LessonSlugParam, user: CurrentUser, services: ServicesDependency
) -> CheckView:
    """Queue a check of the learner's current files (a check already queued or running is returned)."""
    cooldown = settings_of(request).practica_check_cooldown
    async with transaction(request) as session:
        attempt = await queue_check(
            services.catalogue, services.memberships, session, user, course_id, slug, cooldown_s=cooldown
        )
        return CheckView.model_validate(attempt, from_attributes=True)


@router.get("/checks/{check_id}", responses={404: {"description": "No such check of yours"}})
async def get_check(
    request: Request, attempt: OwnCheck, services: ServicesDependency, wait: CheckWaitSeconds = 0
) -> CheckView:
    known = CheckView.model_validate(attempt, from_attributes=True)
    if wait <= 0 or AttemptStatus(known.status).finished:
        return known

    async def read() -> CheckView:
        async with transaction(request) as session:
            current = await session.get(CheckAttempt, known.id)
            return CheckView.model_validate(current, from_attributes=True)

    def unchanged(view: CheckView) -> bool:
        return view.status == known.status

    return await read_when_changed(services.changes, check_key(known.id), read, wait, pending=unchanged)


@router.get(
    "/activity",
    responses={403: {"description": "Not yours to read"}, 503: {"description": "Chronicles did not answer"}},
)
async def activity(request: Request, user: CurrentUser, feed: ReadableFeed) -> ActivityPage:
    """The signed-in user's history, a lesson's history (the course's owners, admins) or an organisation's audit
    (its admins). Other learners' checks are in a lesson's history: see :func:`practica.lessons.ownership.owns`.
    """
    page = await read_feed(settings_of(request), user.id, feed.access, feed.tag, feed.after)
    return await named(reads_of(request), page)
