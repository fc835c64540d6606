"""Finding and checking the gateway token of a request.

Where a token may come from: ``Authorization: Bearer`` (programs), the
``token`` query parameter (a browser's WebSocket cannot set headers), and,
for published ports only, a cookie the gateway sets on the first request of
a preview (its pages' own links and assets carry no token). Whatever the
source, the token is checked for this environment and this action.
"""

from __future__ import annotations

from enum import StrEnum

from fastapi import HTTPException
from starlette.requests import HTTPConnection

from practica.sandbox.gateway.state import gateway_of
from practica.sandbox.gateway.tokens import (
    GatewayAction,
    GatewayGrant,
    TokenForbiddenError,
    TokenInvalidError,
    verify_gateway_token,
)

COOKIE = "practica_gateway"


class Source(StrEnum):
    HEADER = "header"
    QUERY = "query"
    COOKIE = "cookie"


def token_of(connection: HTTPConnection, allow_cookie: bool = False) -> tuple[str, Source]:
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), Source.HEADER
    if query := connection.query_params.get("token"):
        return query, Source.QUERY
    if allow_cookie and (cookie := connection.cookies.get(COOKIE)):
        return cookie, Source.COOKIE
    raise TokenInvalidError("no token")


def check(
    connection: HTTPConnection, env_id: str, action: GatewayAction, allow_cookie: bool = False
) -> tuple[GatewayGrant, Source]:
    """The grant, or :class:`HTTPException` 401 (no good token) / 403 (not for this)."""
    try:
        token, source = token_of(connection, allow_cookie)
        grant = verify_gateway_token(gateway_of(connection).key, token, env_id, action)
    except TokenInvalidError as error:
        raise HTTPException(401, f"a valid gateway token is required ({error})") from None
    except TokenForbiddenError as error:
        raise HTTPException(403, str(error)) from None
    gateway_of(connection).activity.seen(env_id)
    return grant, source


async def reader(connection: HTTPConnection, env_id: str) -> GatewayGrant:
    """FastAPI dependency: may read this environment's files."""
    return check(connection, env_id, GatewayAction.FILES_READ)[0]


async def writer(connection: HTTPConnection, env_id: str) -> GatewayGrant:
    """FastAPI dependency: may change this environment's files."""
    return check(connection, env_id, GatewayAction.FILES_WRITE)[0]
