"""Published ports: ``/environments/{id}/ports/{port}/{path}`` reaches a learner's server inside.

Only the ports the environment's spec publishes (the lesson's choice, e.g.
8080); any other is refused (403). The runtime opens the connection inside
the environment's own network namespace, so this works under every network
policy and never exposes the host's network to the environment.

A preview opened in a browser carries its token once, in the query: the
gateway answers with an HttpOnly cookie scoped to that port's path, so that
the page's own links and assets work until the token expires. Serve the
gateway from an origin of its own (not the web app's): a learner's page runs
there.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from starlette.responses import RedirectResponse

from practica.sandbox.gateway.auth import COOKIE, Source, check
from practica.sandbox.gateway.proxy import Upstream, forward
from practica.sandbox.gateway.state import Gateway, gateway_of
from practica.sandbox.gateway.tokens import GatewayAction, GatewayGrant

router = APIRouter(tags=["ports"])
PUBLISHED_PORT_PATH = re.compile(r"^/environments/[^/]+/ports(/|$)")
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
Port = Annotated[int, Path(ge=1, le=65535)]
State = Annotated[Gateway, Depends(gateway_of)]


def is_published_port(path: str) -> bool:
    """Requests for a learner's server: what they carry (NUL bytes included) is the learner's server's business."""
    return PUBLISHED_PORT_PATH.match(path) is not None


def _target(request: Request, path: str) -> str:
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
    return "/" + path + (f"?{query}" if query else "")


def _remember(response: Response, token: str, grant: GatewayGrant, prefix: str) -> None:
    """Keep the query's token in a cookie for this preview's later requests (until the token expires)."""
    seconds = int((grant.expires_at - datetime.now(UTC)).total_seconds())
    response.set_cookie(COOKIE, token, max_age=max(seconds, 1), path=prefix + "/", httponly=True, samesite="lax")


@router.api_route("/environments/{env_id}/ports/{port}", methods=METHODS, include_in_schema=False)
async def port_root(env_id: str, port: Port, request: Request) -> RedirectResponse:
    """Relative links need the trailing slash."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"{request.url.path}/{query}", status_code=307)


@router.api_route("/environments/{env_id}/ports/{port}/{path:path}", methods=METHODS, include_in_schema=False)
async def published_port(env_id: str, port: Port, path: str, request: Request, gateway: State) -> Response:
    grant, source = check(request, env_id, GatewayAction.PORTS, allow_cookie=True)
    info = await gateway.runtime.get(env_id)
    if port not in info.spec.published_ports:
        raise HTTPException(403, f"port {port} is not published by this environment")
    reader, writer = await gateway.runtime.connect_port(env_id, port)
    prefix = f"/environments/{env_id}/ports/{port}"
    upstream = Upstream(reader, writer)
    response = await forward(
        request, upstream, _target(request, path), port, prefix, COOKIE, strip_authorization=source is Source.HEADER
    )
    if source is Source.QUERY:
        _remember(response, request.query_params["token"], grant, prefix)
    return response
