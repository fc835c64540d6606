"""Signing up: confirmation by mail (real SMTP, or the log and /dev/mail), no account enumeration."""

from __future__ import annotations

import re
from pathlib import Path

from practica.settings import Environment
from tests.practica.accounts.conftest import Inbox, Site, make_site
from tests.practica.accounts.factories import PASSWORD, UserFactory, post, sign_in

CONFIRM_LINK = re.compile(r"http://127\.0\.0\.1:8000/confirm/([A-Za-z0-9_-]+)")
SIGNUP = {"email": "ada@example.org", "password": "a long enough password", "display_name": "Ada"}


def signup(site: Site, **overrides: str) -> dict[str, str]:
    response = post(site.client, "/api/auth/signup", {**SIGNUP, **overrides})
    assert response.status_code == 202, response.text
    body: dict[str, str] = response.json()
    return body


def test_signup_mails_a_link_over_smtp_that_confirms_the_account(
    smtp_site: Site, smtp_server: tuple[int, Inbox]
) -> None:
    _, inbox = smtp_server
    signup(smtp_site, email="  Ada@Example.ORG ")
    assert inbox.messages == []  # nothing is sent from the request: a job sends it after the commit
    smtp_site.run_jobs()
    [mail] = inbox.messages
    assert mail["To"] == "ada@example.org"
    assert mail["Subject"] == "Confirm your email for Practica"
    found = CONFIRM_LINK.search(mail.get_content())
    assert found is not None

    early = post(smtp_site.client, "/api/auth/signin", {"email": "ada@example.org", "password": SIGNUP["password"]})
    assert early.status_code == 403
    assert early.json()["detail"].startswith("Confirm your email first")

    assert post(smtp_site.client, "/api/auth/confirm", {"token": found[1]}).status_code == 200
    again = post(smtp_site.client, "/api/auth/confirm", {"token": found[1]})
    assert again.status_code == 400
    assert again.json() == {"detail": "This link is invalid or has expired"}

    signed_in = post(smtp_site.client, "/api/auth/signin", {"email": "ADA@example.org", "password": SIGNUP["password"]})
    assert signed_in.status_code == 200
    me = smtp_site.client.get("/api/me").json()
    assert me == {**signed_in.json(), "email": "ada@example.org", "display_name": "Ada", "role": "learner"}
    assert me["organizations"] == []
    assert smtp_site.sql("SELECT body, sent_at IS NOT NULL FROM mail_outbox") == [("", True)]  # the link is gone


def test_dev_mail_shows_admins_the_mail_with_clickable_links_in_development(site: Site) -> None:
    signup(site)
    site.run_jobs()
    [admin] = site.save(UserFactory.build(admin=True))
    sign_in(site.client, admin.email)
    page = site.client.get("/dev/mail")
    assert page.status_code == 200
    assert "Confirm your email for Practica" in page.text
    assert re.search(r'<a href="http://127\.0\.0\.1:8000/confirm/[A-Za-z0-9_-]+">', page.text)


def test_dev_mail_is_not_there_in_production(practica_db_url: str, tmp_path: Path) -> None:
    production = {"practica_env": Environment.PRODUCTION, "practica_secret_key": "s" * 32}
    for site in make_site(practica_db_url, tmp_path, **production):
        signup(site)
        site.run_jobs()
        assert site.client.get("/dev/mail").status_code == 404
        assert site.sql("SELECT count(*) FROM dev_mail") == [(0,)]  # no SMTP in production: not kept, not logged
        assert site.sql("SELECT state, body FROM mail_outbox") == [("dropped", "")]  # not "sent": nobody took it


def test_signing_up_with_a_known_email_answers_the_same_and_mails_the_owner(
    smtp_site: Site, smtp_server: tuple[int, Inbox]
) -> None:
    _, inbox = smtp_server
    [owner] = smtp_site.save(UserFactory.build(email="owner@example.org"))
    fresh = signup(smtp_site, email="new@example.org")
    known = signup(smtp_site, email="Owner@example.org", password="the stranger's password")
    assert fresh == known
    smtp_site.run_jobs()
    subjects = {message["To"]: message["Subject"] for message in inbox.messages}
    assert subjects["owner@example.org"] == "Someone tried to sign up to Practica with your email"
    body = post(smtp_site.client, "/api/auth/signin", {"email": owner.email, "password": PASSWORD})
    assert body.status_code == 200  # the owner's password is unchanged


def test_a_second_sign_up_before_confirming_cannot_choose_the_owners_password(
    smtp_site: Site, smtp_server: tuple[int, Inbox]
) -> None:
    _, inbox = smtp_server
    signup(smtp_site, password="the owner's password")
    smtp_site.run_jobs()
    signup(smtp_site, password="a stranger's password")
    smtp_site.run_jobs()
    first, second = (message.get_content() for message in inbox.messages)
    owners = CONFIRM_LINK.search(first)
    assert owners
    assert CONFIRM_LINK.search(second) is None  # the second sign-up mails no confirmation link
    assert "/reset/" in second  # but a way for the address's owner to choose the password
    assert post(smtp_site.client, "/api/auth/confirm", {"token": owners[1]}).status_code == 200
    stranger = post(
        smtp_site.client, "/api/auth/signin", {"email": SIGNUP["email"], "password": "a stranger's password"}
    )
    assert stranger.status_code == 401
    owner = post(smtp_site.client, "/api/auth/signin", {"email": SIGNUP["email"], "password": "the owner's password"})
    assert owner.status_code == 200


def test_passwords_are_stored_as_argon2id_hashes(site: Site) -> None:
    signup(site)
    [(stored,)] = site.sql("SELECT password_hash FROM users")
    assert stored.startswith("$argon2id$")
    assert SIGNUP["password"] not in stored


def test_bad_fields_are_named(site: Site) -> None:
    response = post(site.client, "/api/auth/signup", {**SIGNUP, "email": "not an email", "password": "short"})
    assert response.status_code == 422
    assert {tuple(error["loc"]) for error in response.json()["detail"]} == {("body", "email"), ("body", "password")}


def test_an_expired_confirmation_link_is_refused(site: Site) -> None:
    signup(site)
    site.run_jobs()
    [(body,)] = site.sql("SELECT body FROM dev_mail")
    token = CONFIRM_LINK.search(body)
    assert token is not None
    site.sql("UPDATE account_tokens SET expires_at = now() - interval '1 second'")
    assert post(site.client, "/api/auth/confirm", {"token": token[1]}).status_code == 400
