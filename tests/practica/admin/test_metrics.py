"""``GET /api/admin/metrics``: the Metrics page's figures, admins only, the range validated."""

from __future__ import annotations

from datetime import UTC, datetime

from practica.accounts.models import Role
from tests.practica.authoring.site import Site


async def test_the_figures_cover_the_days_asked_for_up_to_today(site: Site) -> None:
    admin = await site.client("admin@example.org", Role.ADMIN)
    answer = await admin.get("/api/admin/metrics", params={"days": 7})
    assert answer.status_code == 200
    body = answer.json()
    assert body["days"] == 7
    assert len(body["daily"]) == 7
    assert body["daily"][-1]["day"] == datetime.now(UTC).date().isoformat()
    assert sum(day["signups"] for day in body["daily"]) >= 1  # the admin signed up today
    assert {queue["queue"] for queue in body["system"]["queues"]} <= {"default", "sandbox", "checks"}
    assert body["lessons"] == []


async def test_the_default_range_is_thirty_days(site: Site) -> None:
    admin = await site.client("admin@example.org", Role.ADMIN)
    assert len((await admin.get("/api/admin/metrics")).json()["daily"]) == 30


async def test_a_range_out_of_bounds_is_named(site: Site) -> None:
    admin = await site.client("admin@example.org", Role.ADMIN)
    for days in ("0", "366", "seven"):
        answer = await admin.get("/api/admin/metrics", params={"days": days})
        assert answer.status_code == 422
        assert "days" in str(answer.json()["detail"])


async def test_only_admins_see_the_metrics(site: Site) -> None:
    for role in (Role.LEARNER, Role.AUTHOR):
        client = await site.client(f"{role.value}@example.org", role)
        assert (await client.get("/api/admin/metrics")).status_code == 403
