"""The learner's API: catalogue, lesson page, environment, checks, reset.

Private courses answer 404 to non-members, as missing ones do. Every
state-changing request passes the CSRF check (``CSRFMiddleware``, app-wide).
What the app remembers (its catalogue and memberships caches) comes from its
services (:data:`~practica.services.ServicesDependency`) and is handed to
:mod:`practica.learning.service`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, TypeAdapter

from practica.accounts.dependencies import CurrentUser, OptionalUser, reads_of, settings_of, transaction
from practica.checks.service import disclosed_hints, lesson_state
from practica.ids import CourseIdParam, LessonSlugParam, learner_key
from practica.learning.activity import ActivityPage, read_feed
from practica.learning.catalog import courses, languages_of, lesson_page_of
from practica.learning.permissions import OwnCheck, ReadableFeed
from practica.learning.schemas import (
    CheckView,
    CourseRef,
    CourseView,
    EnvironmentView,
    LessonView,
    check_view,
    course_view,
    environment_view,
)
from practica.learning.service import (
    environment_of,
    organizations_of,
    queue_check,
    reset_environment,
    upgraded_course,
    visible_course,
    visible_lesson,
)
from practica.learning.workspaces import open_workspace
from practica.lessons.service import enroll
from practica.sandbox.settings import SandboxSettings
from practica.services import ServicesDependency, services_of

router = APIRouter(prefix="/api", tags=["learning"])  # CSRF: the app's middleware checks every POST
JSON = "application/json"
_COURSE_LIST = TypeAdapter(list[CourseView])


def json_of(model: BaseModel) -> Response:
    """The model as JSON, already valid: the hot read paths skip FastAPI's second validation of the answer."""
    return Response(model.model_dump_json(), media_type=JSON)


def sandbox_settings(request: Request) -> SandboxSettings:
    return services_of(request).sandbox_settings


Sandbox = Annotated[SandboxSettings, Depends(sandbox_settings)]


@router.get("/courses", response_model=list[CourseView])
async def list_courses(request: Request, user: OptionalUser, services: ServicesDependency) -> Response:
    reads = reads_of(request)
    key = learner_key(user.id) if user else None
    organizations = await organizations_of(services.memberships, reads, user)
    found = await courses(services.catalogue, reads, key, organizations)
    return Response(_COURSE_LIST.dump_json([course_view(entry) for entry in found]), media_type=JSON)


@router.get("/courses/{course_id}", responses={404: {"description": "No such course for you"}})
async def get_course(
    request: Request, course_id: CourseIdParam, user: OptionalUser, services: ServicesDependency
) -> CourseView:
    reads = reads_of(request)
    return course_view(await visible_course(services.catalogue, services.memberships, reads, user, course_id))


@router.post("/courses/{course_id}/upgrade")
async def upgrade(
    request: Request, course_id: CourseIdParam, user: CurrentUser, services: ServicesDependency
) -> CourseView:
    """Move to the newest version of the course (files in environments stay as they are)."""
    async with transaction(request) as session:
        return course_view(await upgraded_course(services.catalogue, services.memberships, session, user, course_id))


@router.get("/courses/{course_id}/lessons/{slug}", response_model=LessonView)
async def get_lesson(
    request: Request, course_id: CourseIdParam, slug: LessonSlugParam, user: CurrentUser, services: ServicesDependency
) -> Response:
    reads = reads_of(request)
    state = await lesson_state(reads, learner_key(user.id), course_id, slug)
    organizations = await organizations_of(services.memberships, reads, user)
    version, lesson = await lesson_page_of(
        services.catalogue, reads, state.enrolled_version, organizations, course_id, slug
    )
    shown, hidden = disclosed_hints(lesson.definition, state.failed_checks)
    return json_of(LessonView(
        course=CourseRef(id=course_id, title=version.title), version=version.number, slug=slug, title=lesson.title,
        task=lesson.definition.task, languages=languages_of(lesson.starter_paths),
        run_command=lesson.definition.run, hints=shown, hints_hidden=hidden,
        failed_checks=state.failed_checks, completed=state.completed,
        last_check=check_view(state.latest) if state.latest else None,
    ))  # fmt: skip


@router.post("/courses/{course_id}/lessons/{slug}/environment")
async def open_environment(
    request: Request,
    course_id: CourseIdParam,
    slug: LessonSlugParam,
    user: CurrentUser,
    sandbox: Sandbox,
    services: ServicesDependency,
) -> EnvironmentView:
    """Start (or resume) the learner's environment for the lesson; enrols on the course the first time."""
    async with transaction(request) as session:
        _version, lesson = await visible_lesson(
            services.catalogue, services.memberships, session, user, course_id, slug
        )
        await enroll(session, learner_key(user.id), course_id)
        state = await open_workspace(session, learner_key(user.id), course_id, lesson, sandbox)
    return environment_view(state, user, sandbox)


@router.get("/courses/{course_id}/lessons/{slug}/environment")
async def environment_status(
    request: Request,
    course_id: CourseIdParam,
    slug: LessonSlugParam,
    user: CurrentUser,
    sandbox: Sandbox,
    services: ServicesDependency,
) -> EnvironmentView:
    async with transaction(request) as session:
        state = await environment_of(services.catalogue, services.memberships, session, user, course_id, slug)
    return environment_view(state, user, sandbox)


@router.post("/courses/{course_id}/lessons/{slug}/reset")
async def reset(
    request: Request,
    course_id: CourseIdParam,
    slug: LessonSlugParam,
    user: CurrentUser,
    sandbox: Sandbox,
    services: ServicesDependency,
) -> EnvironmentView:
    """Put the starter files back (the learner's other files go)."""
    async with transaction(request) as session:
        state = await reset_environment(services.catalogue, services.memberships, session, user, course_id, slug)
    return environment_view(state, user, sandbox)


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
        return check_view(attempt)


@router.get("/checks/{check_id}", responses={404: {"description": "No such check of yours"}})
async def get_check(attempt: OwnCheck) -> CheckView:
    return check_view(attempt)


@router.get(
    "/activity",
    responses={403: {"description": "Not yours to read"}, 503: {"description": "Chronicles did not answer"}},
)
async def activity(request: Request, user: CurrentUser, feed: ReadableFeed) -> ActivityPage:
    """The signed-in user's history, a lesson's history (the course's owners, admins) or an organisation's audit
    (its admins). Other learners' checks are in a lesson's history: see :func:`practica.lessons.ownership.owns`.
    """
    return await read_feed(settings_of(request), user.id, feed.access, feed.tag, feed.after)
