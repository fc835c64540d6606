"""Git imports fetched by the draft's job: answered at once, cloned off the web process, bounded in size and time."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from practica.accounts.models import Role
from practica.authoring.fetching import CloneError, clone
from tests.practica.authoring.courses import course_dir, git_repo
from tests.practica.authoring.site import Site
from tests.practica.conftest import traversable_home

pytestmark = pytest.mark.sandbox


async def _import(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await client.post("/api/authoring/imports", json={"git_url": url})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _draft(client: httpx.AsyncClient, draft_id: int) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"/api/authoring/imports/{draft_id}")).json()
    return body


def _limits(site: Site, **overrides: Any) -> None:
    """The worker's settings, with other import limits."""
    site.resources.settings = site.resources.settings.model_copy(update=overrides)


async def _job_statuses(site: Site) -> str:
    return str(
        await site.scalar(
            "SELECT string_agg(status::text, ',' ORDER BY id) FROM procrastinate_jobs"
            " WHERE task_name = 'practica.authoring.validate'"
        )
    )


async def test_a_git_import_is_answered_at_once_and_fetched_by_its_job(site: Site, tmp_path: Path) -> None:
    author = await site.client("ada@example.org", Role.AUTHOR)
    url = git_repo(course_dir(tmp_path / "basics"))
    draft = await _import(author, url)
    assert (draft["status"], draft["source"], draft["course_id"], draft["title"]) == ("fetching", url, None, None)
    assert (draft["lessons"], draft["problems"], draft["organization"]) == ([], [], None)
    assert await site.scalar("SELECT count(*) FROM course_versions") == 0  # nothing cloned in the request
    listed = (await author.get("/api/authoring/imports")).json()["items"]
    assert [(item["id"], item["status"]) for item in listed] == [(draft["id"], "fetching")]
    refused = await author.post(f"/api/authoring/imports/{draft['id']}/publish")
    assert (refused.status_code, refused.json()["detail"]) == (
        409, f"draft {draft['id']} is still being fetched from {url}: publish it once it is valid",
    )  # fmt: skip

    await site.run_jobs()
    done = await _draft(author, draft["id"])
    assert (done["status"], done["course_id"], done["title"]) == ("valid", "basics", "Python basics")
    assert [lesson["slug"] for lesson in done["lessons"]] == ["add"]
    assert done["progress"] == {"done": 3, "total": 3}
    assert await site.scalar("SELECT number FROM course_versions") == -1


async def test_a_repository_larger_than_allowed_fails_the_draft_saying_so(site: Site, tmp_path: Path) -> None:
    _limits(site, practica_import_max_size_mb=1)
    course = course_dir(tmp_path / "big")
    (course / "add" / "data.bin").write_bytes(os.urandom(3 * 1024 * 1024))  # incompressible: git keeps ~3 MB
    author = await site.client("ada@example.org", Role.AUTHOR)
    draft = await _import(author, git_repo(course))
    await site.run_jobs()
    failed = await _draft(author, draft["id"])
    assert (failed["status"], failed["error"]) == (
        "failed",
        "git_url: the repository is larger than 1 MB even cloned shallowly (PRACTICA_IMPORT_MAX_SIZE_MB)",
    )
    assert failed["finished_at"] is not None
    assert await _job_statuses(site) == "succeeded"  # the author's to mend, not the platform's
    assert await site.scalar("SELECT count(*) FROM course_versions") == 0


async def test_a_repository_git_cannot_clone_fails_the_draft_with_gits_reason(site: Site, tmp_path: Path) -> None:
    author = await site.client("ada@example.org", Role.AUTHOR)
    draft = await _import(author, f"file://{tmp_path}/nowhere")
    await site.run_jobs()
    failed = await _draft(author, draft["id"])
    assert failed["status"] == "failed"
    assert failed["error"].startswith("git_url: git could not clone it: fatal:")
    assert "nowhere" in failed["error"]
    refused = await author.post(f"/api/authoring/imports/{draft['id']}/publish")
    assert refused.status_code == 409


