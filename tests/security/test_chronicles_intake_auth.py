"""Chronicles' intake authenticates producers, and a producer writes only entries of its own apps.

Each test sends what an attacker on the network would: a forged
``check.passed`` performed by a learner, with no token, a made-up one, a
viewer token, an expired one, or a real token of another app.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from tests.chronicles.factories import entry
from tests.security.chronicles_fixtures import Chronicles


def forged_check_passed(**overrides: Any) -> dict[str, Any]:
    """A learner's check that never ran, "performed" by the learner."""
    return entry(check_passed=True, performer="gid://practica/User/42", **overrides)


def test_an_entry_without_a_token_is_refused(chronicles_service: Chronicles) -> None:
    before = chronicles_service.stored()
    response = chronicles_service.post("/entries", json=forged_check_passed())
    assert response.status_code == 401
    assert "producer token" in response.json()["detail"]
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert chronicles_service.stored() == before


def test_a_token_signed_with_another_key_is_refused(chronicles_service: Chronicles) -> None:
    claims = {"aud": "chronicles:entries", "apps": ["practica"], "exp": 4_102_444_800}
    forged = jwt.encode(claims, "an attacker's guess at the producer key, 32+ chars", algorithm="HS256")
    before = chronicles_service.stored()
    response = chronicles_service.post(
        "/entries", json=forged_check_passed(), headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401
    assert chronicles_service.stored() == before


def test_an_unsigned_token_is_refused(chronicles_service: Chronicles) -> None:
    claims = {"aud": "chronicles:entries", "apps": ["practica"], "exp": 4_102_444_800}
    unsigned = jwt.encode(claims, None, algorithm="none")
    response = chronicles_service.post(
        "/entries", json=forged_check_passed(), headers={"Authorization": f"Bearer {unsigned}"}
    )
    assert response.status_code == 401


def test_a_viewer_token_is_not_a_producer_token(chronicles_service: Chronicles) -> None:
    before = chronicles_service.stored()
    response = chronicles_service.post(
        "/entries", json=forged_check_passed(), headers=chronicles_service.viewer("user:gid://practica/User/42")
    )
    assert response.status_code == 401
    assert chronicles_service.stored() == before


def test_an_expired_producer_token_is_refused(chronicles_service: Chronicles) -> None:
    expired = chronicles_service.producer("practica", issued=datetime.now(UTC) - timedelta(hours=1))
    response = chronicles_service.post("/entries", json=forged_check_passed(), headers=expired)
    assert response.status_code == 401


def test_a_producer_cannot_write_entries_of_another_app(chronicles_service: Chronicles) -> None:
    """A forum's token, a batch of forum posts with one forged Practica check in it: nothing is written."""
    forum = chronicles_service.producer("forum")
    post = entry(app="forum", subject="gid://forum/Post/1", action="post.created")
    forged = forged_check_passed()
    before = chronicles_service.stored()
    as_array = chronicles_service.post("/entries", json=[post, forged], headers=forum)
    ndjson = b"\n".join(json.dumps(item).encode() for item in [post, forged])
    as_ndjson = chronicles_service.post(
        "/entries", content=ndjson, headers={**forum, "Content-Type": "application/x-ndjson"}
    )
    for response in (as_array, as_ndjson):
        assert response.status_code == 403
        assert "item 1" in response.json()["detail"]
        assert "'practica'" in response.json()["detail"]
    assert chronicles_service.stored() == before  # neither the forum post nor a dead letter of the forgery


def test_a_foreign_entry_that_fails_validation_is_refused_too(chronicles_service: Chronicles) -> None:
    """Kept as a dead letter, a foreign entry could later be re-driven into the store: it is not kept."""
    broken = forged_check_passed(subject="not a gid")
    before = chronicles_service.stored()
    response = chronicles_service.post("/entries", json=broken, headers=chronicles_service.producer("forum"))
    assert response.status_code == 403
    assert chronicles_service.stored() == before


def test_a_producer_writes_entries_of_its_own_apps(chronicles_service: Chronicles) -> None:
    own = forged_check_passed()
    response = chronicles_service.post("/entries", json=own, headers=chronicles_service.producer("practica"))
    assert response.json() == {"accepted": 1, "errors": []}
    assert chronicles_service.count("SELECT count(*) FROM entries WHERE sequence_code = %s", own["sequence_code"]) == 1


def test_the_producer_key_is_made_once_in_the_data_directory(chronicles_service: Chronicles) -> None:
    key = chronicles_service.home / "chronicles" / "producer.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert len(key.read_text().strip()) >= 32


def test_chronicles_producer_token_mints_a_token_for_the_apps_named(chronicles_service: Chronicles) -> None:
    env = {**os.environ, "PRACTICA_HOME": str(chronicles_service.home)}
    command = [sys.executable, "-m", "chronicles", "producer-token", "--app", "forum", "--ttl", "5m"]
    token = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    post = entry(app="forum", subject="gid://forum/Post/2", action="post.created")
    assert chronicles_service.post("/entries", json=post, headers=headers).json()["accepted"] == 1
    assert chronicles_service.post("/entries", json=forged_check_passed(), headers=headers).status_code == 403


def test_an_open_intake_is_explicit_and_chronicles_config_warns(chronicles_open_service: Chronicles) -> None:
    response = chronicles_open_service.post("/entries", json=forged_check_passed())
    assert response.json()["accepted"] == 1  # what CHRONICLES_INTAKE_OPEN=true means
    env = {**os.environ, "PRACTICA_HOME": str(chronicles_open_service.home)}
    config = [sys.executable, "-m", "chronicles", "config"]
    opened = subprocess.run(config, env={**env, "CHRONICLES_INTAKE_OPEN": "true"}, capture_output=True, text=True)
    closed = subprocess.run(config, env={**env, "CHRONICLES_INTAKE_OPEN": "false"}, capture_output=True, text=True)
    assert "CHRONICLES_INTAKE_OPEN=True" in opened.stdout
    assert "warning" in opened.stderr
    assert "anyone who reaches POST /entries" in opened.stderr
    assert "warning" not in closed.stderr
    assert "chronicles.unsafe_setting" in chronicles_open_service.log.read_text()
