"""``POST /api/mail/events``: bounce and complaint reports from a mail provider or a DSN forwarder.

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

from fastapi import APIRouter, Request
from pydantic import BaseModel

from practica.accounts import mail_events
from practica.accounts.delivery import MailEvent, apply_event
from practica.accounts.dependencies import settings_of, transaction
from practica.accounts.responses import problems
from practica.errors import PracticaError

MAX_REPORT_BYTES = 256 * 1024
"""A DSN returns the original's headers (ours carry a short body at most); providers' events are small."""

router = APIRouter(prefix="/api/mail", tags=["mail"])


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


def _authenticate(request: Request) -> None:
    secret = settings_of(request).practica_mail_webhook_secret.get_secret_value().encode()
    if not secret:
        raise WebhookOffError
    if not hmac.compare_digest(_presented_secret(request.headers.get("authorization", "")), secret):
        raise WebhookAuthError


async def _capped_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_REPORT_BYTES:
        raise PracticaError(413, f"the report is over {MAX_REPORT_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REPORT_BYTES:
            raise PracticaError(413, f"the report is over {MAX_REPORT_BYTES} bytes")
    return bytes(body)


def _read_report(content_type: str, body: bytes, *, sns: bool) -> list[MailEvent]:
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type == "application/json" or (media_type == "text/plain" and sns):  # SNS posts JSON as text/plain
        return mail_events.from_json(body)
    if media_type in {"message/rfc822", "multipart/report"}:
        prefix = f"Content-Type: {content_type}\r\n\r\n".encode() if media_type == "multipart/report" else b""
        return mail_events.from_dsn(prefix + body)
    raise PracticaError(
        415, "Content-Type: send application/json (a provider's webhook) or message/rfc822 (a DSN mail)"
    )


@router.post("/events", responses=problems(401, 404, 413, 415, 422))
async def mail_events_webhook(request: Request) -> EventsReceived:
    """Bounces and complaints: a DSN (``message/rfc822``), Postmark's, Mailgun's or SendGrid's JSON, or an SES
    notification through SNS."""
    _authenticate(request)
    sns = "x-amz-sns-message-type" in request.headers
    events = _read_report(request.headers.get("content-type", ""), await _capped_body(request), sns=sns)
    async with transaction(request) as session:
        applied = [await apply_event(session, event) for event in events]
    return EventsReceived(received=len(events), applied=sum(applied))