async def test_fetched_files_with_format_problems_fail_the_draft_listing_every_problem(
    site: Site, tmp_path: Path
) -> None:
    course = course_dir(tmp_path / "broken")
    (course / "course.yaml").write_text("id: broken\ntitle: Broken\nlessons: [add, ghost]\n")
    author = await site.client("ada@example.org", Role.AUTHOR)
    draft = await _import(author, git_repo(course))
    await site.run_jobs()
    failed = await _draft(author, draft["id"])
    assert (failed["status"], failed["error"]) == ("failed", "the course has 1 problem(s)")
    (problem,) = failed["problems"]
    assert (problem["file"], problem["field"]) == ("course.yaml", "lessons.1")
    assert "ghost/lesson.yaml does not exist" in problem["message"]


async def test_a_fetched_course_for_an_organization_the_author_is_not_in_fails(site: Site, tmp_path: Path) -> None:
    course = course_dir(tmp_path / "internal", visibility={"organization": "acme"})
    author = await site.client("eve@example.org", Role.AUTHOR)
    draft = await _import(author, git_repo(course))
    await site.run_jobs()
    failed = await _draft(author, draft["id"])
    assert failed["status"] == "failed"
    assert "not a member of 'acme'" in failed["error"]
    assert await site.scalar("SELECT count(*) FROM course_versions") == 0


async def test_a_fetch_the_platform_breaks_fails_the_draft_and_its_job(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    author = await site.client("ada@example.org", Role.AUTHOR)
    draft = await _import(author, git_repo(course_dir(tmp_path / "basics")))
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))
    await site.run_jobs()
    failed = await _draft(author, draft["id"])
    assert failed["status"] == "failed"
    assert failed["error"].startswith("ConfinementError: bubblewrap (bwrap) is not installed")
    assert await _job_statuses(site) == "failed"  # shows among the failed jobs: retrying it fetches again

    monkeypatch.undo()
    job = await site.scalar("SELECT id FROM procrastinate_jobs WHERE task_name = 'practica.authoring.validate'")
    admin = await site.client("root@example.org", Role.ADMIN)
    assert (await admin.post(f"/api/admin/jobs/{job}/retry")).status_code == 200
    await site.run_jobs()
    assert (await _draft(author, draft["id"]))["status"] == "valid"


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("https://example.org/team/my course.git", "git_url: must not contain spaces or control characters"),
        ("https:///team/course.git", "git_url: names no host"),
        ("https://example.org:99999/course.git", "git_url: is not a valid URL: Port out of range 0-65535"),
        ("file://", "git_url: names no directory"),
        ("ssh://example.org/course.git", "git_url: must start with https://, http://, git://, file://"),
    ],
)
async def test_urls_refused_at_once_name_the_field_and_store_nothing(site: Site, url: str, detail: str) -> None:
    author = await site.client("ada@example.org", Role.AUTHOR)
    refused = await author.post("/api/authoring/imports", json={"git_url": url})
    assert (refused.status_code, refused.json()["detail"]) == (422, detail)
    assert await site.scalar("SELECT count(*) FROM course_drafts") == 0


async def test_a_clone_slower_than_allowed_is_stopped(tmp_path: Path) -> None:
    url = git_repo(course_dir(tmp_path / "basics"))
    scratch = traversable_home("practica-clone-test-")  # the sandbox's uid must reach the target
    try:
        with pytest.raises(CloneError, match=r"^git_url: cloning took longer than 0.001 s"):
            await clone(url, scratch / "clone", timeout_s=0.001, max_bytes=10**9)
        await clone(url, scratch / "again", timeout_s=60, max_bytes=10**9)
        assert (scratch / "again" / "course.yaml").is_file()
        assert (scratch / "again" / ".git" / "shallow").is_file()  # one commit, not the history
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
