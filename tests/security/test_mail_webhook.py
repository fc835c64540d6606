"""``POST /api/mail/events`` suppresses addresses: only the holder of ``PRACTICA_MAIL_WEBHOOK_SECRET`` gets in, and
no body can hold the process."""

from __future__ import annotations

from collections.abc import Iterator

from tests.practica.accounts.conftest import Site
from tests.practica.accounts.factories import UserFactory, csrf_headers, sign_in
from tests.security.mail_fixtures import MAIL_WEBHOOK_SECRET

URL = "/api/mail/events"
COMPLAINT = [{"event": "spamreport", "email": "victim@example.org"}]


def mailed_victim(site: Site) -> None:
    """A mail handed over to victim@example.org, which a forged complaint would suppress."""
    site.sql(
        "INSERT INTO mail_outbox (recipient, subject, body, state, message_id) "
        "VALUES ('victim@example.org', 'Hi', '', 'sent', '<m1@localhost>')"
    )


def test_a_guessed_bearer_token_is_refused_and_suppresses_nobody(mail_webhook_site: Site) -> None:
    mailed_victim(mail_webhook_site)
    answer = mail_webhook_site.browser().post(URL, json=COMPLAINT, headers={"Authorization": "Bearer guess"})
    assert answer.status_code == 401
    assert mail_webhook_site.sql("SELECT count(*) FROM mail_suppressions") == [(0,)]


def test_a_secret_prefix_is_refused(mail_webhook_site: Site) -> None:
    mailed_victim(mail_webhook_site)
    prefix = {"Authorization": f"Bearer {MAIL_WEBHOOK_SECRET[:-1]}"}
    assert mail_webhook_site.browser().post(URL, json=COMPLAINT, headers=prefix).status_code == 401


def test_the_secret_in_the_query_string_is_not_taken(mail_webhook_site: Site) -> None:
    mailed_victim(mail_webhook_site)
    answer = mail_webhook_site.browser().post(URL, params={"token": MAIL_WEBHOOK_SECRET}, json=COMPLAINT)
    assert answer.status_code == 401


def test_an_admins_session_and_csrf_token_do_not_open_the_webhook(mail_webhook_site: Site) -> None:
    """The path is exempt from the CSRF check because it reads no cookie: a signed-in admin gets no further."""
    mailed_victim(mail_webhook_site)
    [admin] = mail_webhook_site.save(UserFactory.build(admin=True))
    browser = mail_webhook_site.browser()
    sign_in(browser, admin.email)
    assert browser.post(URL, json=COMPLAINT, headers=csrf_headers(browser)).status_code == 401
    assert mail_webhook_site.sql("SELECT count(*) FROM mail_suppressions") == [(0,)]


def test_a_chunked_body_past_the_cap_is_cut_off_with_413(mail_webhook_site: Site) -> None:
    def endless() -> Iterator[bytes]:
        yield b"["
        for _ in range(10_000):  # 10 MB if read whole; refused after the first 256 KiB
            yield b'{"event": "open", "email": "' + b"x" * 1000 + b'"},'

    headers = {"Authorization": f"Bearer {MAIL_WEBHOOK_SECRET}", "Content-Type": "application/json"}
    answer = mail_webhook_site.browser().post(URL, content=endless(), headers=headers)
    assert answer.status_code == 413
