"""The embedded default transport: NDJSON batches to Chronicles' ``POST /entries``."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import structlog

from practica.events.transport import TransportError

log = structlog.get_logger(__name__)


class HttpTransport:
    name = "http"

    def __init__(self, base_url: str, token: str = "", timeout: float = 10.0) -> None:
        headers = {"Content-Type": "application/x-ndjson"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.client = httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout)

    async def send(self, messages: Sequence[bytes]) -> None:
        try:
            response = await self.client.post("/entries", content=b"\n".join(messages))
        except httpx.HTTPError as error:
            raise TransportError(f"Chronicles unreachable at {self.client.base_url}: {error}") from error
        if response.status_code != 200:
            raise TransportError(f"Chronicles answered {response.status_code}: {response.text[:200]}")
        answer = response.json()
        if answer.get("errors"):
            # Chronicles kept them as dead letters (visible, re-drivable); resending would not help.
            log.error("events.rejected_by_chronicles", errors=answer["errors"][:10])

    async def close(self) -> None:
        await self.client.aclose()
