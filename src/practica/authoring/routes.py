"""``/api/authoring``: authors import a course as a draft, follow its validation, preview and publish it.

Authors and admins only (403 for learners). An author sees only their own
drafts (404 for anyone else's, as for a missing one); admins see all.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.datastructures import UploadFile

from practica.accounts.dependencies import csrf_protect, settings_of, transaction
from practica.accounts.schemas import Problem
from practica.authoring.archives import MAX_UPLOAD
from practica.authoring.errors import DraftError
from practica.authoring.models import CourseDraft
from practica.authoring.permissions import AUTHORS_ONLY, Author, draft_for
from practica.authoring.previews import open_preview, preview_state, queue_preview_check, reset_preview
from practica.authoring.queries import draft_view, drafts_of, published_draft
from practica.authoring.schemas import (
    DraftPage,
    DraftSummary,
    DraftView,
    FlakyRefusal,
    FormatProblems,
    GitImport,
    PublishedDraft,
    PublishRequest,
    git_import_of,
)
from practica.authoring.service import create_draft, create_git_draft, delete_draft, publish_draft
from practica.authoring.sources import LOCAL_GIT, check_git_url, opened_upload, packed_from_upload, resolve_remote
from practica.db.paging import page_of
from practica.ids import LessonSlugParam
from practica.learning.schemas import CheckView, EnvironmentView, environment_view
from practica.services import ServicesDependency
from practica.settings import Environment
from servicekit.params import DbId

FORM_OVERHEAD = 64 * 1024  # multipart boundaries and headers around the archive
MAX_JSON = 64 * 1024


router = APIRouter(
    prefix="/api/authoring",
    tags=["authoring"],
    dependencies=[Depends(csrf_protect), *AUTHORS_ONLY],
    responses={401: {"model": Problem}, 403: {"model": Problem}},
)


async def _git_url(request: Request) -> str:
    """The body's git URL, when it passes what can be checked without the network."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_JSON:
        raise DraftError(413, f"a JSON body of at most {MAX_JSON} bytes")
    body = git_import_of(await request.body())
    settings = settings_of(request)
    check_git_url(body.git_url, allow_local=settings.practica_env is Environment.DEVELOPMENT)
    if not body.git_url.startswith(LOCAL_GIT):  # the job checks again, and pins git to what it finds then
        await resolve_remote(body.git_url, settings.practica_import_allowed_networks)
    return body.git_url


async def _uploaded_archive(request: Request) -> tuple[bytes, str]:
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise DraftError(411, "an upload needs a Content-Length")
    if int(length) > MAX_UPLOAD + FORM_OVERHEAD:
        raise DraftError(413, f"archive: at most {MAX_UPLOAD // 1024 // 1024} MB")
    async with request.form(max_files=1, max_fields=4) as form:
        upload = form.get("archive")
        if not isinstance(upload, UploadFile):
            raise DraftError(422, "archive: send the course as a file field named `archive` (.tar.gz or .zip)")
        data = await upload.read()
    if len(data) > MAX_UPLOAD:
        raise DraftError(413, f"archive: at most {MAX_UPLOAD // 1024 // 1024} MB")
    packed = await packed_from_upload(data, uid=settings_of(request).practica_import_uid)
    return packed, f"upload:{(upload.filename or 'archive')[:200]}"


def _content_type(request: Request) -> str:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/json", "multipart/form-data"):
        raise DraftError(415, 'send JSON {"git_url": "..."} or multipart/form-data with an `archive` file')
    return kind


_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": GitImport.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["archive"],
                    "properties": {"archive": {"type": "string", "format": "binary", "description": ".tar.gz or .zip"}},
                }
            },
        },
    }
}


@router.post(
    "/imports",
    status_code=201,
    openapi_extra=_IMPORT_BODY,
    responses={403: {"model": Problem}, 413: {"model": Problem}, 422: {"model": FormatProblems}},
)
async def import_course(request: Request, user: Author) -> DraftView:
    """Import a course from a git URL or an uploaded archive as a draft, and queue its job.

    An upload's format problems answer 422 with every problem (file, line, field) and store nothing.
    A git URL is answered at once with the draft ``fetching``: its job clones the repository, then
    validates it; a clone or the course's files that fail make the draft ``failed`` (``error``, ``problems``).
    """
    if _content_type(request) == "application/json":
        url = await _git_url(request)
        async with transaction(request) as session:
            return await draft_view(session, await create_git_draft(session, user, url))
    archive, source = await _uploaded_archive(request)
    async with opened_upload(archive) as course, transaction(request) as session:
        draft = await create_draft(session, user, course, archive, source)
        return await draft_view(session, draft)


