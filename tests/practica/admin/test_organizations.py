"""``/api/admin/organizations``: every organisation with its member counts, for platform admins only."""

from __future__ import annotations

from practica.accounts.models import Role
from tests.practica.authoring.site import Site


async def test_an_admin_lists_every_organisation_with_its_members(site: Site) -> None:
    admin = await site.client("root@example.org", Role.ADMIN)
    await site.client("ada@example.org", organization="acme")
    await site.client("bob@example.org", organization="acme")
    await site.client("cy@example.org", organization="globex")
    listed = (await admin.get("/api/admin/organizations")).json()
    assert [(item["slug"], item["members"]) for item in listed["items"]] == [("acme", 2), ("globex", 1)]
    assert listed["next_after"] is None
    first = (await admin.get("/api/admin/organizations", params={"limit": 1})).json()
    assert ([item["slug"] for item in first["items"]], first["next_after"]) == (["acme"], "acme")
    paged = (await admin.get("/api/admin/organizations", params={"after": "acme", "limit": 1})).json()
    assert ([item["slug"] for item in paged["items"]], paged["next_after"]) == (["globex"], None)


async def test_members_and_learners_may_not_list_organisations(site: Site) -> None:
    member = await site.client("ada@example.org", organization="acme")
    assert (await member.get("/api/admin/organizations")).status_code == 403
