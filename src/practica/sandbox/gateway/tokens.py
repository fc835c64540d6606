"""Gateway tokens: short-lived, signed permission for one user to use one environment.

The web app issues them (:func:`issue_gateway_token`) after deciding that
the user may use the environment; the gateway on the environment's host
only verifies them. A JWT (HS256) with the gateway key::

    {"aud": "practica-gateway", "sub": "42", "env": "3f2a…", "act": ["terminal", "files:read", ...],
     "iat": 1767222000, "exp": 1767222300}

At most ten minutes between ``iat`` and ``exp``: the IDE asks web for a new
one before the old one ends (an open terminal stays open; a token is checked
when a connection starts and on every HTTP request).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt

from practica.sandbox.settings import SandboxSettings
from servicekit.keyfile import kept_key

ALGORITHM = "HS256"
AUDIENCE = "practica-gateway"
MAX_TTL = timedelta(minutes=10)
LEEWAY_SECONDS = 5
MIN_KEY_LENGTH = 32


class GatewayAction(StrEnum):
    TERMINAL = "terminal"
    FILES_READ = "files:read"
    FILES_WRITE = "files:write"
    PORTS = "ports"


class TokenInvalidError(Exception):
    """Missing, malformed, wrongly signed or expired: the bearer is unknown (401)."""


class TokenForbiddenError(Exception):
    """A good token, for another environment or without this action (403)."""


@dataclass(frozen=True)
class GatewayGrant:
    user: str
    env_id: str
    actions: frozenset[GatewayAction]
    expires_at: datetime


def gateway_key(settings: SandboxSettings) -> str:
    """``PRACTICA_SANDBOX_GATEWAY_KEY``, or the key kept in ``home/sandbox/gateway.key`` (made once)."""
    key = settings.gateway_key.get_secret_value() or kept_key(settings.home / "sandbox" / "gateway.key")
    if len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"the gateway key must be at least {MIN_KEY_LENGTH} characters")
    return key


def issue_gateway_token(
    settings: SandboxSettings,
    user: str,
    env_id: str,
    ttl: timedelta = timedelta(minutes=5),
    actions: Iterable[GatewayAction] = tuple(GatewayAction),
    now: datetime | None = None,
) -> str:
    """A token letting ``user`` use environment ``env_id`` for ``ttl`` (at most ten minutes)."""
    if not timedelta(0) < ttl <= MAX_TTL:
        raise ValueError(f"a gateway token lives between 0 and {MAX_TTL} (asked {ttl})")
    issued = now or datetime.now(UTC)
    claims = {
        "aud": AUDIENCE,
        "sub": user,
        "env": env_id,
        "act": sorted(GatewayAction(action).value for action in actions),
        "iat": issued,
        "exp": issued + ttl,
    }
    return jwt.encode(claims, gateway_key(settings), algorithm=ALGORITHM)


def verify_gateway_token(key: str, token: str, env_id: str, action: GatewayAction) -> GatewayGrant:
    """The grant ``token`` carries for ``action`` on ``env_id``; raises when it does not carry one."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "sub", "env", "act"]},
        )
    except jwt.PyJWTError as error:
        raise TokenInvalidError(str(error)) from None
    if claims["exp"] - claims["iat"] > MAX_TTL.total_seconds():
        raise TokenInvalidError("the token lives longer than a gateway token may")
    try:
        actions = frozenset(GatewayAction(a) for a in claims["act"])
    except (TypeError, ValueError):
        raise TokenInvalidError("the token's actions are not understood") from None
    if claims["env"] != env_id:
        raise TokenForbiddenError("the token is for another environment")
    if action not in actions:
        raise TokenForbiddenError(f"the token does not allow {action.value}")
    return GatewayGrant(str(claims["sub"]), env_id, actions, datetime.fromtimestamp(claims["exp"], UTC))
