"""The setup link, attacked as a browser would: replayed, from another install, absurdly long, without CSRF."""

from __future__ import annotations

from collections.abc import Callable

from practica.accounts.setup import UNKNOWN_SETUP_LINK, USED_SETUP_LINK
from tests.practica.accounts.conftest import Site
from tests.practica.accounts.factories import UserFactory, csrf_headers, post, sign_in
from tests.practica.accounts.setup_links import issue


def test_a_learner_replaying_a_used_link_stays_a_learner(accounts_site: Site) -> None:
    site = accounts_site
    token = issue(site.url)
    owner, learner = site.save(UserFactory.build(), UserFactory.build())
    sign_in(site.client, owner.email)
    assert post(site.client, f"/api/setup/{token}").status_code == 200
    attacker = site.browser()
    sign_in(attacker, learner.email)
    for _ in range(3):
        response = post(attacker, f"/api/setup/{token}")
        assert (response.status_code, response.json()["detail"]) == (410, USED_SETUP_LINK)
    assert attacker.get("/api/me").json()["role"] == "learner"


def test_a_link_from_another_install_is_unknown_here(
    accounts_site: Site, clone_database: Callable[[str], str], practica_template: str
) -> None:
    site = accounts_site
    elsewhere = issue(clone_database(practica_template))
    issue(site.url)
    (user,) = site.save(UserFactory.build())
    sign_in(site.client, user.email)
    response = post(site.client, f"/api/setup/{elsewhere}")
    assert (response.status_code, response.json()["detail"]) == (404, UNKNOWN_SETUP_LINK)
    assert site.client.get("/api/me").json()["role"] == "learner"


def test_a_very_long_token_is_refused_naming_the_token(accounts_site: Site) -> None:
    site = accounts_site
    issue(site.url)
    (user,) = site.save(UserFactory.build())
    sign_in(site.client, user.email)
    response = post(site.client, "/api/setup/" + "A" * 4000)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("token:")


def test_a_cross_site_post_without_the_csrf_header_is_refused(accounts_site: Site) -> None:
    site = accounts_site
    token = issue(site.url)
    (user,) = site.save(UserFactory.build())
    sign_in(site.client, user.email)
    csrf_headers(site.client)
    response = site.client.post(f"/api/setup/{token}")
    assert response.status_code == 403
    assert site.sql("SELECT used_at FROM setup_tokens") == [(None,)]
