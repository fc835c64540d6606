"""Session cookies, their server-side hashes, signing out, and the CSRF double-submit check."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from practica.accounts.csrf import CSRF_COOKIE
from practica.accounts.service import create_user
from practica.accounts.sessions import SESSION_COOKIE, RecentSessions, end_session, start_session
from servicekit.database import make_engine, make_sessionmaker
from tests.practica.accounts.conftest import Site, make_site
from tests.practica.accounts.factories import PASSWORD, UserFactory, csrf_headers, post, sign_in

REFUSED = {"detail": "CSRF token missing or wrong"}


def set_cookie(response: object, name: str) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    [found] = [header for header in headers if header.startswith(f"{name}=")]
    return str(found).lower()


@pytest.mark.parametrize("headers", [{}, {"X-CSRF-Token": "not the cookie"}], ids=["missing", "wrong"])
def test_state_changing_requests_without_the_csrf_token_are_refused(site: Site, headers: dict[str, str]) -> None:
    site.client.get("/api/auth/csrf")
    for method, path in [
        ("POST", "/api/auth/signin"),
        ("POST", "/api/auth/signout"),
        ("DELETE", "/api/organizations/x/members/1"),
        ("PATCH", "/api/admin/users/1"),
        ("PUT", "/api/anything"),
        ("POST", "/api/system"),  # every route under /api, whoever wrote it
    ]:
        response = site.client.request(method, path, json={}, headers=headers)
        assert (response.status_code, response.json()) == (403, REFUSED), (method, path)


def test_the_csrf_cookie_is_readable_by_scripts_and_strict(site: Site) -> None:
    response = site.client.get("/api/auth/csrf")
    assert response.status_code == 204
    cookie = set_cookie(response, CSRF_COOKIE)
    assert "samesite=strict" in cookie
    assert "httponly" not in cookie
    assert "secure" not in cookie
    assert "set-cookie" not in site.client.get("/api/auth/csrf").headers  # kept once set


def test_signing_in_sets_an_httponly_lax_session_cookie_and_stores_only_its_hash(site: Site) -> None:
    [user] = site.save(UserFactory.build())
    response = post(site.client, "/api/auth/signin", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    cookie = set_cookie(response, SESSION_COOKIE)
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    assert "secure" not in cookie
    token = site.client.cookies[SESSION_COOKIE]
    [(stored, expires_in_days)] = site.sql("SELECT token_hash, extract(day FROM expires_at - now()) FROM user_sessions")
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert expires_in_days == 13  # fourteen days, less the test's milliseconds
    assert site.client.get("/api/me").json()["email"] == user.email


def test_cookies_are_secure_over_https(practica_db_url: str, tmp_path: Path) -> None:
    for site in make_site(practica_db_url, tmp_path, base_url="https://testserver"):
        [user] = site.save(UserFactory.build())
        response = post(site.client, "/api/auth/signin", {"email": user.email, "password": PASSWORD})
        assert "secure" in set_cookie(response, SESSION_COOKIE)
        assert "secure" in set_cookie(response, CSRF_COOKIE)


def test_cookies_are_secure_when_the_public_url_is_https(practica_db_url: str, tmp_path: Path) -> None:
    for site in make_site(practica_db_url, tmp_path, practica_public_url="https://learn.example.org"):
        assert "secure" in set_cookie(site.client.get("/api/auth/csrf"), CSRF_COOKIE)


def test_signing_out_ends_the_session_on_the_server(site: Site) -> None:
    [user] = site.save(UserFactory.build())
    sign_in(site.client, user.email)
    stolen = site.client.cookies[SESSION_COOKIE]
    assert site.client.get("/api/me").status_code == 200  # the process now remembers the session
    assert post(site.client, "/api/auth/signout").status_code == 204
    assert site.sql("SELECT count(*) FROM user_sessions") == [(0,)]
    assert site.client.get("/api/me").json() == {"detail": "Sign in first"}
    replay = TestClient(site.client.app, cookies={SESSION_COOKIE: stolen})
    assert replay.get("/api/me").status_code == 401


async def test_a_session_looked_up_while_its_end_commits_is_forgotten_at_the_commit(practica_db_url: str) -> None:
    engine = make_engine(practica_db_url, pool_size=2)
    sessions, recent = make_sessionmaker(engine), RecentSessions()
    try:
        async with sessions() as session, session.begin():
            user = await create_user(session, "ada@example.org", "a long password", "Ada")
            token = await start_session(session, user.id)
        async with sessions() as session, session.begin():
            await end_session(session, recent, token)
            # Another request, before the sign-out commits, still finds the session (and remembers it).
            assert await recent.user_of(token, sessions) is not None
        assert await recent.user_of(token, sessions) is None
    finally:
        await engine.dispose()


def test_an_expired_session_signs_nobody_in(site: Site) -> None:
    [user] = site.save(UserFactory.build())
    sign_in(site.client, user.email)
    site.sql("UPDATE user_sessions SET expires_at = now() - interval '1 second'")
    assert site.client.get("/api/me").status_code == 401


def test_signing_in_renews_the_csrf_token(site: Site) -> None:
    [user] = site.save(UserFactory.build())
    before = csrf_headers(site.client)
    sign_in(site.client, user.email)
    assert site.client.cookies[CSRF_COOKIE] != before["X-CSRF-Token"]
    assert post(site.client, "/api/auth/signout").status_code == 204
