"""An author's Check in a draft's preview: the draft's hidden tests on the preview's files, for its author only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from practica.accounts.models import Role
from tests.practica.authoring.courses import course_dir, tar_gz
from tests.practica.authoring.site import Site

pytestmark = pytest.mark.sandbox


async def _draft_with_open_preview(site: Site, author: httpx.AsyncClient, course: Path) -> tuple[int, str]:
    """An uploaded draft of ``course`` and its running preview of lesson ``add``: (draft id, environment id)."""
    uploaded = await author.post(
        "/api/authoring/imports", files={"archive": ("course.tar.gz", tar_gz(course), "application/gzip")}
    )
    assert uploaded.status_code == 201, uploaded.text
    draft_id: int = uploaded.json()["id"]
    opened = await author.post(f"/api/authoring/imports/{draft_id}/lessons/add/preview")
    assert opened.status_code == 200, opened.text
    await site.run_jobs()  # validation, the environment's start, the starter files
    return draft_id, opened.json()["id"]


async def _check(site: Site, client: httpx.AsyncClient, draft_id: int) -> dict[str, Any]:
    queued = await client.post(f"/api/authoring/imports/{draft_id}/lessons/add/preview/checks")
    assert queued.status_code == 202, queued.text
    assert queued.json()["status"] == "queued"
    await site.run_jobs(("checks",))
    done = await client.get(f"/api/checks/{queued.json()['id']}")
    assert done.status_code == 200, done.text
    body: dict[str, Any] = done.json()
    return body


async def test_a_preview_check_runs_the_drafts_tests_on_the_previews_files(site: Site, tmp_path: Path) -> None:
    assert site.runtime is not None
    author = await site.client("ada@example.org", Role.AUTHOR)
    draft_id, environment_id = await _draft_with_open_preview(site, author, course_dir(tmp_path / "basics"))

    failed = await _check(site, author, draft_id)
    assert (failed["status"], [test["status"] for test in failed["tests"]]) == ("failed", ["fail"])
    await site.runtime.write_file(environment_id, "solution.py", b"def add(a, b):\n    return a + b\n")
    passed = await _check(site, author, draft_id)
    assert (passed["status"], [test["status"] for test in passed["tests"]]) == ("passed", ["pass"])

    # An author's preview is no learner's activity: no events, no completion, nothing in their progress.
    assert await site.scalar("SELECT count(*) FROM outbox_events WHERE message->>'action' LIKE 'check.%'") == 0
    assert await site.scalar("SELECT count(*) FROM lesson_completions") == 0
    # The checks go with the draft.
    assert (await author.delete(f"/api/authoring/imports/{draft_id}")).status_code == 204
    assert await site.scalar("SELECT count(*) FROM check_attempts") == 0


async def test_only_the_drafts_author_checks_its_preview_and_reads_the_check(site: Site, tmp_path: Path) -> None:
    author = await site.client("ada@example.org", Role.AUTHOR)
    draft_id, _environment = await _draft_with_open_preview(site, author, course_dir(tmp_path / "basics"))
    other_author = await site.client("cy@example.org", Role.AUTHOR)
    learner = await site.client("bob@example.org")
    path = f"/api/authoring/imports/{draft_id}/lessons/add/preview/checks"

    refused = await other_author.post(path)
    assert (refused.status_code, refused.json()) == (404, {"detail": f"no draft {draft_id}"})
    assert (await learner.post(path)).status_code == 403
    assert await site.scalar("SELECT count(*) FROM check_attempts") == 0

    queued = (await author.post(path)).json()
    assert (await other_author.get(f"/api/checks/{queued['id']}")).status_code == 404
    assert (await learner.get(f"/api/checks/{queued['id']}")).status_code == 404
    assert (await author.get(f"/api/checks/{queued['id']}")).status_code == 200


async def test_a_preview_check_needs_the_preview_open(site: Site, tmp_path: Path) -> None:
    author = await site.client("ada@example.org", Role.AUTHOR)
    uploaded = await author.post(
        "/api/authoring/imports",
        files={"archive": ("course.tar.gz", tar_gz(course_dir(tmp_path / "basics")), "application/gzip")},
    )
    draft_id = uploaded.json()["id"]
    await site.run_jobs()
    refused = await author.post(f"/api/authoring/imports/{draft_id}/lessons/add/preview/checks")
    assert (refused.status_code, refused.json()["detail"]) == (
        409, "open the preview first: a check reads the files of its environment",
    )  # fmt: skip
    assert (await author.post(f"/api/authoring/imports/{draft_id}/lessons/ghost/preview/checks")).status_code == 404
