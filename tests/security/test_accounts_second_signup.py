"""A stranger signs up again with an address whose owner has not confirmed yet: the account stays the owner's."""

from __future__ import annotations

import re

from tests.practica.accounts.factories import post
from tests.security.accounts_fixtures import MailedSite

VICTIM = "victim@example.org"
VICTIMS_PASSWORD = "the victim's own passphrase"
ATTACKERS_PASSWORD = "the attacker's passphrase"
# With spaces, so that no link's random token can hold it (a token once held "Ed", the name this test used).
STRANGERS_NAME = "Ed the stranger"
LINK = re.compile(r"http://127\.0\.0\.1:8000/(confirm|reset)/([A-Za-z0-9_-]+)")


def test_a_second_sign_up_changes_nothing_answers_the_same_and_only_mails_the_owner(
    accounts_mailed_site: MailedSite,
) -> None:
    site = accounts_mailed_site.site
    victim = {"email": VICTIM, "password": VICTIMS_PASSWORD, "display_name": "Victim"}
    assert post(site.browser(), "/api/auth/signup", victim).status_code == 202
    site.run_jobs()
    [before] = site.sql("SELECT id, password_hash, display_name, confirmed_at FROM users")

    attacker = site.browser()
    strangers = {"password": ATTACKERS_PASSWORD, "display_name": STRANGERS_NAME}
    again = post(attacker, "/api/auth/signup", {"email": VICTIM, **strangers})
    fresh = post(attacker, "/api/auth/signup", {"email": "new@example.org", **strangers})
    assert (again.status_code, again.json()) == (fresh.status_code, fresh.json())  # nothing to tell them apart
    site.run_jobs()
    assert site.sql("SELECT id, password_hash, display_name, confirmed_at FROM users WHERE email = :e", e=VICTIM) == [
        before
    ]

    first, second = accounts_mailed_site.bodies_to(VICTIM)
    assert STRANGERS_NAME not in second  # the stranger's chosen name does not reach the owner
    assert [kind for kind, _ in LINK.findall(second)] == ["reset"]  # the owner may choose a password, nobody else
    # The owner opens every confirmation link in the mailbox, newest first: the attack's bet.
    for body in (second, first):
        for kind, token in LINK.findall(body):
            if kind == "confirm":
                post(site.browser(), "/api/auth/confirm", {"token": token})
    assert site.sql("SELECT confirmed_at IS NOT NULL FROM users WHERE email = :e", e=VICTIM) == [(True,)]
    assert post(attacker, "/api/auth/signin", {"email": VICTIM, "password": ATTACKERS_PASSWORD}).status_code == 401
    owner = post(site.browser(), "/api/auth/signin", {"email": VICTIM, "password": VICTIMS_PASSWORD})
    assert owner.status_code == 200
    assert owner.json()["display_name"] == "Victim"
