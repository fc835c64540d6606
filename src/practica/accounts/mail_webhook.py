"""What ``POST /api/mail/events`` takes: bounce and complaint reports from a mail provider or a DSN forwarder.

Authenticated by ``PRACTICA_MAIL_WEBHOOK_SECRET`` alone (no cookie, so no
CSRF check: :data:`practica.accounts.csrf.SECRET_AUTHENTICATED`), as a bearer
token or as HTTP Basic auth's password (what Postmark and SendGrid put in a
webhook URL's ``user:password@``), compared in constant time. The body is
capped while it arrives; it is read whole and checked before one event is
stored, and all its events are stored in one transaction.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from fastapi import Request
from pydantic import BaseModel

from practica.accounts import mail_events
from practica.accounts.delivery import MailEvent
from practica.accounts.dependencies import settings_of
from practica.errors import PracticaError

MAX_REPORT_BYTES = 256 * 1024
"""A DSN returns the original's headers (ours carry a short body at most); providers' events are small."""


class EventsReceived(BaseModel):
    received: int  # delivery events in the report (opens, clicks, deliveries are not counted)
    applied: int  # of those, the ones that matched a mail of ours


class WebhookOffError(PracticaError):
    def __init__(self) -> None:
        super().__init__(404, "the mail events webhook is off: set PRACTICA_MAIL_WEBHOOK_SECRET")


class WebhookAuthError(PracticaError):
    def __init__(self) -> None:
        super().__init__(
            401, "the webhook secret is missing or wrong", headers={"WWW-Authenticate": 'Basic realm="mail-events"'}
        )


def _presented_secret(authorization: str) -> bytes:
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip().encode()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip(), validate=True).partition(b":")[2]
        except (binascii.Error, ValueError):
            return b""
    return b""


def authenticate(request: Request) -> None:
    secret = settings_of(request).practica_mail_webhook_secret.get_secret_value().encode()
    if not secret:
        raise WebhookOffError
    if not hmac.compare_digest(_presented_secret(request.headers.get("authorization", "")), secret):
        raise WebhookAuthError


async def capped_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_REPORT_BYTES:
        raise PracticaError(413, f"the report is over {MAX_REPORT_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REPORT_BYTES:
            raise PracticaError(413, f"the report is over {MAX_REPORT_BYTES} bytes")
    return bytes(body)


def read_report(content_type: str, body: bytes, *, sns: bool) -> list[MailEvent]:
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type == "application/json" or (media_type == "text/plain" and sns):  # SNS posts JSON as text/plain
        return mail_events.from_json(body)
    if media_type in {"message/rfc822", "multipart/report"}:
        prefix = f"Content-Type: {content_type}\r\n\r\n".encode() if media_type == "multipart/report" else b""
        return mail_events.from_dsn(prefix + body)
    raise PracticaError(
        415, "Content-Type: send application/json (a provider's webhook) or message/rfc822 (a DSN mail)"
    )