@router.get("/imports")
async def list_drafts(
    request: Request,
    user: Author,
    after: Annotated[DbId | None, Query(description="Only drafts with a smaller id (the last id of a page).")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DraftPage:
    """Newest first: the author's drafts (every draft, for an admin)."""
    async with transaction(request) as session:
        drafts, next_after = page_of(await drafts_of(session, user, after=after, limit=limit + 1), limit, _id)
        items = [DraftSummary.model_validate(draft, from_attributes=True) for draft in drafts]
        return DraftPage(items=items, next_after=next_after)


def _id(draft: CourseDraft) -> int:
    return draft.id


@router.get("/imports/{draft_id}", responses={404: {"model": Problem}})
async def get_draft(request: Request, draft_id: DbId, user: Author) -> DraftView:
    """Status, progress (runs done of total) and, once validated, the report."""
    async with transaction(request) as session:
        return await draft_view(session, await draft_for(session, user, draft_id))


@router.delete(
    "/imports/{draft_id}",
    status_code=204,
    response_class=Response,
    responses={404: {"model": Problem}, 409: {"model": Problem}},
)
async def delete_import(request: Request, draft_id: DbId, user: Author) -> Response:
    """Delete a draft, its unpublished version and the previews opened on it (409 while its job runs).

    Published versions of the course and everything of learners stay.
    """
    async with transaction(request) as session:
        await delete_draft(session, await draft_for(session, user, draft_id, lock=True))
    return Response(status_code=204)


@router.post(
    "/imports/{draft_id}/publish",
    responses={404: {"model": Problem}, 409: {"model": FlakyRefusal}},
)
async def publish(
    request: Request, draft_id: DbId, user: Author, services: ServicesDependency, body: PublishRequest | None = None
) -> PublishedDraft:
    """Publish a valid draft as the course's newest version.

    409 unless it is valid, and for a draft with flaky tests unless the body says ``{"allow_flaky": true}``
    (the answer's ``flaky`` lists them).
    """
    allow_flaky = body is not None and body.allow_flaky
    async with transaction(request) as session:
        draft = await draft_for(session, user, draft_id, lock=True)
        publication = await publish_draft(session, services.catalogue, draft, user, allow_flaky=allow_flaky)
        return await published_draft(session, draft, publication)


@router.post("/imports/{draft_id}/lessons/{slug}/preview", responses={404: {"model": Problem}})
async def open_lesson_preview(
    request: Request, draft_id: DbId, slug: LessonSlugParam, user: Author, services: ServicesDependency
) -> EnvironmentView:
    """Open the lesson as a learner would: an environment of the author's own with the draft's starter files."""
    sandbox = services.sandbox_settings
    async with transaction(request) as session:
        draft = await draft_for(session, user, draft_id)
        state = await open_preview(session, user, draft, slug, sandbox)
    return environment_view(state, user, sandbox)


@router.get("/imports/{draft_id}/lessons/{slug}/preview", responses={404: {"model": Problem}})
async def lesson_preview(
    request: Request, draft_id: DbId, slug: LessonSlugParam, user: Author, services: ServicesDependency
) -> EnvironmentView:
    async with transaction(request) as session:
        draft = await draft_for(session, user, draft_id)
        state = await preview_state(session, user, draft, slug)
    return environment_view(state, user, services.sandbox_settings)


@router.post("/imports/{draft_id}/lessons/{slug}/preview/reset", responses={404: {"model": Problem}})
async def reset_lesson_preview(
    request: Request, draft_id: DbId, slug: LessonSlugParam, user: Author, services: ServicesDependency
) -> EnvironmentView:
    """Put the draft's starter files back into the preview (the author's other files go), as a learner's reset."""
    async with transaction(request) as session:
        draft = await draft_for(session, user, draft_id)
        state = await reset_preview(session, user, draft, slug)
    return environment_view(state, user, services.sandbox_settings)


@router.post(
    "/imports/{draft_id}/lessons/{slug}/preview/checks",
    status_code=202,
    responses={404: {"model": Problem}, 409: {"model": Problem}, 429: {"description": "Too soon after the last"}},
)
async def check_lesson_preview(request: Request, draft_id: DbId, slug: LessonSlugParam, user: Author) -> CheckView:
    """Run the draft's hidden tests on the preview's files, as a learner's Check (``GET /api/checks/{id}`` follows it).

    The draft's author only (404 for anyone else's draft); 409 before the preview was opened.
    """
    cooldown = settings_of(request).practica_check_cooldown
    async with transaction(request) as session:
        draft = await draft_for(session, user, draft_id)
        attempt = await queue_preview_check(session, user, draft, slug, cooldown_s=cooldown)
        return CheckView.model_validate(attempt, from_attributes=True)
