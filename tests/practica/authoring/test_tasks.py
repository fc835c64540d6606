"""The validation job: progress written as it goes, and a broken validation that a retry mends."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import text

from practica.accounts.models import Role
from practica.authoring.tasks import ProgressRecorder
from practica.jobs.resources import SandboxWorker
from practica.sandbox.settings import SandboxSettings
from tests.practica.authoring.courses import course_dir, tar_gz
from tests.practica.authoring.site import Site

pytestmark = pytest.mark.sandbox


class BrokenRuntime:
    """A runtime whose every call fails unexpectedly (not a SandboxError, which a check reports as a verdict)."""

    def __getattr__(self, name: str) -> NoReturn:
        raise RuntimeError("the eval host lost its runtime")


async def _import(site: Site, tmp_path: Path) -> int:
    author = await site.client("ada@example.org", Role.AUTHOR)
    response = await author.post(
        "/api/authoring/imports", files={"archive": ("c.tar.gz", tar_gz(course_dir(tmp_path / "basics")), "x")}
    )
    assert response.status_code == 201, response.text
    draft_id: int = response.json()["id"]
    return draft_id


async def test_progress_only_moves_forward(site: Site, tmp_path: Path) -> None:
    draft_id = await _import(site, tmp_path)
    recorder = ProgressRecorder(site.sessions, draft_id)
    recorder.record(2)
    recorder.record(1)  # lands after the 2 (or before it): the row keeps 2 either way
    await recorder.flush()
    assert await site.scalar("SELECT progress_done FROM course_drafts WHERE id = :id", id=draft_id) == 2


async def test_a_broken_validation_fails_the_draft_and_its_job_and_a_retry_validates_it(
    site: Site, tmp_path: Path
) -> None:
    draft_id = await _import(site, tmp_path)
    working = site.resources.sandbox
    site.resources.sandbox = SandboxWorker(SandboxSettings(home=tmp_path), BrokenRuntime())  # type: ignore[arg-type]
    await site.run_jobs()
    status, error = (await _row(site, draft_id))[:2]
    assert (status, error) == ("failed", "RuntimeError: the eval host lost its runtime")
    job = await site.scalar("SELECT id FROM procrastinate_jobs WHERE status = 'failed'")
    admin = await site.client("root@example.org", Role.ADMIN)
    author = await site.client("grace@example.org", Role.AUTHOR)
    assert (await admin.get(f"/api/authoring/imports/{draft_id}")).json()["error"] == error
    refused = await admin.post(f"/api/authoring/imports/{draft_id}/publish")
    assert (refused.status_code, "could not be validated" in refused.json()["detail"]) == (409, True)
    assert (await author.get(f"/api/authoring/imports/{draft_id}")).status_code == 404

    site.resources.sandbox = working
    assert (await admin.post(f"/api/admin/jobs/{job}/retry")).status_code == 200
    await site.run_jobs()
    assert await _row(site, draft_id) == ("valid", None, 3, 3)


async def _row(site: Site, draft_id: int) -> tuple[object, ...]:
    async with site.sessions() as session:
        row = await session.execute(
            text("SELECT status, error, progress_done, progress_total FROM course_drafts WHERE id = :id"),
            {"id": draft_id},
        )
        return tuple(row.one())
