"""Rate limits shared through PostgreSQL, answers that reveal no account, and password resets."""

from __future__ import annotations

import re

from practica.accounts.sessions import SESSION_COOKIE
from tests.practica.accounts.conftest import Site
from tests.practica.accounts.factories import PASSWORD, UserFactory, post, sign_in

RESET_LINK = re.compile(r"http://127\.0\.0\.1:8000/reset/([A-Za-z0-9_-]+)")


def test_unknown_email_and_wrong_password_get_the_same_answer(site: Site) -> None:
    [user] = site.save(UserFactory.build())
    wrong = post(site.client, "/api/auth/signin", {"email": user.email, "password": "not the password"})
    unknown = post(site.client, "/api/auth/signin", {"email": "nobody@example.org", "password": "not the password"})
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "Email or password is wrong"})
    assert (unknown.status_code, unknown.json()) == (wrong.status_code, wrong.json())


def test_sign_in_is_limited_per_email_across_web_processes(site: Site) -> None:
    [user] = site.save(UserFactory.build())
    other_process = site.browser()
    for client in (site.client, other_process, site.client, other_process, site.client):
        assert post(client, "/api/auth/signin", {"email": user.email, "password": "wrong"}).status_code == 401
    limited = post(other_process, "/api/auth/signin", {"email": user.email, "password": PASSWORD})
    assert limited.status_code == 429
    body = limited.json()
    assert body["detail"].startswith("Too many attempts")
    assert 1 <= body["retry_after"] <= 2 * 60  # this window, then part of the next
    assert limited.headers["Retry-After"] == str(body["retry_after"])
    assert post(site.client, "/api/auth/signin", {"email": "other@example.org", "password": "x"}).status_code == 401


def test_reset_requests_answer_the_same_for_unknown_emails_and_are_limited(site: Site) -> None:
    [user] = site.save(UserFactory.build())
    known = post(site.client, "/api/auth/reset-request", {"email": user.email})
    unknown = post(site.client, "/api/auth/reset-request", {"email": "nobody@example.org"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert known.status_code == 202
    site.run_jobs()
    assert [row[0] for row in site.sql("SELECT recipient FROM dev_mail")] == [user.email]
    for _ in range(2):
        post(site.client, "/api/auth/reset-request", {"email": "nobody@example.org"})
    assert post(site.client, "/api/auth/reset-request", {"email": "nobody@example.org"}).status_code == 429


def test_a_reset_sets_the_password_and_ends_the_other_sessions(site: Site) -> None:
    [user] = site.save(UserFactory.build())
    elsewhere = site.browser()
    sign_in(elsewhere, user.email)
    assert elsewhere.get("/api/me").status_code == 200  # the app now remembers this session
    assert post(site.client, "/api/auth/reset-request", {"email": user.email}).status_code == 202
    site.run_jobs()
    [(body,)] = site.sql("SELECT body FROM dev_mail")
    link = RESET_LINK.search(body)
    assert link is not None

    new_password = "a brand new password"
    assert post(site.client, "/api/auth/reset", {"token": link[1], "password": new_password}).status_code == 200
    assert elsewhere.get("/api/me").status_code == 401
    assert post(site.client, "/api/auth/reset", {"token": link[1], "password": "yet another one"}).status_code == 400
    assert post(site.client, "/api/auth/signin", {"email": user.email, "password": PASSWORD}).status_code == 401
    sign_in(site.client, user.email, new_password)
    assert site.client.cookies[SESSION_COOKIE]


def test_a_reset_link_expires_after_an_hour(site: Site) -> None:
    [user] = site.save(UserFactory.build())
    post(site.client, "/api/auth/reset-request", {"email": user.email})
    site.run_jobs()
    [(body,)] = site.sql("SELECT body FROM dev_mail")
    [(lifetime,)] = site.sql("SELECT expires_at - created_at FROM account_tokens WHERE purpose = 'reset'")
    assert abs(lifetime.total_seconds() - 3600) < 5
    site.sql("UPDATE account_tokens SET expires_at = now() - interval '1 second'")
    link = RESET_LINK.search(body)
    assert link is not None
    response = post(site.client, "/api/auth/reset", {"token": link[1], "password": "a brand new password"})
    assert response.json() == {"detail": "This link is invalid or has expired"}
