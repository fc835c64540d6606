"""An author removed from an organisation, through a web process that still remembers their membership.

Each web process (each app's services) remembers a user's organisations for a few seconds, and a
removal forgets them only in the process that made it. Listing courses may use that memory; deciding
where an author may publish must not: it reads the membership in its own transaction.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from practica.accounts.models import Role
from tests.practica.authoring.courses import course_dir, tar_gz
from tests.practica.authoring.site import Site, running_site
from tests.security.web_fixtures import (  # noqa: F401  (fixtures)
    bwrap_runtime,
    checks_home,
    site_fixture,
    upload,
)

pytestmark = pytest.mark.sandbox


async def test_a_removed_member_cannot_import_into_the_organisation_through_another_web_process(
    site: Site, tmp_path: Path
) -> None:
    eve = await site.client("eve@example.org", Role.AUTHOR, organization="acme")
    admin = await site.client("root@example.org", Role.ADMIN)
    eve_id = await site.scalar("SELECT id FROM users WHERE email = 'eve@example.org'")
    (tmp_path / "other").mkdir()
    async with running_site(site.url, tmp_path / "other", site.sandbox.home, site.runtime) as other:
        elsewhere = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other.app), base_url="http://testserver", cookies=eve.cookies,
            headers=eve.headers,
        )  # fmt: skip
        async with elsewhere:
            assert (await elsewhere.get("/api/courses")).status_code == 200  # it now remembers eve is in acme
            removed = await admin.delete(f"/api/organizations/acme/members/{eve_id}")
            assert removed.status_code == 204, removed.text

            internal = course_dir(tmp_path / "internal", wrong=None, visibility={"organization": "acme"})
            refused = await upload(elsewhere, tar_gz(internal))

    assert refused.status_code == 403, refused.text
    assert refused.json()["detail"].startswith("course.yaml: visibility.organization: you are not a member of 'acme'")
    assert await site.scalar("SELECT count(*) FROM course_drafts") == 0
