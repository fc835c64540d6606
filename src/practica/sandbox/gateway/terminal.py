"""The terminal of an environment over a WebSocket: ``/environments/{id}/terminal``.

Query: ``token``, ``session`` (a name, default ``main``: several terminals
per environment), ``cols`` and ``rows`` (the first size). Frames:

- from the shell: binary frames of terminal output;
- to the shell: binary or text frames of keystrokes, except a text frame
  holding a JSON control message: ``{"type": "resize", "cols": 120, "rows": 40}``,
  or ``{"type": "end"}``, which ends the session's shell at once (a closed
  terminal tab) instead of after the grace period.

The shell keeps running when the socket drops; a connection to the same
session within ``PRACTICA_SANDBOX_TERMINAL_GRACE`` gets the same shell, and
first the recent output. A refused connection gets an HTTP status (401 no
good token, 403 not for this, 404 no such environment, 409 not running).
"""

from __future__ import annotations

import json
import re
from contextlib import suppress

from fastapi import APIRouter, HTTPException, WebSocket
from pydantic import BaseModel, Field, ValidationError
from starlette.responses import JSONResponse
from starlette.websockets import WebSocketDisconnect

from practica.sandbox.gateway.auth import check
from practica.sandbox.gateway.sessions import TerminalSession
from practica.sandbox.gateway.state import Gateway, gateway_of
from practica.sandbox.gateway.tokens import GatewayAction
from practica.sandbox.runtime import EnvironmentNotFoundError, EnvironmentNotRunningError, SandboxError

router = APIRouter(tags=["terminal"])
SESSION = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class Resize(BaseModel):
    type: str = Field(pattern="^resize$")
    cols: int = Field(ge=1, le=1000)
    rows: int = Field(ge=1, le=1000)


class End(BaseModel):
    type: str = Field(pattern="^end$")


def control_message(text: str) -> Resize | End | None:
    """The resize or end a text frame asks for, or None when it is keystrokes."""
    if not text.startswith("{"):
        return None
    for model in (Resize, End):
        try:
            return model.model_validate(json.loads(text))
        except (ValueError, ValidationError):
            continue
    return None


async def deny(websocket: WebSocket, status: int, detail: str) -> None:
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(JSONResponse({"detail": detail}, status_code=status))
    else:
        await websocket.close(code=4000 + status, reason=detail[:120])


async def _open(
    websocket: WebSocket, gateway: Gateway, env_id: str, name: str, size: tuple[int, int]
) -> TerminalSession | None:
    try:
        check(websocket, env_id, GatewayAction.TERMINAL)
        if not SESSION.match(name) or not all(0 < n <= 1000 for n in size):
            raise HTTPException(400, "bad session name or terminal size")
        session, new = await gateway.terminals.session(env_id, name, *size)
        if not new:
            await session.resize(*size)
        return session
    except HTTPException as error:
        await deny(websocket, error.status_code, str(error.detail))
    except EnvironmentNotFoundError as error:
        await deny(websocket, 404, str(error))
    except EnvironmentNotRunningError as error:
        await deny(websocket, 409, str(error))
    return None


async def _relay_input(websocket: WebSocket, session: TerminalSession, gateway: Gateway, env_id: str) -> None:
    while not session.ended:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if (data := message.get("bytes")) is not None:
            await session.write(data)
        elif (text := message.get("text")) is not None:
            await _obey(session, text)
        gateway.activity.seen(env_id)


async def _obey(session: TerminalSession, text: str) -> None:
    """A text frame: a control message, or keystrokes."""
    control = control_message(text)
    if isinstance(control, Resize):
        await session.resize(control.cols, control.rows)
    elif isinstance(control, End):
        await session.close()
    else:
        await session.write(text.encode())


@router.websocket("/environments/{env_id}/terminal")
async def terminal(websocket: WebSocket, env_id: str, session: str = "main", cols: int = 80, rows: int = 24) -> None:
    gateway = gateway_of(websocket)
    opened = await _open(websocket, gateway, env_id, session, (cols, rows))
    if opened is None:
        return
    await websocket.accept()
    await opened.attach(websocket)
    try:
        with suppress(WebSocketDisconnect, SandboxError, RuntimeError):
            await _relay_input(websocket, opened, gateway, env_id)
    finally:
        opened.detach(websocket)
