"""What changes in an environment's workspace, over a WebSocket: ``/environments/{id}/files/watch``.

Query: ``token`` (a grant to read the files). Text frames from the gateway,
JSON:

- ``{"type": "ready"}`` once the watch is in place: whatever changes from
  then on is reported (a client re-reads what it shows now);
- ``{"type": "changes", "changes": [{"path": "src/app.py", "kind": "modified"}, ...]}``
  at most every 0.1 s, one entry per path; kinds: ``modified``, ``created``,
  ``deleted``, ``moved`` (moved away; the new name comes as ``created``) and
  ``overflow`` (path ``""``: changes were missed, re-read everything shown).

The gateway closes the socket with code 4409 when the environment stops.
Nothing the client sends is read except its closing. A refused connection
gets an HTTP status: 401 no good token, 403 not for this, 404 no such
environment, 409 not running, 429 too many watches open. Limits:
:mod:`practica.sandbox.watch` and :class:`~practica.sandbox.gateway.watch_slots.WatchSlots`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import suppress

from fastapi import APIRouter, HTTPException, WebSocket
from starlette.websockets import WebSocketDisconnect

from practica.sandbox.gateway.auth import check
from practica.sandbox.gateway.state import gateway_of
from practica.sandbox.gateway.terminal import deny
from practica.sandbox.gateway.tokens import GatewayAction
from practica.sandbox.gateway.watch_slots import WatchLimitError
from practica.sandbox.runtime import EnvironmentNotFoundError, EnvironmentNotRunningError
from practica.sandbox.spec import FileChange

router = APIRouter(tags=["files"])
STOPPED = 4409


@router.websocket("/environments/{env_id}/files/watch")
async def watch(websocket: WebSocket, env_id: str) -> None:
    gateway = gateway_of(websocket)
    try:
        check(websocket, env_id, GatewayAction.FILES_READ)
        with gateway.watches.claim(env_id):
            changes = gateway.runtime.watch_files(env_id)
            try:
                await anext(changes)  # in place: from here on nothing is missed
                await websocket.accept()
                await websocket.send_json({"type": "ready"})
                await _relay(websocket, changes)
            finally:
                await changes.aclose()
    except HTTPException as error:
        await deny(websocket, error.status_code, str(error.detail))
    except WatchLimitError as error:
        await deny(websocket, 429, str(error))
    except EnvironmentNotFoundError as error:
        await deny(websocket, 404, str(error))
    except EnvironmentNotRunningError as error:
        await deny(websocket, 409, str(error))


async def _relay(websocket: WebSocket, changes: AsyncIterator[list[FileChange]]) -> None:
    """Send batches until the client leaves or the environment stops (then close with 4409)."""
    sending = asyncio.create_task(_send(websocket, changes))
    listening = asyncio.create_task(_until_closed(websocket))
    done, _pending = await asyncio.wait({sending, listening}, return_when=asyncio.FIRST_COMPLETED)
    for task in (sending, listening):
        task.cancel()
        with suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await task
    if sending in done and listening not in done:
        with suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(STOPPED, "the environment stopped")


async def _send(websocket: WebSocket, changes: AsyncIterator[list[FileChange]]) -> None:
    async for batch in changes:
        await websocket.send_json({"type": "changes", "changes": [change.model_dump(mode="json") for change in batch]})


async def _until_closed(websocket: WebSocket) -> None:
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass
