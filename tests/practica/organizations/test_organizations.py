"""Organisations: who may create, see and administer them; invitations by email and by link."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from practica.services import Services
from servicekit.database import make_engine, make_sessionmaker
from servicekit.reads import SessionReads
from tests.practica.accounts.conftest import Site
from tests.practica.accounts.factories import UserFactory, csrf_headers, post, sign_in

INVITATION_TOKEN = re.compile(r"/invitations/([A-Za-z0-9_-]+)")


def create(site: Site, slug: str = "acme") -> Any:
    return post(site.client, "/api/organizations", {"slug": slug, "name": "Acme Academy"})


def token_of(link: str) -> str:
    found = INVITATION_TOKEN.search(link)
    assert found is not None
    return found[1]


def test_learners_cannot_create_organizations_and_authors_can(site: Site) -> None:
    learner, author = site.save(UserFactory.build(), UserFactory.build(author=True))
    sign_in(site.client, learner.email)
    assert create(site).status_code == 403
    sign_in(site.client, author.email)
    assert create(site).json() == {"slug": "acme", "name": "Acme Academy"}
    assert create(site).status_code == 409
    assert site.client.get("/api/me").json()["organizations"] == [
        {"slug": "acme", "name": "Acme Academy", "role": "admin"}
    ]
    assert post(site.client, "/api/organizations", {"slug": "Not A Slug", "name": "x"}).status_code == 422


def test_an_email_invitation_is_mailed_and_only_its_addressee_accepts_it_once(site: Site) -> None:
    author, invitee, stranger = site.save(
        UserFactory.build(author=True), UserFactory.build(email="bea@example.org"), UserFactory.build()
    )
    sign_in(site.client, author.email)
    create(site)
    made = post(site.client, "/api/organizations/acme/invitations", {"email": " Bea@Example.org"})
    assert made.status_code == 201
    assert made.json()["email"] == "bea@example.org"
    site.run_jobs()
    [(recipient, subject, body)] = site.sql("SELECT recipient, subject, body FROM dev_mail")
    assert (recipient, subject) == ("bea@example.org", f"{author.display_name} invites you to Acme Academy on Practica")
    token = token_of(body)
    assert token == token_of(made.json()["link"])

    other = site.browser()
    sign_in(other, stranger.email)
    assert post(other, f"/api/invitations/{token}/accept").status_code == 403
    assert other.get("/api/organizations/acme").status_code == 404

    sign_in(other, invitee.email)
    accepted = post(other, f"/api/invitations/{token}/accept")
    assert accepted.json() == {"slug": "acme", "name": "Acme Academy", "role": "member"}
    assert other.get("/api/me").json()["organizations"] == [accepted.json()]
    assert post(other, f"/api/invitations/{token}/accept").status_code == 400  # single use


def test_a_link_invitation_lets_anyone_signed_in_join_until_revoked(site: Site) -> None:
    author, first, second, third = site.save(
        UserFactory.build(author=True), UserFactory.build(), UserFactory.build(), UserFactory.build()
    )
    sign_in(site.client, author.email)
    create(site)
    made = post(site.client, "/api/organizations/acme/invitations", {}).json()
    assert made["email"] is None
    assert made["link"].startswith("http://127.0.0.1:8000/invitations/")
    token = token_of(made["link"])
    other = site.browser()
    assert post(other, f"/api/invitations/{token}/accept").status_code == 401  # sign in first
    for member in (first, second):
        sign_in(other, member.email)
        assert post(other, f"/api/invitations/{token}/accept").status_code == 200
    revoked = site.client.delete(f"/api/organizations/acme/invitations/{made['id']}", headers=_csrf(site))
    assert revoked.status_code == 204
    sign_in(other, third.email)
    assert post(other, f"/api/invitations/{token}/accept").json() == {
        "detail": "This invitation is invalid or has expired"
    }
    members = site.client.get("/api/organizations/acme").json()["members"]
    assert sorted(member["email"] for member in members) == sorted([author.email, first.email, second.email])


def test_invitations_expire_after_seven_days(site: Site) -> None:
    author, member = site.save(UserFactory.build(author=True), UserFactory.build())
    sign_in(site.client, author.email)
    create(site)
    token = token_of(post(site.client, "/api/organizations/acme/invitations", {}).json()["link"])
    [(days,)] = site.sql("SELECT extract(day FROM expires_at - now()) FROM organization_invitations")
    assert days == 6  # seven days, less the test's milliseconds
    site.sql("UPDATE organization_invitations SET expires_at = now() - interval '1 second'")
    sign_in(site.client, member.email)
    assert post(site.client, f"/api/invitations/{token}/accept").status_code == 400


def test_members_see_the_organization_but_only_its_admins_invite_and_remove(site: Site) -> None:
    author, member, outsider = site.save(UserFactory.build(author=True), UserFactory.build(), UserFactory.build())
    sign_in(site.client, author.email)
    create(site)
    token = token_of(post(site.client, "/api/organizations/acme/invitations", {}).json()["link"])
    other = site.browser()
    sign_in(other, member.email)
    post(other, f"/api/invitations/{token}/accept")

    detail = other.get("/api/organizations/acme").json()
    assert {(m["email"], m["role"]) for m in detail["members"]} == {(author.email, "admin"), (member.email, "member")}
    assert post(other, "/api/organizations/acme/invitations", {}).status_code == 403
    assert other.delete(f"/api/organizations/acme/members/{author.id}", headers=csrf_headers(other)).status_code == 403

    sign_in(other, outsider.email)
    assert other.get("/api/organizations/acme").json() == {"detail": "No such organization"}
    assert other.get("/api/organizations/nope").status_code == 404

    assert _slugs(site, member.id) == {"acme"}  # now remembered by the app
    assert site.client.delete(f"/api/organizations/acme/members/{member.id}", headers=_csrf(site)).status_code == 204
    last_admin = site.client.delete(f"/api/organizations/acme/members/{author.id}", headers=_csrf(site))
    assert last_admin.status_code == 409
    assert _slugs(site, member.id) == set()
    assert _slugs(site, author.id) == {"acme"}


def test_an_apps_memory_of_memberships_follows_joining(site: Site) -> None:
    author, member = site.save(UserFactory.build(author=True), UserFactory.build())
    assert _slugs(site, author.id) == _slugs(site, member.id) == set()  # now remembered by the app
    sign_in(site.client, author.email)
    for slug in ("acme", "globex", "initech"):
        create(site, slug)
    for slug in ("acme", "initech"):
        token = token_of(post(site.client, f"/api/organizations/{slug}/invitations", {}).json()["link"])
        other = site.browser()
        sign_in(other, member.email)
        assert post(other, f"/api/invitations/{token}/accept").status_code == 200
    assert _slugs(site, member.id) == {"acme", "initech"}
    assert _slugs(site, author.id) == {"acme", "globex", "initech"}


def _revoke(site: Site, invitation_id: int) -> int:
    response = site.client.delete(f"/api/organizations/acme/invitations/{invitation_id}", headers=_csrf(site))
    return response.status_code


def _csrf(site: Site) -> dict[str, str]:
    return csrf_headers(site.client)


def _slugs(site: Site, user_id: int) -> set[str]:
    """The user's organisations as the app sees them: from its memory when it has them (joining, leaving forget)."""
    services = site.client.app.state.services
    assert isinstance(services, Services)

    async def query() -> set[str]:
        engine = make_engine(site.url, pool_size=1)
        try:
            async with make_sessionmaker(engine)() as session:
                return await services.memberships.slugs(SessionReads(session), user_id)
        finally:
            await engine.dispose()

    return asyncio.run(query())


def test_admins_list_the_pending_invitations_and_revoke_any_of_them(site: Site) -> None:
    author, member, bea = site.save(
        UserFactory.build(author=True), UserFactory.build(), UserFactory.build(email="bea@example.org")
    )
    sign_in(site.client, author.email)
    create(site)
    link = post(site.client, "/api/organizations/acme/invitations", {"role": "admin"}).json()
    mailed = post(site.client, "/api/organizations/acme/invitations", {"email": "bea@example.org"}).json()
    revoked = post(site.client, "/api/organizations/acme/invitations", {"email": "cy@example.org"}).json()
    expired = post(site.client, "/api/organizations/acme/invitations", {}).json()
    assert _revoke(site, revoked["id"]) == 204
    site.sql("UPDATE organization_invitations SET expires_at = now() WHERE id = :id", id=expired["id"])

    pending = site.client.get("/api/organizations/acme/invitations")
    assert pending.status_code == 200, pending.text
    inviter = {"user_id": author.id, "email": author.email, "display_name": author.display_name}
    assert [(i["id"], i["email"], i["role"], i["inviter"]) for i in pending.json()] == [
        (mailed["id"], "bea@example.org", "member", inviter),
        (link["id"], None, "admin", inviter),
    ]
    assert pending.json()[0]["expires_at"] == mailed["expires_at"]
    assert pending.json()[0]["created_at"] < pending.json()[0]["expires_at"]

    other = site.browser()
    for user in (bea, member):  # a mailed invitation is used up once accepted; a link stays usable
        sign_in(other, user.email)
        token = token_of(link["link"] if user is member else mailed["link"])
        assert post(other, f"/api/invitations/{token}/accept").status_code == 200
    assert [i["id"] for i in site.client.get("/api/organizations/acme/invitations").json()] == [link["id"]]
    assert _revoke(site, link["id"]) == 204
    assert site.client.get("/api/organizations/acme/invitations").json() == []


