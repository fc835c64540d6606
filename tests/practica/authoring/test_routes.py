"""The authoring API against a real database, real jobs and real bubblewrap: import, validate, preview, publish."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from practica.accounts.models import Role
from tests.practica.authoring.courses import SWAPS, course_dir, git_repo, hostile_tar, tar_gz
from tests.practica.authoring.site import Site

pytestmark = pytest.mark.sandbox


async def _upload(client: httpx.AsyncClient, data: bytes, name: str = "course.tar.gz") -> httpx.Response:
    return await client.post("/api/authoring/imports", files={"archive": (name, data, "application/gzip")})


async def _draft(client: httpx.AsyncClient, draft_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/authoring/imports/{draft_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _catalogue(site: Site) -> list[str]:
    anonymous = httpx.AsyncClient(transport=httpx.ASGITransport(app=site.app), base_url="http://testserver")
    async with anonymous:
        return [course["id"] for course in (await anonymous.get("/api/courses")).json()]


async def test_a_course_from_git_is_validated_then_published(site: Site, tmp_path: Path) -> None:
    site.app.state.services.catalogue.timer = lambda: 0.0  # stopped: only a publication here refreshes it
    author = await site.client("ada@example.org", Role.AUTHOR)
    url = git_repo(course_dir(tmp_path / "basics"))
    created = await author.post("/api/authoring/imports", json={"git_url": url})
    assert created.status_code == 201, created.text
    draft = created.json()
    assert (draft["status"], draft["source"], draft["report"]) == ("fetching", url, None)  # cloned by the job

    await site.run_jobs()
    done = await _draft(author, draft["id"])
    assert (done["course_id"], done["status"]) == ("basics", "valid"), done
    assert done["lessons"] == [
        {
            "slug": "add",
            "title": "Add two numbers",
            "task": "Write `add(a, b)`.",
            "languages": ["python"],
            "run_command": None,
        }
    ]
    assert await _catalogue(site) == []  # a draft is not in the catalogue
    assert done["progress"] == {"done": 3, "total": 3}
    (lesson,) = done["report"]["lessons"]
    assert (lesson["starter_fails"], lesson["wrong_solutions_fail"], lesson["reference_passes"]) == (
        True,
        {"wrong": True},
        True,
    )
    assert 0 < lesson["reference_time_s"] <= lesson["time_allowed_s"] == lesson["time_limit_s"] / 2
    assert [run["candidate"] for run in lesson["runs"]] == ["starter", "solution", "wrong:wrong"]
    assert done["finished_at"] is not None

    published = await author.post(f"/api/authoring/imports/{draft['id']}/publish")
    assert published.status_code == 200, published.text
    assert (published.json()["version"], published.json()["added"]) == (1, ["add"])
    assert published.json()["draft"]["status"] == "published"
    assert await _catalogue(site) == ["basics"]
    assert await site.scalar("SELECT count(*) FROM outbox_events WHERE message->>'action' = 'course.published'") == 1
    again = await author.post(f"/api/authoring/imports/{draft['id']}/publish")
    assert again.status_code == 409
    assert "already published as version 1" in again.json()["detail"]


async def test_an_uploaded_course_whose_tests_miss_a_wrong_solution_is_invalid(site: Site, tmp_path: Path) -> None:
    author = await site.client("grace@example.org", Role.AUTHOR)
    created = await _upload(author, tar_gz(course_dir(tmp_path / "basics", wrong=SWAPS)))
    assert created.status_code == 201, created.text
    assert created.json()["source"] == "upload:course.tar.gz"
    early = await author.post(f"/api/authoring/imports/{created.json()['id']}/publish")
    assert early.status_code == 409
    assert "still being validated" in early.json()["detail"]

    await site.run_jobs()
    draft = await _draft(author, created.json()["id"])
    assert draft["status"] == "invalid"
    (lesson,) = draft["report"]["lessons"]
    assert (lesson["ok"], lesson["wrong_solutions_fail"]) == (False, {"wrong": False})
    (miss,) = [run for run in lesson["runs"] if not run["ok"]]
    assert (miss["candidate"], miss["problem"]) == ("wrong:wrong", "the tests pass: they do not catch this version")
    refused = await author.post(f"/api/authoring/imports/{draft['id']}/publish")
    assert refused.status_code == 409
    assert "is invalid" in refused.json()["detail"]
    assert await _catalogue(site) == []


async def test_format_problems_answer_422_with_every_problem_and_store_nothing(site: Site, tmp_path: Path) -> None:
    author = await site.client("linus@example.org", Role.AUTHOR)
    course = course_dir(tmp_path / "broken")
    (course / "course.yaml").write_text("id: broken\ntitle: Broken\nlessons: [add, ghost]\n")
    (course / "add" / "lesson.yaml").write_text((course / "add" / "lesson.yaml").read_text() + "colour: blue\n")
    response = await _upload(author, tar_gz(course))
    assert response.status_code == 422, response.text
    problems = {(p["file"], p["field"]) for p in response.json()["problems"]}
    assert problems == {("course.yaml", "lessons.1"), ("add/lesson.yaml", "colour")}
    assert all(p["line"] for p in response.json()["problems"])
    assert "ghost/lesson.yaml does not exist" in response.json()["detail"]
    assert await site.scalar("SELECT count(*) FROM course_drafts") == 0
    assert await site.scalar("SELECT count(*) FROM course_versions") == 0


def _entry(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        (_entry("../escape.txt"), "'../escape.txt': `..`"),
        (_entry("/etc/cron.d/evil"), "'/etc/cron.d/evil': an absolute path"),
        (_entry("add/etc", tarfile.SYMTYPE, "/etc"), "'add/etc': a link to the absolute path '/etc'"),
        (_entry("add/up", tarfile.SYMTYPE, "../../.."), "'add/up': a link to '../../..' would lead outside"),
        (_entry("add/null", tarfile.CHRTYPE), "'add/null': device files"),
    ],
)
async def test_hostile_archives_are_refused_naming_the_entry(site: Site, entry: tarfile.TarInfo, named: str) -> None:
    author = await site.client("mallory@example.org", Role.AUTHOR)
    response = await _upload(author, hostile_tar(entry, b"boom\n" if entry.isreg() else b""))
    assert response.status_code == 422, response.text
    assert named in response.json()["detail"]
    assert await site.scalar("SELECT count(*) FROM course_drafts") == 0


async def test_learners_are_refused_and_authors_see_only_their_own_drafts(site: Site, tmp_path: Path) -> None:
    author = await site.client("ada@example.org", Role.AUTHOR)
    draft = (await _upload(author, tar_gz(course_dir(tmp_path / "basics")))).json()
    learner = await site.client("bob@example.org")
    assert (await learner.get("/api/authoring/imports")).status_code == 403
    assert (
        await learner.post("/api/authoring/imports", json={"git_url": "https://example.org/x.git"})
    ).status_code == 403
    other = await site.client("eve@example.org", Role.AUTHOR)
    assert (await other.get("/api/authoring/imports")).json() == {"items": [], "next_after": None}
    for response in (
        await other.get(f"/api/authoring/imports/{draft['id']}"),
        await other.post(f"/api/authoring/imports/{draft['id']}/publish"),
        await other.post(f"/api/authoring/imports/{draft['id']}/lessons/add/preview"),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == f"no draft {draft['id']}"
    admin = await site.client("root@example.org", Role.ADMIN)
    assert [item["id"] for item in (await admin.get("/api/authoring/imports")).json()["items"]] == [draft["id"]]
    assert [item["id"] for item in (await author.get("/api/authoring/imports")).json()["items"]] == [draft["id"]]


async def test_drafts_come_in_pages_newest_first(site: Site, tmp_path: Path) -> None:
    author = await site.client("ada@example.org", Role.AUTHOR)
    archive = tar_gz(course_dir(tmp_path / "basics"))
    older, newer = [(await _upload(author, archive)).json()["id"] for _ in range(2)]
    first = (await author.get("/api/authoring/imports", params={"limit": 1})).json()
    assert ([item["id"] for item in first["items"]], first["next_after"]) == ([newer], newer)
    last = (await author.get("/api/authoring/imports", params={"limit": 1, "after": newer})).json()
    assert ([item["id"] for item in last["items"]], last["next_after"]) == ([older], None)
    whole = (await author.get("/api/authoring/imports", params={"limit": 2})).json()
    assert ([item["id"] for item in whole["items"]], whole["next_after"]) == ([newer, older], None)


async def test_ssh_urls_and_other_bodies_are_refused(site: Site) -> None:
    author = await site.client("ada@example.org", Role.AUTHOR)
    ssh = await author.post("/api/authoring/imports", json={"git_url": "git@example.org:team/course.git"})
    assert ssh.status_code == 422
    assert ssh.json()["detail"].startswith("git_url: must start with https://")
    missing = await author.post("/api/authoring/imports", json={})
    assert (missing.status_code, missing.json()["detail"]) == (422, "git_url: Field required")
    text = await author.post("/api/authoring/imports", content=b"hello", headers={"Content-Type": "text/plain"})
    assert text.status_code == 415
    not_archive = await _upload(author, b"just some bytes")
    assert not_archive.status_code == 422
    assert not_archive.json()["detail"].startswith("archive: the upload is neither a tar archive")


async def test_an_author_publishes_only_into_their_organizations(site: Site, tmp_path: Path) -> None:
    archive = tar_gz(course_dir(tmp_path / "internal", visibility={"organization": "acme"}))
    outsider = await site.client("eve@example.org", Role.AUTHOR)
    refused = await _upload(outsider, archive)
    assert refused.status_code == 403
    assert "not a member of 'acme'" in refused.json()["detail"]
    assert await site.scalar("SELECT count(*) FROM course_drafts") == 0
    member = await site.client("ada@example.org", Role.AUTHOR, organization="acme")
    created = await _upload(member, archive)
    assert created.status_code == 201
    assert created.json()["organization"] == "acme"


async def test_a_preview_opens_the_lesson_with_the_drafts_starter_files(site: Site, tmp_path: Path) -> None:
    assert site.runtime is not None
    author = await site.client("ada@example.org", Role.AUTHOR)
    course = course_dir(tmp_path / "basics")
    first = (await _upload(author, tar_gz(course))).json()
    assert (await author.get(f"/api/authoring/imports/{first['id']}/lessons/add/preview")).status_code == 404
    opened = await author.post(f"/api/authoring/imports/{first['id']}/lessons/add/preview")
    assert opened.status_code == 200, opened.text
    assert (opened.json()["status"], opened.json()["gateway_url"]) == ("starting", "http://gateway.test")
    assert opened.json()["token"]
    await site.run_jobs()  # validation, the environment's start, the starter files
    ready = (await author.get(f"/api/authoring/imports/{first['id']}/lessons/add/preview")).json()
    assert ready["status"] == "running", ready
    assert b"NotImplementedError" in await site.runtime.read_file(ready["id"], "solution.py")
    missing = await author.post(f"/api/authoring/imports/{first['id']}/lessons/ghost/preview")
    assert missing.status_code == 404

    (course / "add" / "starter" / "solution.py").write_text("def add(a, b):\n    return 0  # TODO\n")
    second = (await _upload(author, tar_gz(course))).json()
    reopened = await author.post(f"/api/authoring/imports/{second['id']}/lessons/add/preview")
    assert reopened.json()["id"] == ready["id"]  # the same environment, with the new draft's files
    await site.run_jobs()
    assert b"return 0  # TODO" in await site.runtime.read_file(ready["id"], "solution.py")
    assert (await author.get(f"/api/authoring/imports/{first['id']}/lessons/add/preview")).status_code == 404
