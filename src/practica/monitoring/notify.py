"""Operations events posted to a webhook in Slack-compatible JSON.

Slack's incoming webhooks, Mattermost and Rocket.Chat all take ``{"text": …}``
(with mrkdwn ``*bold*``); ``username`` is honoured where the hook allows it.
A webhook that fails is logged, never raised: the job that reports failures
must not become one more failure to report every minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import structlog

log = structlog.get_logger(__name__)
MAX_LINES = 20


@dataclass(frozen=True)
class OpsMessage:
    title: str
    lines: list[str]

    def slack_json(self) -> dict[str, Any]:
        shown = [f"• {line}" for line in self.lines[:MAX_LINES]]
        if len(self.lines) > MAX_LINES:
            shown.append(f"… and {len(self.lines) - MAX_LINES} more")
        return {"username": "Practica", "text": "\n".join([f"*{self.title}*", *shown])}


async def post_ops_message(url: str, message: OpsMessage, *, timeout_s: float = 10.0) -> bool:
    """Post ``message`` to the webhook; whether it was accepted (a 2xx)."""
    try:
        async with httpx.AsyncClient(timeout=timeout_s) as client:
            response = await client.post(url, json=message.slack_json())
    except httpx.HTTPError as error:
        log.warning("ops.webhook_unreachable", error=str(error), title=message.title)
        return False
    if not response.is_success:
        log.warning("ops.webhook_refused", status=response.status_code, title=message.title)
    return response.is_success