def test_only_the_organizations_admins_list_its_invitations(site: Site) -> None:
    author, member, outsider = site.save(UserFactory.build(author=True), UserFactory.build(), UserFactory.build())
    sign_in(site.client, author.email)
    create(site)
    token = token_of(post(site.client, "/api/organizations/acme/invitations", {}).json()["link"])
    other = site.browser()
    assert other.get("/api/organizations/acme/invitations").status_code == 401
    sign_in(other, member.email)
    post(other, f"/api/invitations/{token}/accept")
    assert other.get("/api/organizations/acme/invitations").json() == {
        "detail": "Only the organization's admins may do this"
    }
    sign_in(other, outsider.email)
    assert other.get("/api/organizations/acme/invitations").json() == {"detail": "No such organization"}
    admin = site.save(UserFactory.build(admin=True))[0]
    sign_in(other, admin.email)
    assert len(other.get("/api/organizations/acme/invitations").json()) == 1


def test_an_invitation_whose_inviter_is_deleted_lists_no_inviter(site: Site) -> None:
    author, leaver = site.save(UserFactory.build(author=True), UserFactory.build())
    sign_in(site.client, author.email)
    create(site)
    token = token_of(post(site.client, "/api/organizations/acme/invitations", {"role": "admin"}).json()["link"])
    other = site.browser()
    sign_in(other, leaver.email)
    post(other, f"/api/invitations/{token}/accept")
    made = post(other, "/api/organizations/acme/invitations", {}).json()
    site.sql("DELETE FROM users WHERE id = :id", id=leaver.id)
    [pending] = [i for i in site.client.get("/api/organizations/acme/invitations").json() if i["id"] == made["id"]]
    assert pending["inviter"] is None


def test_a_usable_invitation_names_its_organization_and_who_invited(site: Site) -> None:
    author, member, stranger = site.save(
        UserFactory.build(author=True, display_name="Ada Admin"), UserFactory.build(email="bea@example.org"),
        UserFactory.build(),
    )  # fmt: skip
    sign_in(site.client, author.email)
    create(site)
    link = token_of(post(site.client, "/api/organizations/acme/invitations", {"role": "admin"}).json()["link"])
    mailed = token_of(post(site.client, "/api/organizations/acme/invitations", {"email": member.email}).json()["link"])
    other = site.browser()
    assert other.get(f"/api/invitations/{link}").status_code == 401  # sign in first
    sign_in(other, member.email)
    shown = other.get(f"/api/invitations/{link}").json()
    assert {key: shown[key] for key in ("organization", "role", "inviter", "for_another_address")} == {
        "organization": "Acme Academy", "role": "admin", "inviter": "Ada Admin", "for_another_address": False,
    }  # fmt: skip
    assert other.get(f"/api/invitations/{mailed}").json()["for_another_address"] is False
    sign_in(other, stranger.email)
    assert other.get(f"/api/invitations/{mailed}").json()["for_another_address"] is True


def test_an_unusable_invitation_answers_as_an_unknown_token_does(site: Site) -> None:
    author, member = site.save(UserFactory.build(author=True), UserFactory.build(email="bea@example.org"))
    sign_in(site.client, author.email)
    create(site)
    revoked = post(site.client, "/api/organizations/acme/invitations", {}).json()
    site.client.delete(f"/api/organizations/acme/invitations/{revoked['id']}", headers=_csrf(site))
    used = token_of(post(site.client, "/api/organizations/acme/invitations", {"email": member.email}).json()["link"])
    expired = token_of(post(site.client, "/api/organizations/acme/invitations", {}).json()["link"])
    site.sql(
        "UPDATE organization_invitations SET expires_at = now() - interval '1 second' WHERE email IS NULL"
        " AND revoked_at IS NULL"
    )
    other = site.browser()
    sign_in(other, member.email)
    assert post(other, f"/api/invitations/{used}/accept").status_code == 200
    unknown = "x" * 43
    answers = [other.get(f"/api/invitations/{token}") for token in (token_of(revoked["link"]), used, expired, unknown)]
    assert {(answer.status_code, answer.text) for answer in answers} == {
        (404, '{"detail":"This invitation is invalid or has expired"}')
    }
