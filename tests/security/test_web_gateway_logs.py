"""Gateway tokens in logs: the terminal WebSocket and file URLs carry ``?token=``; no log line may show one.

uvicorn logs every WebSocket handshake with its path and query (``"WebSocket /environments/…?token=…"``);
the log formatter of every service redacts token values and anything shaped like a JWT. Read from the
real log of a ``practica gateway`` process, at DEBUG.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from practica.sandbox.gateway import issue_gateway_token
from practica.sandbox.settings import SandboxSettings
from tests.security.web_fixtures import GATEWAY_KEY, Process, gateway_process_fixture, wait_for_line  # noqa: F401

pytestmark = pytest.mark.sandbox


async def test_no_log_line_of_the_gateway_holds_a_token(gateway_process: Process) -> None:
    settings = SandboxSettings(gateway_key=GATEWAY_KEY)
    token = issue_gateway_token(settings, "7", "no-such-environment", timedelta(minutes=1))
    socket_url = gateway_process.url.replace("http", "ws", 1) + "/environments/no-such-environment/terminal"
    with pytest.raises(InvalidStatus) as refused:  # a good token, for an environment this host does not have
        async with connect(f"{socket_url}?token={token}&session=main&cols=80&rows=24"):
            pass
    assert refused.value.response.status_code == 404
    async with httpx.AsyncClient() as client:
        files = await client.get(
            f"{gateway_process.url}/environments/no-such-environment/files", params={"path": ".", "token": token}
        )
    assert files.status_code == 404

    log = wait_for_line(gateway_process, '"WebSocket /environments/no-such-environment/terminal?token=[redacted]')
    assert "token=[redacted]&session=main" in log  # the handshake was logged, without its token
    assert token not in log
    assert token.split(".")[2] not in log  # not even the signature
