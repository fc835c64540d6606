"""Producer tokens: who may write to ``POST /entries``, and entries of which apps.

A producer token is a JWT (HS256) any application can mint with the producer key::

    header  {"alg": "HS256", "typ": "JWT"}
    claims  {"aud": "chronicles:entries",       # required: marks a producer token
             "apps": ["practica"],              # required: 1..20 app names; entries of other apps are refused
             "exp": 1798761600,                 # required: expiry, seconds since the epoch
             "iat": 1767225600,                 # optional
             "sub": "practica-relay"}           # optional: who the producer is (for logs)

    jwt.encode({"aud": "chronicles:entries", "apps": ["practica"], "exp": ...}, key, algorithm="HS256")

The key is ``CHRONICLES_PRODUCER_KEY`` (32+ characters) or, when unset, the
one kept in ``PRACTICA_HOME/chronicles/producer.key``: made once, mode 0600,
by whichever process needs it first (Practica's relay reads the same file
and mints a token for app ``practica``). ``chronicles producer-token --app
APP`` mints one for another producer. The key is not the viewer tokens'
signing key, and the audience keeps one kind of token from passing for the
other. To revoke every producer token, replace the key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from chronicles.contract.patterns import APP_PATTERN
from chronicles.settings import ChroniclesSettings
from servicekit.keyfile import kept_key

ALGORITHM = "HS256"
AUDIENCE = "chronicles:entries"
APPS_CLAIM = "apps"
MAX_APPS = 20
MIN_KEY_LENGTH = 32
LEEWAY_SECONDS = 5
KEY_FILE = Path("chronicles") / "producer.key"
_APP = re.compile(APP_PATTERN)


class ProducerTokenError(Exception):
    """A producer token that is missing, malformed, wrongly signed or expired (the reason is for logs only)."""


class ProducerKeyError(ValueError):
    """The producer key is unusable (too short)."""


@dataclass(frozen=True)
class Producer:
    """A verified producer: the apps whose entries it may write."""

    apps: frozenset[str]
    name: str | None

    def may_write(self, app: object) -> bool:
        return app in self.apps


def producer_key(settings: ChroniclesSettings) -> str:
    """The configured key, or the one kept in the data directory (made on first use)."""
    configured = settings.chronicles_producer_key.get_secret_value()
    if configured:
        return _checked(configured, "CHRONICLES_PRODUCER_KEY")
    path = settings.practica_home / KEY_FILE
    return _checked(kept_key(path), str(path))


def _checked(key: str, source: str) -> str:
    if len(key) < MIN_KEY_LENGTH:
        raise ProducerKeyError(f"{source}: the producer key must be at least {MIN_KEY_LENGTH} characters")
    return key


def mint_producer_token(
    key: str, apps: Sequence[str], ttl: timedelta, name: str | None = None, now: datetime | None = None
) -> str:
    """A token that may write entries of ``apps`` for ``ttl``."""
    allowed = _valid_apps(list(apps))
    if ttl <= timedelta(0):
        raise ValueError("the time to live must be positive")
    issued = now or datetime.now(UTC)
    claims: dict[str, object] = {"aud": AUDIENCE, APPS_CLAIM: allowed, "iat": issued, "exp": issued + ttl}
    if name is not None:
        claims["sub"] = name
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def verify_producer_token(key: str, token: str) -> Producer:
    """The producer a token describes; :class:`ProducerTokenError` when it cannot be trusted."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["exp", "aud"]},
            leeway=LEEWAY_SECONDS,
        )
        apps = _valid_apps(claims.get(APPS_CLAIM))
    except (jwt.PyJWTError, ValueError) as error:
        raise ProducerTokenError(str(error)) from None
    name = claims.get("sub")
    return Producer(frozenset(apps), name if isinstance(name, str) else None)


def _valid_apps(apps: object) -> list[str]:
    if not isinstance(apps, list) or not 1 <= len(apps) <= MAX_APPS:
        raise ValueError(f"{APPS_CLAIM} must be a list of 1 to {MAX_APPS} app names")
    for app in apps:
        if not isinstance(app, str) or not _APP.fullmatch(app):
            raise ValueError(f"{app!r} is not an app name (pattern {APP_PATTERN})")
    return list(dict.fromkeys(apps))
