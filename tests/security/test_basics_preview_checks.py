"""Checking someone else's draft preview, or reading its result, as an attacker would: refused, nothing queued."""

from __future__ import annotations

from pathlib import Path

import pytest

from practica.accounts.models import Role
from tests.practica.authoring.courses import course_dir, tar_gz
from tests.practica.authoring.site import Site
from tests.security.web_fixtures import (  # noqa: F401  (fixtures)
    bwrap_runtime,
    checks_home,
    site_fixture,
    upload,
)

pytestmark = pytest.mark.sandbox


async def _author_with_preview(site: Site, tmp_path: Path) -> tuple[int, int]:
    """Ada's draft with its preview open and one check of it queued: (draft id, check id)."""
    author = await site.client("ada@example.org", Role.AUTHOR)
    draft = (await upload(author, tar_gz(course_dir(tmp_path / "basics")))).json()
    assert (await author.post(f"/api/authoring/imports/{draft['id']}/lessons/add/preview")).status_code == 200
    await site.run_jobs()
    queued = await author.post(f"/api/authoring/imports/{draft['id']}/lessons/add/preview/checks")
    assert queued.status_code == 202, queued.text
    return draft["id"], queued.json()["id"]


async def test_another_author_can_neither_check_a_drafts_preview_nor_read_its_check(site: Site, tmp_path: Path) -> None:
    draft_id, check_id = await _author_with_preview(site, tmp_path)
    attacker = await site.client("mallory@example.org", Role.AUTHOR)
    refused = await attacker.post(f"/api/authoring/imports/{draft_id}/lessons/add/preview/checks")
    assert (refused.status_code, refused.json()) == (404, {"detail": f"no draft {draft_id}"})
    assert (await attacker.get(f"/api/checks/{check_id}")).status_code == 404
    assert await site.scalar("SELECT count(*) FROM check_attempts") == 1  # the author's own, nothing more


async def test_a_learner_and_a_forged_request_are_refused(site: Site, tmp_path: Path) -> None:
    draft_id, check_id = await _author_with_preview(site, tmp_path)
    learner = await site.client("bob@example.org")
    path = f"/api/authoring/imports/{draft_id}/lessons/add/preview/checks"
    assert (await learner.post(path)).status_code == 403
    assert (await learner.get(f"/api/checks/{check_id}")).status_code == 404
    forged = site.clients[0]  # the author's session, without the CSRF header a page of the app would send
    assert (await forged.post(path, headers={"X-CSRF-Token": ""})).status_code == 403
    assert await site.scalar("SELECT count(*) FROM check_attempts") == 1
