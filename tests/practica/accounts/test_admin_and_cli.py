"""Platform roles: the admin API, ``require_role``, and ``practica user …``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from practica.cli import app
from tests.practica.accounts.conftest import Site
from tests.practica.accounts.factories import UserFactory, csrf_headers, post, sign_in


def test_only_admins_list_users_and_change_roles(site: Site) -> None:
    admin, learner = site.save(UserFactory.build(admin=True), UserFactory.build(unconfirmed=True))
    assert site.client.get("/api/admin/users").json() == {"detail": "Sign in first"}
    sign_in(site.client, admin.email)
    listed = {user["email"]: user for user in site.client.get("/api/admin/users").json()["items"]}
    assert listed[learner.email]["role"] == "learner"
    assert listed[learner.email]["confirmed"] is False
    assert listed[admin.email]["organizations"] == []

    changed = site.client.patch(f"/api/admin/users/{learner.id}", json={"role": "author"}, headers=_csrf(site))
    assert changed.json()["role"] == "author"
    assert site.client.patch("/api/admin/users/999999", json={"role": "author"}, headers=_csrf(site)).status_code == 404
    assert site.client.patch(f"/api/admin/users/{admin.id}", json={"role": "learner"}, headers=_csrf(site)).json() == {
        "detail": "You cannot change your own role: ask another admin"
    }
    site.sql("UPDATE users SET confirmed_at = now()")
    sign_in(site.client, learner.email)
    assert site.client.get("/api/admin/users").json() == {"detail": "Your role does not allow this"}
    assert post(site.client, "/api/organizations", {"slug": "now-an-author", "name": "x"}).status_code == 201


def test_an_admin_cannot_demote_themselves_but_another_admin_can(site: Site) -> None:
    first, second = site.save(UserFactory.build(admin=True), UserFactory.build(admin=True))
    sign_in(site.client, first.email)
    for role in ("learner", "author"):
        refused = site.client.patch(f"/api/admin/users/{first.id}", json={"role": role}, headers=_csrf(site))
        assert (refused.status_code, refused.json()) == (
            409,
            {"detail": "You cannot change your own role: ask another admin"},
        )
    assert site.sql("SELECT role FROM users WHERE id = :id", id=first.id) == [("admin",)]
    unchanged = site.client.patch(f"/api/admin/users/{first.id}", json={"role": "admin"}, headers=_csrf(site))
    assert (unchanged.status_code, unchanged.json()["role"]) == (200, "admin")

    sign_in(site.client, second.email)
    demoted = site.client.patch(f"/api/admin/users/{first.id}", json={"role": "learner"}, headers=_csrf(site))
    assert (demoted.status_code, demoted.json()["role"]) == (200, "learner")
    assert site.sql("SELECT role FROM users WHERE id = :id", id=first.id) == [("learner",)]


def test_a_new_role_applies_at_once_to_a_session_the_app_remembers(site: Site) -> None:
    admin, learner = site.save(UserFactory.build(admin=True), UserFactory.build())
    sign_in(site.client, admin.email)
    learners = site.browser()
    sign_in(learners, learner.email)
    assert learners.get("/api/me").json()["role"] == "learner"  # the app now remembers the session
    changed = site.client.patch(f"/api/admin/users/{learner.id}", json={"role": "author"}, headers=_csrf(site))
    assert changed.status_code == 200
    assert learners.get("/api/me").json()["role"] == "author"
    assert post(learners, "/api/organizations", {"slug": "acme", "name": "Acme"}).status_code == 201


def test_the_users_page_lists_each_users_organisations_by_slug(site: Site) -> None:
    admin, author = site.save(UserFactory.build(admin=True), UserFactory.build(author=True))
    sign_in(site.client, author.email)
    for slug in ("zeta", "acme"):
        assert post(site.client, "/api/organizations", {"slug": slug, "name": slug}).status_code == 201
    sign_in(site.client, admin.email)
    listed = {user["id"]: user for user in site.client.get("/api/admin/users").json()["items"]}
    assert (listed[author.id]["organizations"], listed[admin.id]["organizations"]) == (["acme", "zeta"], [])
    changed = site.client.patch(f"/api/admin/users/{author.id}", json={"role": "learner"}, headers=_csrf(site))
    assert changed.json() | {"created_at": None} == {
        "id": author.id, "email": author.email, "display_name": author.display_name, "role": "learner",
        "confirmed": True, "organizations": ["acme", "zeta"], "created_at": None,
    }  # fmt: skip


def test_the_users_page_says_whether_another_follows(site: Site) -> None:
    admin, *others = site.save(UserFactory.build(admin=True), UserFactory.build(), UserFactory.build())
    sign_in(site.client, admin.email)
    first = site.client.get("/api/admin/users", params={"limit": 2}).json()
    assert [user["id"] for user in first["items"]] == [admin.id, others[0].id]
    assert first["next_after"] == others[0].id
    last = site.client.get("/api/admin/users", params={"limit": 2, "after": first["next_after"]}).json()
    assert ([user["id"] for user in last["items"]], last["next_after"]) == ([others[1].id], None)
    exact = site.client.get("/api/admin/users", params={"limit": 3}).json()  # a full page that is the last
    assert (len(exact["items"]), exact["next_after"]) == (3, None)
    bad = site.client.get("/api/admin/users", params={"limit": 0})
    assert (bad.status_code, bad.json()["detail"][0]["loc"]) == (422, ["query", "limit"])


def test_the_user_command_creates_accounts_and_changes_roles(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", site.url)
    monkeypatch.setenv("PRACTICA_HOME", str(tmp_path))
    runner = CliRunner()
    created = runner.invoke(
        app, ["user", "create", "Root@Example.org", "--role", "admin", "--password-stdin"], input="an admin password\n"
    )
    assert created.exit_code == 0, created.output
    me = sign_in(site.client, "root@example.org", "an admin password")
    assert (me["role"], me["display_name"]) == ("admin", "root")

    again = runner.invoke(app, ["user", "create", "root@example.org", "--password-stdin"], input="another password\n")
    assert again.exit_code == 1
    short = runner.invoke(app, ["user", "create", "x@example.org", "--password-stdin"], input="short\n")
    assert (short.exit_code, "password" in short.output) == (1, True)

    assert runner.invoke(app, ["user", "set-role", "root@example.org", "author"]).exit_code == 1  # the last admin
    runner.invoke(app, ["user", "create", "two@example.org", "--role", "admin", "--password-stdin"], input="p" * 12)
    assert runner.invoke(app, ["user", "set-role", "root@example.org", "author"]).exit_code == 0
    assert site.client.get("/api/me").json()["role"] == "author"
    assert runner.invoke(app, ["user", "set-role", "nobody@example.org", "author"]).exit_code == 1


def _csrf(site: Site) -> dict[str, str]:
    return csrf_headers(site.client)
