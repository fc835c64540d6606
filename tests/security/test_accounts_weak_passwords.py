"""Common passwords (``password12``) and short ones are refused wherever a password is chosen, naming the field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from practica.cli import app
from tests.practica.accounts.conftest import Site
from tests.practica.accounts.factories import PASSWORD, UserFactory, post, sign_in

COMMON = ["password12", "Password12", " qwertyuiop ", "1234567890", "iloveyou12"]
RESET_LINK = re.compile(r"http://127\.0\.0\.1:8000/reset/([A-Za-z0-9_-]+)")


def refused_password(response: Any) -> str:
    """The 422's one error: on the password field; its message."""
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "password"]
    return str(error["msg"])


@pytest.mark.parametrize("password", COMMON)
def test_sign_up_refuses_a_common_password(accounts_site: Site, password: str) -> None:
    site = accounts_site
    body = {"email": "ada@example.org", "password": password, "display_name": "Ada"}
    message = refused_password(post(site.client, "/api/auth/signup", body))
    assert message.startswith("Password is one of the 20,000 most common passwords")
    assert site.sql("SELECT count(*) FROM users") == [(0,)]


def test_sign_up_refuses_a_short_password(accounts_site: Site) -> None:
    body = {"email": "ada@example.org", "password": "Xq7#pL2!", "display_name": "Ada"}
    assert refused_password(post(accounts_site.client, "/api/auth/signup", body)) == (
        "Password must have at least 10 characters"
    )


def test_a_reset_to_a_common_password_is_refused_and_spends_nothing(accounts_site: Site) -> None:
    site = accounts_site
    [user] = site.save(UserFactory.build())
    assert post(site.client, "/api/auth/reset-request", {"email": user.email}).status_code == 202
    site.run_jobs()
    [(body,)] = site.sql("SELECT body FROM dev_mail")
    link = RESET_LINK.search(body)
    assert link
    refused_password(post(site.client, "/api/auth/reset", {"token": link[1], "password": "password12"}))
    sign_in(site.browser(), user.email, PASSWORD)  # unchanged
    assert post(site.client, "/api/auth/reset", {"token": link[1], "password": "a far better one"}).status_code == 200


def test_the_user_command_refuses_a_common_password(
    accounts_site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", accounts_site.url)
    monkeypatch.setenv("PRACTICA_HOME", str(tmp_path))
    made = CliRunner().invoke(app, ["user", "create", "root@example.org", "--password-stdin"], input="password12\n")
    assert made.exit_code == 1
    assert "password: Password is one of the 20,000 most common passwords" in made.output
    assert accounts_site.sql("SELECT count(*) FROM users") == [(0,)]
