"""Deleting a draft (its version and previews go; published versions and learners' data stay); resetting a preview."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from practica.accounts.models import Role
from practica.admin.jobs import job_manager
from tests.practica.authoring.courses import course_dir, tar_gz
from tests.practica.authoring.site import Site

pytestmark = pytest.mark.sandbox


async def _upload(client: httpx.AsyncClient, course: Path) -> dict[str, Any]:
    response = await client.post(
        "/api/authoring/imports", files={"archive": ("course.tar.gz", tar_gz(course), "application/gzip")}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _preview(client: httpx.AsyncClient, draft_id: int) -> httpx.Response:
    return await client.get(f"/api/authoring/imports/{draft_id}/lessons/add/preview")


async def test_deleting_a_draft_removes_its_version_and_previews_and_keeps_the_published_course(
    site: Site, tmp_path: Path
) -> None:
    assert site.runtime is not None
    author = await site.client("ada@example.org", Role.AUTHOR)
    course = course_dir(tmp_path / "basics")
    published = await _upload(author, course)
    await site.run_jobs()
    assert (await author.post(f"/api/authoring/imports/{published['id']}/publish")).status_code == 200
    learner = await site.client("bob@example.org")
    assert (await learner.post("/api/courses/basics/lessons/add/environment")).status_code == 200
    (course / "add" / "task.md").write_text("A newer task.\n")
    draft = await _upload(author, course)
    opened = await author.post(f"/api/authoring/imports/{draft['id']}/lessons/add/preview")
    await site.run_jobs()

    deleted = await author.delete(f"/api/authoring/imports/{draft['id']}")
    assert deleted.status_code == 204, deleted.text
    assert (await author.get(f"/api/authoring/imports/{draft['id']}")).status_code == 404
    versions = await site.scalar("SELECT string_agg(number::text, ',' ORDER BY number) FROM course_versions")
    assert versions == "-1,1"  # the published draft's own unpublished version, and version 1
    assert await site.scalar("SELECT status FROM learner_environments WHERE id = :id", id=opened.json()["id"]) == (
        "removed"
    )
    assert await site.scalar("SELECT count(*) FROM lesson_workspaces WHERE user_key LIKE 'preview:%'") == 0
    assert await site.scalar("SELECT count(*) FROM lesson_workspaces WHERE user_key NOT LIKE 'preview:%'") == 1
    assert await site.scalar("SELECT count(*) FROM course_enrollments") == 1
    assert (await learner.get("/api/courses/basics/lessons/add/environment")).json()["status"] == "running"
    await site.run_jobs()  # the preview's environment goes
    assert opened.json()["id"] not in {info.id for info in await site.runtime.list_environments()}

    assert (await author.delete(f"/api/authoring/imports/{published['id']}")).status_code == 204
    assert await site.scalar("SELECT string_agg(number::text, ',') FROM course_versions") == "1"
    assert [course["id"] for course in (await learner.get("/api/courses")).json()] == ["basics"]


async def test_only_the_author_or_an_admin_deletes_a_draft_and_never_while_its_job_runs(
    site: Site, tmp_path: Path
) -> None:
    author = await site.client("ada@example.org", Role.AUTHOR)
    draft = await _upload(author, course_dir(tmp_path / "basics"))
    other = await site.client("eve@example.org", Role.AUTHOR)
    refused = await other.delete(f"/api/authoring/imports/{draft['id']}")
    assert (refused.status_code, refused.json()["detail"]) == (404, f"no draft {draft['id']}")
    learner = await site.client("bob@example.org")
    assert (await learner.delete(f"/api/authoring/imports/{draft['id']}")).status_code == 403

    async with job_manager(site.url) as manager:  # a worker takes the validation: it runs now
        worker = await manager.register_worker()
        assert await manager.fetch_job(["sandbox"], worker) is not None
    running = await author.delete(f"/api/authoring/imports/{draft['id']}")
    assert (running.status_code, running.json()["detail"]) == (
        409, f"draft {draft['id']} is being validated right now: delete it once that ends",
    )  # fmt: skip

    queued = await _upload(author, course_dir(tmp_path / "other"))  # its job still to do: deleted all the same
    admin = await site.client("root@example.org", Role.ADMIN)
    assert (await admin.delete(f"/api/authoring/imports/{queued['id']}")).status_code == 204
    await site.run_jobs()  # the job finds no draft and ends
    assert await site.scalar("SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed'") == 0
    assert await site.scalar("SELECT count(*) FROM course_drafts") == 1


async def test_a_preview_is_reset_to_the_drafts_starter_files(site: Site, tmp_path: Path) -> None:
    assert site.runtime is not None
    author = await site.client("ada@example.org", Role.AUTHOR)
    course = course_dir(tmp_path / "basics")
    first = await _upload(author, course)
    reset_path = f"/api/authoring/imports/{first['id']}/lessons/add/preview/reset"
    early = await author.post(reset_path)
    assert (early.status_code, early.json()["detail"]) == (
        404, "no preview of this lesson of this draft yet: open it first",
    )  # fmt: skip
    assert (await author.post(f"/api/authoring/imports/{first['id']}/lessons/ghost/preview/reset")).status_code == 404
    opened = (await author.post(f"/api/authoring/imports/{first['id']}/lessons/add/preview")).json()
    await site.run_jobs()
    await site.runtime.write_file(opened["id"], "solution.py", b"def add(a, b):\n    return a + b\n", 0o644)
    await site.runtime.write_file(opened["id"], "scratch.txt", b"notes\n", 0o644)

    reset = await author.post(reset_path)
    assert reset.status_code == 200, reset.text
    assert (reset.json()["id"], reset.json()["status"]) == (opened["id"], "starting")  # until the files are in
    assert reset.json()["token"]
    await site.run_jobs()
    assert (await _preview(author, first["id"])).json()["status"] == "running"
    assert b"NotImplementedError" in await site.runtime.read_file(opened["id"], "solution.py")
    assert "scratch.txt" not in {entry.name for entry in await site.runtime.list_files(opened["id"], ".")}

    second = await _upload(author, course)  # the same environment now holds another draft's files
    assert (await author.post(f"/api/authoring/imports/{second['id']}/lessons/add/preview")).status_code == 200
    assert (await author.post(reset_path)).status_code == 404
    other = await site.client("eve@example.org", Role.AUTHOR)
    assert (await other.post(reset_path)).json()["detail"] == f"no draft {first['id']}"
