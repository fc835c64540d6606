"""A name someone chooses never becomes a link (or HTML) in mail Practica sends to an address of their choice."""

from __future__ import annotations

import re

import pytest

from tests.practica.accounts.conftest import Site
from tests.practica.accounts.factories import UserFactory, post, sign_in
from tests.security.accounts_fixtures import MailedSite

LINKLIKE_NAMES = [
    "Claim your prize at http://evil.example/win",
    "www.evil.example",
    "Support: evil-support.example/reset",
    "Visit ｅｖｉｌ．ｅｘａｍｐｌｅ",  # full-width letters and dot
    "evil\u200b.example",  # a zero-width space before the dot
    "Ada <a href=//evil.example>",
    "Ada at 203.0.113.7",
    "Ada\nSubject: forged",
]
EVIL = re.compile(r"evil|203\.0\.113|forged", re.IGNORECASE)
SIGNUP = {"email": "target@example.org", "password": "a long enough password"}


@pytest.mark.parametrize("name", LINKLIKE_NAMES)
def test_sign_up_refuses_a_display_name_that_could_become_a_link(accounts_site: Site, name: str) -> None:
    site = accounts_site
    response = post(site.client, "/api/auth/signup", {**SIGNUP, "display_name": name})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "display_name"]
    assert error["msg"].startswith("Display name must not")
    assert site.sql("SELECT count(*) FROM users") == [(0,)]
    assert site.sql("SELECT count(*) FROM mail_outbox") == [(0,)]


def test_names_stored_before_the_rule_stay_out_of_mail_and_are_never_links(accounts_mailed_site: MailedSite) -> None:
    site = accounts_mailed_site.site
    author, target = site.save(
        UserFactory.build(author=True, display_name="Mallory www.evil.example"),
        UserFactory.build(email="target@example.org", display_name="Ada at http://evil.example/"),
    )
    sign_in(site.client, author.email)
    assert post(site.client, "/api/organizations", {"slug": "acme", "name": "Acme"}).status_code == 201
    site.sql("UPDATE organizations SET name = 'Prizes at evil.example'")  # as if it predated the rule
    assert post(site.client, "/api/organizations/acme/invitations", {"email": target.email}).status_code == 201
    assert post(site.browser(), "/api/auth/reset-request", {"email": target.email}).status_code == 202
    assert post(site.browser(), "/api/auth/signup", {**SIGNUP, "display_name": "Someone"}).status_code == 202
    site.run_jobs()

    messages = accounts_mailed_site.inbox.messages
    assert len(messages) == 3
    for message in messages:
        assert message.get_content_type() == "text/plain"
        assert not message.is_multipart()
        assert not EVIL.search(message["Subject"])
        assert not EVIL.search(message.get_content())
        assert "<" not in message.get_content()


def test_dev_mail_makes_only_the_sites_own_links_clickable(accounts_site: Site) -> None:
    site = accounts_site
    body = "Hello http://evil.example/win,\nconfirm: http://127.0.0.1:8000/confirm/abc <b>bold</b>\n"
    site.sql("INSERT INTO dev_mail (recipient, subject, body) VALUES ('a@example.org', '<i>Hi</i>', :b)", b=body)
    [admin] = site.save(UserFactory.build(admin=True))
    sign_in(site.client, admin.email)
    page = site.client.get("/dev/mail").text
    assert re.findall(r'<a href="([^"]*)"', page) == ["http://127.0.0.1:8000/confirm/abc"]
    assert "<b>" not in page
    assert "<i>" not in page
