"""``/api/admin/jobs``: a failing job shows as failed, is retried, counted and cancelled; admins only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from practica.accounts.models import Role
from practica.admin.jobs import job_manager
from practica.jobs.queue import defer_in_transaction, jobs
from tests.practica.authoring.site import Site

QUEUE = "admin-tests"


@jobs.task(name="tests.admin.explode", queue=QUEUE)
async def explode(times: int) -> None:
    raise RuntimeError(f"exploded {times} time(s)")


async def _defer(site: Site, times: int) -> int:
    async with site.sessions() as session, session.begin():
        return await defer_in_transaction(session, explode, times=times)


def _counts(summary: list[dict[str, Any]]) -> dict[str, int]:
    (queue,) = [row for row in summary if row["queue"] == QUEUE]
    return {status: count for status, count in queue.items() if status != "queue" and count}


async def test_a_failed_job_is_listed_counted_and_retried(site: Site) -> None:
    admin = await site.client("root@example.org", Role.ADMIN)
    failing = await _defer(site, 1)
    await site.run_jobs((QUEUE,))
    waiting = await _defer(site, 2)

    (failed,) = (await admin.get("/api/admin/jobs", params={"status": "failed"})).json()["items"]
    assert (failed["id"], failed["task"], failed["queue"], failed["args"]) == (
        failing, "tests.admin.explode", QUEUE, {"times": 1},
    )  # fmt: skip
    assert failed["queued_at"] <= failed["started_at"] <= failed["finished_at"]
    listed = (await admin.get("/api/admin/jobs", params={"queue": QUEUE})).json()
    assert [(job["id"], job["status"]) for job in listed["items"]] == [(waiting, "todo"), (failing, "failed")]
    assert listed["next_after"] is None
    first = (await admin.get("/api/admin/jobs", params={"queue": QUEUE, "limit": 1})).json()
    assert ([job["id"] for job in first["items"]], first["next_after"]) == ([waiting], waiting)
    page = (await admin.get("/api/admin/jobs", params={"queue": QUEUE, "after": waiting, "limit": 1})).json()
    assert ([job["id"] for job in page["items"]], page["next_after"]) == ([failing], None)
    assert _counts((await admin.get("/api/admin/jobs/summary")).json()) == {"total": 2, "todo": 1, "failed": 1}

    retried = await admin.post(f"/api/admin/jobs/{failing}/retry")
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["finished_at"]) == ("todo", None)
    assert _counts((await admin.get("/api/admin/jobs/summary")).json()) == {"total": 2, "todo": 2}
    again = await admin.post(f"/api/admin/jobs/{failing}/retry")
    assert (again.status_code, again.json()["detail"]) == (
        409,
        f"job {failing} is todo: only a failed or stalled job can be retried",
    )
    await site.run_jobs((QUEUE,))
    assert [job["id"] for job in (await admin.get("/api/admin/jobs", params={"status": "failed"})).json()["items"]] == [
        waiting,
        failing,
    ]


async def _start(site: Site, worker_id: int) -> int:
    """The next job of the test queue, taken by the worker ``worker_id`` (now doing)."""
    async with job_manager(site.url) as manager:
        job = await manager.fetch_job([QUEUE], worker_id)
    assert job is not None
    assert job.id is not None
    return job.id


async def test_a_stalled_job_is_retried_or_marked_failed_and_a_running_one_is_left_alone(site: Site) -> None:
    admin = await site.client("root@example.org", Role.ADMIN)
    first, second, third = [await _defer(site, times) for times in (1, 2, 3)]
    async with job_manager(site.url) as manager:
        gone, alive = await manager.register_worker(), await manager.register_worker()
    for worker in (gone, gone, alive):
        await _start(site, worker)
    async with site.sessions() as session, session.begin():  # the first worker died an hour ago
        await session.execute(
            text("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour' WHERE id = :id"),
            {"id": gone},
        )

    doing = (await admin.get("/api/admin/jobs", params={"status": "doing"})).json()["items"]
    assert [(job["id"], job["stalled"]) for job in doing] == [(third, False), (second, True), (first, True)]
    for action in ("retry", "fail"):
        refused = await admin.post(f"/api/admin/jobs/{third}/{action}")
        assert refused.status_code == 409
        assert refused.json()["detail"].startswith(f"job {third} is doing and its worker is alive")

    retried = await admin.post(f"/api/admin/jobs/{first}/retry")
    assert (retried.status_code, retried.json()["status"], retried.json()["stalled"]) == (200, "todo", False)
    failed = await admin.post(f"/api/admin/jobs/{second}/fail")
    assert (failed.status_code, failed.json()["status"]) == (200, "failed")
    assert failed.json()["finished_at"] is not None
    again = await admin.post(f"/api/admin/jobs/{second}/fail")
    assert (again.status_code, again.json()["detail"]) == (
        409, f"job {second} is failed: only a stalled job (doing) can be marked failed",
    )  # fmt: skip
    assert (await admin.post("/api/admin/jobs/999999/fail")).status_code == 404
    await site.run_jobs((QUEUE,))  # the retried job runs again (and fails again: it explodes)
    statuses = await site.scalar(
        "SELECT string_agg(status::text, ',' ORDER BY id) FROM procrastinate_jobs WHERE queue_name = :queue",
        queue=QUEUE,
    )
    assert statuses == "failed,failed,doing"


async def test_a_job_still_to_do_is_cancelled_once(site: Site) -> None:
    admin = await site.client("root@example.org", Role.ADMIN)
    job = await _defer(site, 3)
    cancelled = await admin.post(f"/api/admin/jobs/{job}/cancel")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    again = await admin.post(f"/api/admin/jobs/{job}/cancel")
    assert again.status_code == 409
    assert "is cancelled" in again.json()["detail"]
    missing = await admin.post("/api/admin/jobs/999999/retry")
    assert (missing.status_code, missing.json()["detail"]) == (404, "no job 999999")


async def test_only_admins_see_jobs(site: Site) -> None:
    for role in (Role.LEARNER, Role.AUTHOR):
        client = await site.client(f"{role.value}@example.org", role)
        assert (await client.get("/api/admin/jobs")).status_code == 403
        assert (await client.get("/api/admin/jobs/summary")).status_code == 403
        assert (await client.post("/api/admin/jobs/1/retry")).status_code == 403
    assert (
        await (await site.client("x@example.org", Role.ADMIN)).get("/api/admin/jobs?status=nonsense")
    ).status_code == 422
