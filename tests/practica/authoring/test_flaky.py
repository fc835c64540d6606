"""A draft's validation runs the stress pass; a draft with flaky tests is published only on the author's say-so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from practica.accounts.models import Role
from practica.authoring.models import CourseDraft
from practica.authoring.report import ValidationReport, course_report, flaky_test
from practica.checks.stress import Flaky
from practica.lessons.loading import load
from practica.sandbox import Runtime
from tests.practica.authoring.courses import course_dir, tar_gz
from tests.practica.authoring.site import Site, running_site

pytestmark = pytest.mark.sandbox

STRESS_RUNS = 2
FLAKY = Flaky("add", "solution", "test_add.py::test_add", 2, 3, "AssertionError: took 0.6 s, allowed 0.5 s")


@pytest.fixture
async def stressed_site(
    practica_db_url: str, bwrap_runtime: Runtime, checks_home: Path, tmp_path: Path, host_load: None
) -> AsyncIterator[Site]:
    async with running_site(practica_db_url, tmp_path, checks_home, bwrap_runtime, stress_runs=STRESS_RUNS) as made:
        yield made


async def _validated(site: Site, author: httpx.AsyncClient, course: Path) -> dict[str, Any]:
    created = await author.post("/api/authoring/imports", files={"archive": ("c.tar.gz", tar_gz(course), "x")})
    assert created.status_code == 201, created.text
    await site.run_jobs()
    draft: dict[str, Any] = (await author.get(f"/api/authoring/imports/{created.json()['id']}")).json()
    return draft


async def test_the_validation_runs_each_reference_solution_again_under_load(
    stressed_site: Site, tmp_path: Path
) -> None:
    author = await stressed_site.client("ada@example.org", Role.AUTHOR)
    draft = await _validated(stressed_site, author, course_dir(tmp_path / "basics"))
    assert draft["status"] == "valid", draft
    report = draft["report"]
    assert (report["stress_runs"], report["flaky_tests"], report["lessons"][0]["flaky"]) == (STRESS_RUNS, 0, [])
    assert draft["progress"] == {"done": 3 + STRESS_RUNS, "total": 3 + STRESS_RUNS}
    published = await author.post(f"/api/authoring/imports/{draft['id']}/publish")
    assert published.status_code == 200, published.text


async def test_an_invalid_draft_keeps_the_cores_free(stressed_site: Site, tmp_path: Path) -> None:
    author = await stressed_site.client("ada@example.org", Role.AUTHOR)
    course = course_dir(tmp_path / "basics")
    (course / "add" / "solution" / "solution.py").write_text("def add(a, b):\n    return 0\n")
    draft = await _validated(stressed_site, author, course)
    assert (draft["status"], draft["report"]["stress_runs"]) == ("invalid", 0)
    assert draft["progress"] == {"done": 3, "total": 3}


def test_the_report_lists_each_flaky_test_with_its_rate(tmp_path: Path) -> None:
    course = load(course_dir(tmp_path / "basics"))
    report = course_report(course, [], [FLAKY], stress_runs=3)
    assert (report.stress_runs, report.flaky_tests) == (3, 1)
    (flaky,) = report.lessons[0].flaky
    assert (flaky.candidate, flaky.test, flaky.failed_runs, flaky.runs) == ("solution", FLAKY.test, 2, 3)
    assert flaky.summary == "test_add.py::test_add: failed 2 of 3 runs under load"
    assert report.flaky_summaries() == ["add: test_add.py::test_add: failed 2 of 3 runs under load"]


async def _flaky_draft(site: Site, author: httpx.AsyncClient, course: Path) -> int:
    """A valid draft whose stress pass found FLAKY (its report as the job would have written it)."""
    draft = await _validated(site, author, course)
    assert draft["status"] == "valid", draft
    report = ValidationReport.model_validate(draft["report"])
    report.lessons[0].flaky.append(flaky_test(FLAKY))
    report.stress_runs, report.flaky_tests = 3, 1
    async with site.sessions() as session, session.begin():
        values = {"report": report.model_dump(mode="json")}
        await session.execute(update(CourseDraft).where(CourseDraft.id == draft["id"]).values(**values))
    draft_id: int = draft["id"]
    return draft_id


async def test_a_draft_with_flaky_tests_is_published_only_with_allow_flaky(site: Site, tmp_path: Path) -> None:
    author = await site.client("ada@example.org", Role.AUTHOR)
    draft_id = await _flaky_draft(site, author, course_dir(tmp_path / "basics"))
    shown = (await author.get(f"/api/authoring/imports/{draft_id}")).json()["report"]
    assert ValidationReport.model_validate(shown).flaky_summaries() == [
        "add: test_add.py::test_add: failed 2 of 3 runs under load"
    ]
    publish = f"/api/authoring/imports/{draft_id}/publish"

    for body in (None, {"allow_flaky": False}):
        refused = await author.post(publish, json=body)
        assert refused.status_code == 409, refused.text
        assert refused.json()["flaky"] == ["add: test_add.py::test_add: failed 2 of 3 runs under load"]
        assert "has 1 flaky test(s)" in refused.json()["detail"]
        assert '{"allow_flaky": true}' in refused.json()["detail"]
    for body in ({"allow_flaky": "sure"}, {"allow_flaky": True, "force": True}):
        bad = await author.post(publish, json=body)
        assert bad.status_code == 422, bad.text
        assert bad.json()["detail"][0]["loc"][-1] in ("allow_flaky", "force")
    assert await site.scalar("SELECT status FROM course_drafts WHERE id = :id", id=draft_id) == "valid"
    assert await site.scalar("SELECT count(*) FROM course_versions WHERE published_at IS NOT NULL") == 0

    published = await author.post(publish, json={"allow_flaky": True})
    assert published.status_code == 200, published.text
    assert (published.json()["version"], published.json()["draft"]["status"]) == (1, "published")
