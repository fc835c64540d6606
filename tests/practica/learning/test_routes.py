"""The learner's API against a real database, real jobs and real bubblewrap environments."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from practica.checks.runner import CheckRun, Verdict
from practica.checks.tasks import _claim, _store
from practica.db.changes import check_key
from practica.learning.queries import NEWEST_FOR_S
from practica.lessons.loading import load
from practica.lessons.publishing import publish
from tests.practica.learning.conftest import Site, course_dir, open_lesson

pytestmark = pytest.mark.sandbox


async def _check(site: Site, client: httpx.AsyncClient) -> dict[str, Any]:
    queued = await client.post("/api/courses/basics/lessons/add/checks")
    assert queued.status_code == 202, queued.text
    assert queued.json()["status"] == "queued"
    await site.run_jobs()
    done: dict[str, Any] = (await client.get(f"/api/checks/{queued.json()['id']}")).json()
    return done


async def test_open_a_lesson_fail_a_check_fix_it_and_pass(site: Site) -> None:
    client = await site.learner("ada@example.org")
    lesson = (await client.get("/api/courses/basics/lessons/add")).json()
    assert (lesson["title"], lesson["languages"]) == ("Add two numbers", ["python"])
    assert lesson["run_command"] == "python3 solution.py"
    assert (lesson["hints"], lesson["hints_hidden"], lesson["last_check"]) == ([], 1, None)

    environment = await open_lesson(site, client)
    assert environment["gateway_url"] == "http://gateway.test"
    assert environment["token"]
    starter = await site.runtime.read_file(environment["id"], "solution.py")
    assert b"NotImplementedError" in starter

    failed = await _check(site, client)
    assert failed["status"] == "failed"
    assert failed["tests"][0]["status"] == "fail"
    assert failed["tests"][0]["message"]
    assert "NotImplementedError" in failed["tests"][0]["output"]  # the traceback, beside the message
    lesson = (await client.get("/api/courses/basics/lessons/add")).json()
    assert (lesson["hints"], lesson["hints_hidden"], lesson["failed_checks"]) == (["Use +."], 0, 1)
    assert (lesson["last_check"]["id"], lesson["last_check"]["status"]) == (failed["id"], "failed")
    assert lesson["last_check"]["tests"] == failed["tests"]

    await site.runtime.write_file(environment["id"], "solution.py", b"def add(a, b):\n    return a + b\n")
    passed = await _check(site, client)
    assert passed["status"] == "passed"
    assert [test["status"] for test in passed["tests"]] == ["pass"]
    catalogue = (await client.get("/api/courses")).json()
    assert [(course["id"], course["completed"], course["total"]) for course in catalogue] == [("basics", 1, 1)]
    assert (await client.get("/api/courses/basics/lessons/add")).json()["completed"] is True
    await client.aclose()


async def test_reset_puts_the_starter_files_back(site: Site) -> None:
    client = await site.learner("grace@example.org")
    environment = await open_lesson(site, client)
    await site.runtime.write_file(environment["id"], "solution.py", b"mine\n")
    await site.runtime.write_file(environment["id"], "notes.txt", b"scratch\n")
    response = await client.post("/api/courses/basics/lessons/add/reset")
    assert response.json()["status"] == "starting"
    await site.run_jobs()
    assert (await client.get("/api/courses/basics/lessons/add/environment")).json()["status"] == "running"
    assert b"NotImplementedError" in await site.runtime.read_file(environment["id"], "solution.py")
    names = [entry.name for entry in await site.runtime.list_files(environment["id"])]
    assert "notes.txt" not in names
    await client.aclose()


async def test_private_courses_are_visible_to_members_only(site: Site) -> None:
    outsider = await site.learner("eve@example.org")
    member = await site.learner("bob@example.org", organization="acme")
    assert [course["id"] for course in (await outsider.get("/api/courses")).json()] == ["basics"]
    assert (await outsider.get("/api/courses/internal")).status_code == 404
    assert (await outsider.get("/api/courses/internal/lessons/add")).status_code == 404
    assert (await outsider.post("/api/courses/internal/lessons/add/environment")).status_code == 404
    listed = (await member.get("/api/courses")).json()
    assert sorted((course["id"], course["organization"]) for course in listed) == [
        ("basics", None),
        ("internal", "acme"),
    ]
    assert (await member.get("/api/courses/internal/lessons/add")).status_code == 200
    await outsider.aclose()
    await member.aclose()


async def test_checks_need_an_open_lesson_respect_the_cooldown_and_belong_to_their_learner(site: Site) -> None:
    client = await site.learner("linus@example.org")
    refused = await client.post("/api/courses/basics/lessons/add/checks")
    assert refused.status_code == 409
    assert "open the lesson first" in refused.json()["detail"]
    await open_lesson(site, client)
    first = await _check(site, client)
    services = site.app.state.services
    services.settings = services.settings.model_copy(update={"practica_check_cooldown": 60})
    too_soon = await client.post("/api/courses/basics/lessons/add/checks")
    assert too_soon.status_code == 429
    assert 0 < too_soon.json()["retry_after"] <= 60
    assert too_soon.headers["Retry-After"] == str(too_soon.json()["retry_after"])
    other = await site.learner("ken@example.org")
    assert (await other.get(f"/api/checks/{first['id']}")).status_code == 404
    await client.aclose()
    await other.aclose()


async def test_signed_out_and_forged_requests_are_refused(site: Site) -> None:
    anonymous = httpx.AsyncClient(transport=httpx.ASGITransport(app=site.app), base_url="http://testserver")
    assert (await anonymous.get("/api/courses")).status_code == 200  # the public catalogue
    assert (await anonymous.get("/api/courses/basics/lessons/add")).status_code == 401
    client = await site.learner("mallory@example.org")
    del client.headers["X-CSRF-Token"]
    forged = await client.post("/api/courses/basics/lessons/add/environment")
    assert forged.status_code == 403
    await anonymous.aclose()
    await client.aclose()


async def test_two_opens_at_once_share_one_environment(site: Site) -> None:
    client = await site.learner("barbara@example.org")
    responses = await asyncio.gather(*(client.post("/api/courses/basics/lessons/add/environment") for _ in range(3)))
    assert len({response.json()["id"] for response in responses}) == 1
    await client.aclose()


async def test_a_course_published_elsewhere_is_listed_within_a_second(site: Site, tmp_path: Path) -> None:
    """Published by another process (here, the test): the app reads the newest versions again after a second.

    One published through the app itself shows at once (tests/practica/authoring/test_routes.py).
    """
    clock = [0.0]
    site.app.state.services.catalogue.timer = lambda: clock[0]
    client = await site.learner("alan@example.org")
    assert [course["id"] for course in (await client.get("/api/courses")).json()] == ["basics"]
    async with site.sessions() as session, session.begin():
        await publish(session, load(course_dir(tmp_path / "advanced")), "advanced", performer=None)
    assert [course["id"] for course in (await client.get("/api/courses")).json()] == ["basics"]  # remembered
    clock[0] += NEWEST_FOR_S
    assert [course["id"] for course in (await client.get("/api/courses")).json()] == ["advanced", "basics"]
    await client.aclose()


async def test_a_long_poll_answers_once_the_environment_runs(site: Site) -> None:
    client = await site.learner("patient@example.org")
    opened = await client.post("/api/courses/basics/lessons/add/environment")
    assert opened.json()["status"] == "starting"
    waiting = asyncio.create_task(client.get("/api/courses/basics/lessons/add/environment", params={"wait": 25}))
    changes = site.app.state.services.changes
    for _ in range(600):  # until the request listens (it reads the state after that)
        if changes.waiting_for(opened.json()["id"]) or waiting.done():
            break
        await asyncio.sleep(0.1)
    await site.run_jobs()  # the start, then the starter files: each tells the waiting request
    answered = await waiting
    assert (answered.status_code, answered.json()["status"]) == (200, "running")


async def test_a_wait_out_of_range_is_refused_naming_it(site: Site) -> None:
    client = await site.learner("impatient@example.org")
    await client.post("/api/courses/basics/lessons/add/environment")
    for wait in ("26", "-1", "soon"):
        refused = await client.get("/api/courses/basics/lessons/add/environment", params={"wait": wait})
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"] == ["query", "wait"]


async def _answered_once_waiting(site: Site, client: httpx.AsyncClient, check_id: int, change: Any) -> dict[str, Any]:
    """A long poll of the check, answered after ``change()`` ran while the request was listening."""
    waiting = asyncio.create_task(client.get(f"/api/checks/{check_id}", params={"wait": 25}))
    for _ in range(600):  # until the request listens (it reads the check again after that)
        if site.app.state.services.changes.waiting_for(check_key(check_id)) or waiting.done():
            break
        await asyncio.sleep(0.1)
    await change()
    answered = await waiting
    assert answered.status_code == 200, answered.text
    body: dict[str, Any] = answered.json()
    return body


async def test_a_check_long_poll_answers_when_the_check_starts_and_when_it_ends(site: Site) -> None:
    client = await site.learner("waiting-for-results@example.org")
    await open_lesson(site, client)
    queued = (await client.post("/api/courses/basics/lessons/add/checks")).json()
    claimed: list[Any] = []

    async def claim() -> None:
        claimed.append(await _claim(site.sessions, queued["id"]))

    running = await _answered_once_waiting(site, client, queued["id"], claim)
    assert running["status"] == "running"
    attempt, lesson = claimed[0]

    async def finish() -> None:
        await _store(site.sessions, attempt, lesson, None, CheckRun(Verdict.INFRASTRUCTURE_ERROR, detail="gone"))

    ended = await _answered_once_waiting(site, client, queued["id"], finish)
    assert (ended["status"], ended["detail"]) == ("error", "gone")
    at_once = await client.get(f"/api/checks/{queued['id']}", params={"wait": 25})  # an ended check: no wait
    assert at_once.json()["status"] == "error"


async def test_a_check_wait_out_of_range_is_refused_naming_it(site: Site) -> None:
    client = await site.learner("too-patient@example.org")
    await open_lesson(site, client)
    queued = (await client.post("/api/courses/basics/lessons/add/checks")).json()
    for wait in ("26", "-1", "soon"):
        refused = await client.get(f"/api/checks/{queued['id']}", params={"wait": wait})
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"] == ["query", "wait"]
