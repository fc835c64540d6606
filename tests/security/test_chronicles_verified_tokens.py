"""Viewer tokens the public endpoint keeps once verified are refused once they expire, and only good ones are kept.

``POST /graphql`` keeps the viewers of tokens it verified
(:class:`chronicles.api.public.context.VerifiedTokens`); a kept token must
not outlive its ``exp`` (plus the usual leeway), and a token that failed
verification must fail every time, however often it is sent.
"""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
import jwt

from chronicles.api.tokens import LEEWAY_SECONDS, mint, signing_key
from tests.security.chronicles_fixtures import Chronicles

QUERY = {"query": "{ entries(first: 1) { pageInfo { hasNextPage } } }"}


def _search(chronicles: Chronicles, token: str) -> int:
    response = httpx.post(f"{chronicles.base}/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}"})
    return response.status_code


def test_a_token_accepted_before_it_expired_is_refused_after(chronicles_service: Chronicles) -> None:
    token = mint(signing_key(chronicles_service.settings), ["org:1"], timedelta(seconds=2))
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    assert _search(chronicles_service, token) == 200
    assert _search(chronicles_service, token) == 200  # the kept viewer
    while time.time() <= expires + LEEWAY_SECONDS + 1:
        time.sleep(0.5)
    assert _search(chronicles_service, token) == 401


def test_a_forged_token_is_refused_every_time(chronicles_service: Chronicles) -> None:
    good = mint(signing_key(chronicles_service.settings), ["org:1"], timedelta(minutes=5))
    header, payload, _signature = good.split(".")
    forged = jwt.encode(jwt.decode(good, options={"verify_signature": False}) | {"access_tags": ["org:2"]}, "k" * 48)
    assert _search(chronicles_service, good) == 200
    for token in (forged, f"{header}.{payload}.", f"{header}.{forged.split('.')[1]}.{_signature}"):
        assert _search(chronicles_service, token) == 401
        assert _search(chronicles_service, token) == 401
