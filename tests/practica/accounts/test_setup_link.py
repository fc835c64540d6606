"""The one-time setup link of a new install: the signed-in user who opens it becomes admin, once."""

from __future__ import annotations

from practica.accounts.setup import ADMIN_EXISTS, EXPIRED_SETUP_LINK, UNKNOWN_SETUP_LINK, USED_SETUP_LINK
from tests.practica.accounts.conftest import Site
from tests.practica.accounts.factories import UserFactory, post, sign_in
from tests.practica.accounts.setup_links import issue


def test_the_signed_in_user_who_opens_the_link_becomes_admin(site: Site) -> None:
    token = issue(site.url)
    assert token is not None
    (user,) = site.save(UserFactory.build())
    sign_in(site.client, user.email)
    response = post(site.client, f"/api/setup/{token}")
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "admin"
    assert site.client.get("/api/me").json()["role"] == "admin"
    assert site.sql("SELECT role FROM users WHERE id = :id", id=user.id) == [("admin",)]


def test_a_used_link_is_refused_and_no_new_one_is_issued_once_an_admin_exists(site: Site) -> None:
    token = issue(site.url)
    first, second = site.save(UserFactory.build(), UserFactory.build())
    sign_in(site.client, first.email)
    assert post(site.client, f"/api/setup/{token}").status_code == 200
    other = site.browser()
    sign_in(other, second.email)
    response = post(other, f"/api/setup/{token}")
    assert (response.status_code, response.json()["detail"]) == (410, USED_SETUP_LINK)
    assert site.sql("SELECT role FROM users WHERE id = :id", id=second.id) == [("learner",)]
    assert issue(site.url) is None


def test_an_expired_link_is_refused_naming_the_expiry(site: Site) -> None:
    token = issue(site.url)
    site.sql("UPDATE setup_tokens SET expires_at = now() - interval '1 minute'")
    (user,) = site.save(UserFactory.build())
    sign_in(site.client, user.email)
    response = post(site.client, f"/api/setup/{token}")
    assert (response.status_code, response.json()["detail"]) == (410, EXPIRED_SETUP_LINK)
    assert site.client.get("/api/me").json()["role"] == "learner"


def test_a_wrong_token_is_refused_as_unknown(site: Site) -> None:
    issue(site.url)
    (user,) = site.save(UserFactory.build())
    sign_in(site.client, user.email)
    response = post(site.client, "/api/setup/not-the-token")
    assert (response.status_code, response.json()["detail"]) == (404, UNKNOWN_SETUP_LINK)


def test_a_new_start_ends_the_previous_link(site: Site) -> None:
    earlier = issue(site.url)
    later = issue(site.url)
    (user,) = site.save(UserFactory.build())
    sign_in(site.client, user.email)
    assert post(site.client, f"/api/setup/{earlier}").status_code == 410
    assert post(site.client, f"/api/setup/{later}").status_code == 200


def test_a_link_issued_before_an_admin_was_made_otherwise_is_refused_and_kept(site: Site) -> None:
    token = issue(site.url)
    _admin, user = site.save(UserFactory.build(admin=True), UserFactory.build())
    sign_in(site.client, user.email)
    response = post(site.client, f"/api/setup/{token}")
    assert (response.status_code, response.json()["detail"]) == (409, ADMIN_EXISTS)
    assert site.sql("SELECT used_at FROM setup_tokens") == [(None,)]


def test_opening_the_link_needs_a_signed_in_user(site: Site) -> None:
    token = issue(site.url)
    response = post(site.client, f"/api/setup/{token}")
    assert response.status_code == 401
    assert site.sql("SELECT used_at FROM setup_tokens") == [(None,)]
