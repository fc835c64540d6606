"""Users as test data: factory_boy builds them, :func:`save` stores them; client helpers sign in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import factory
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from practica.accounts.csrf import CSRF_COOKIE, CSRF_HEADER
from practica.accounts.models import Role, User

PASSWORD = "correct horse battery staple"
PASSWORD_HASH = PasswordHasher().hash(PASSWORD)  # hashed once: argon2 is slow on purpose


class UserFactory(factory.Factory[User]):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    display_name = factory.Sequence(lambda n: f"User {n}")
    password_hash = PASSWORD_HASH
    role = Role.LEARNER.value
    confirmed_at = factory.LazyFunction(lambda: datetime.now(UTC))

    class Params:
        unconfirmed = factory.Trait(confirmed_at=None)
        author = factory.Trait(role=Role.AUTHOR.value)
        admin = factory.Trait(role=Role.ADMIN.value)


def csrf_headers(client: TestClient) -> dict[str, str]:
    """The header a browser's front end sends: the CSRF cookie, fetched first when missing."""
    if CSRF_COOKIE not in client.cookies:
        assert client.get("/api/auth/csrf").status_code == 204
    return {CSRF_HEADER: client.cookies[CSRF_COOKIE]}


def post(client: TestClient, path: str, json: Any = None) -> Any:
    """POST with the CSRF header, as the front end does."""
    return client.post(path, json=json, headers=csrf_headers(client))


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = post(client, "/api/auth/signin", {"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
