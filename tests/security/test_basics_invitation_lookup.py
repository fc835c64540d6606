"""Reading an invitation's link as a stranger would: nothing about an unusable token, nothing signed out."""

from __future__ import annotations

import re

from tests.practica.accounts.conftest import Site
from tests.practica.accounts.factories import UserFactory, csrf_headers, post, sign_in

TOKEN = re.compile(r"/invitations/([A-Za-z0-9_-]+)")


def _token(site: Site, body: dict[str, str]) -> str:
    made = post(site.client, "/api/organizations/acme/invitations", body)
    assert made.status_code == 201, made.text
    found = TOKEN.search(made.json()["link"])
    assert found is not None
    return found[1]


def test_revoked_expired_used_and_guessed_tokens_answer_the_same_404(accounts_site: Site) -> None:
    admin, invitee, stranger = accounts_site.save(
        UserFactory.build(author=True), UserFactory.build(email="bea@example.org"), UserFactory.build()
    )
    site = accounts_site
    sign_in(site.client, admin.email)
    assert post(site.client, "/api/organizations", {"slug": "acme", "name": "Acme Academy"}).status_code == 201
    revoked, used = _token(site, {}), _token(site, {"email": invitee.email})
    expired = _token(site, {})
    [(revoked_id,)] = site.sql("SELECT min(id) FROM organization_invitations")
    site.client.delete(f"/api/organizations/acme/invitations/{revoked_id}", headers=csrf_headers(site.client))
    site.sql(
        "UPDATE organization_invitations SET expires_at = now() - interval '1 second' WHERE id = :i", i=revoked_id + 2
    )
    member = site.browser()
    sign_in(member, invitee.email)
    assert post(member, f"/api/invitations/{used}/accept").status_code == 200

    attacker = site.browser()
    sign_in(attacker, stranger.email)
    answers = [attacker.get(f"/api/invitations/{token}") for token in (revoked, used, expired, "A" * 43, "x")]
    assert {(answer.status_code, answer.text) for answer in answers} == {
        (404, '{"detail":"This invitation is invalid or has expired"}')
    }


def test_a_signed_out_visitor_reads_nothing_of_an_invitation(accounts_site: Site) -> None:
    admin = accounts_site.save(UserFactory.build(author=True))[0]
    sign_in(accounts_site.client, admin.email)
    post(accounts_site.client, "/api/organizations", {"slug": "acme", "name": "Acme Academy"})
    token = _token(accounts_site, {})
    answer = accounts_site.browser().get(f"/api/invitations/{token}")
    assert answer.status_code == 401
    assert "Acme" not in answer.text
