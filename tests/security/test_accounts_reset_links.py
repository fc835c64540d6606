"""After a password reset, no reset link of the account works any more: neither the one used nor older ones."""

from __future__ import annotations

import re

from tests.practica.accounts.factories import PASSWORD, UserFactory, post, sign_in
from tests.security.accounts_fixtures import MailedSite

RESET_LINK = re.compile(r"http://127\.0\.0\.1:8000/reset/([A-Za-z0-9_-]+)")
NEW_PASSWORD = "the owner's new passphrase"


def test_a_reset_spends_every_reset_link_of_the_account_and_ends_its_other_sessions(
    accounts_mailed_site: MailedSite,
) -> None:
    site = accounts_mailed_site.site
    [user] = site.save(UserFactory.build(email="owner@example.org"))
    thief = site.browser()
    sign_in(thief, user.email)  # a session opened with the old password
    for _ in range(2):
        assert post(site.browser(), "/api/auth/reset-request", {"email": user.email}).status_code == 202
    site.run_jobs()
    older, newer = (RESET_LINK.search(body) for body in accounts_mailed_site.bodies_to(user.email))
    assert older
    assert newer

    owner = site.browser()
    assert post(owner, "/api/auth/reset", {"token": newer[1], "password": NEW_PASSWORD}).status_code == 200
    for token in (older[1], newer[1]):  # whoever still has a mail with a link: nothing
        refused = post(site.browser(), "/api/auth/reset", {"token": token, "password": "the thief's passphrase"})
        assert (refused.status_code, refused.json()) == (400, {"detail": "This link is invalid or has expired"})
    assert thief.get("/api/me").status_code == 401
    assert post(site.browser(), "/api/auth/signin", {"email": user.email, "password": PASSWORD}).status_code == 401
    sign_in(site.browser(), user.email, NEW_PASSWORD)
