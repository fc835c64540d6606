"""``/api/admin/environments``: running environments with their owner and idle time; an admin stops one."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from practica.accounts.models import Role
from practica.environments.service import request_environment
from practica.learning.workspaces import learner_spec
from practica.lessons.format import Lesson
from tests.practica.authoring.site import Site

pytestmark = pytest.mark.sandbox

ADD = Lesson.model_validate({"id": "add", "title": "Add", "task": "Add.", "check": {"command": ["true"]}})


async def _running_environment(site: Site, owner: str) -> str:
    async with site.sessions() as session, session.begin():
        row = await request_environment(session, owner, "basics/add", learner_spec(ADD), settings=site.sandbox)
        env_id = row.id
    await site.run_jobs()
    return env_id


async def test_an_admin_sees_a_running_environment_and_stops_it(sandbox_site: Site) -> None:
    site = sandbox_site
    admin = await site.client("root@example.org", Role.ADMIN)
    learner = await site.client("ada@example.org")
    async with site.sessions() as session:
        ada = await session.scalar(text("SELECT id FROM users WHERE email = 'ada@example.org'"))
    env_id = await _running_environment(site, str(ada))

    (listed,) = (await admin.get("/api/admin/environments", params={"status": "running"})).json()["items"]
    assert (listed["id"], listed["lesson"], listed["status"]) == (env_id, "basics/add", "running")
    assert listed["owner"] == {
        "key": str(ada), "user_id": ada, "email": "ada@example.org", "display_name": "ada", "preview": False,
    }  # fmt: skip
    assert listed["idle_s"] >= 0
    assert listed["started_at"] is not None

    stopped = await admin.post(f"/api/admin/environments/{env_id}/stop")
    assert (stopped.status_code, stopped.json()["status"], stopped.json()["idle_s"]) == (200, "stopping", None)
    queued = await site.scalar(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'practica.sandbox.stop' AND status = 'todo'"
        " AND args->>'env_id' = :env_id",
        env_id=env_id,
    )
    assert queued == 1
    again = await admin.post(f"/api/admin/environments/{env_id}/stop")
    assert (again.status_code, again.json()["detail"]) == (
        409, f"environment {env_id} is stopping: only a running or starting one stops",
    )  # fmt: skip
    await site.run_jobs()
    assert (await admin.get("/api/admin/environments", params={"status": "running"})).json()["items"] == []
    (after,) = (await admin.get("/api/admin/environments")).json()["items"]
    assert after["status"] == "stopped"
    assert (await admin.post("/api/admin/environments/nope/stop")).status_code == 404
    assert (await learner.get("/api/admin/environments")).status_code == 403
    assert (await learner.post(f"/api/admin/environments/{env_id}/stop")).status_code == 403


async def test_environments_come_in_pages_by_last_activity(site: Site) -> None:
    admin = await site.client("root@example.org", Role.ADMIN)
    made = []
    for owner in ("1", "2", "3"):
        async with site.sessions() as session, session.begin():
            row = await request_environment(session, owner, "basics/add", learner_spec(ADD), settings=site.sandbox)
            made.append(row.id)
    async with site.sessions() as session, session.begin():  # one moment for all: the id breaks the tie
        await session.execute(text("UPDATE learner_environments SET last_active_at = '2026-01-01T00:00:00Z'"))
    newest_first = sorted(made, reverse=True)

    seen, after = [], None
    while True:
        params = {"limit": 2} | ({"after": after} if after else {})
        page = (await admin.get("/api/admin/environments", params=params)).json()
        seen.append([environment["id"] for environment in page["items"]])
        after = page["next_after"]
        if after is None:
            break
    assert seen == [newest_first[:2], newest_first[2:]]
    for bad in ("nonsense", "2026-01-01T00:00:00|x", "yesterday|abc"):
        refused = await admin.get("/api/admin/environments", params={"after": bad})
        assert (refused.status_code, refused.json()["detail"]) == (
            422, "after: not a cursor of this list (pass a page's next_after)",
        )  # fmt: skip
