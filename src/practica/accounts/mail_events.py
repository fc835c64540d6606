"""Bounce and complaint reports, read into :class:`~practica.accounts.delivery.MailEvent`: an RFC 3464 DSN, and the
webhooks of Postmark, Mailgun and SendGrid, and Amazon SES notifications through SNS.

Every report is read whole before anything is stored: one field that is
missing or of the wrong type refuses the request (422, naming the field), so a
half-understood batch changes nothing. Events that say nothing about delivery
(opens, clicks, "delivered") are counted and left alone.

Matching: a DSN names our Message-ID (``Original-Message-ID``, or the
returned headers' ``Message-ID``); Mailgun and SendGrid carry the Message-ID
header the mail was sent with, and SES its ``mail.commonHeaders.messageId``
(when the notification includes the headers). Postmark's ``MessageID`` is its
own, so a Postmark report (or an SES one without headers) matches the latest
mail handed over to its address.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import json
from collections.abc import Callable
from typing import Any

import structlog

from practica.accounts.delivery import EventKind, MailEvent
from practica.errors import PracticaError

log = structlog.get_logger(__name__)


class MalformedReportError(PracticaError):
    """422 naming the field (a JSON path, or a DSN header) that is missing or not what the format says."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(422, f"{field}: {problem}", extra={"field": field})


def _field(data: dict[str, Any], key: str, path: str, kind: type | tuple[type, ...] = str) -> Any:
    """``data[key]``, which must be a ``kind``; else 422 naming ``path``."""
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise MalformedReportError(path, "missing" if value is None else f"must be a {expected}")
    return value


def _optional(data: dict[str, Any], key: str, path: str, kind: type | tuple[type, ...] = str) -> Any:
    return None if data.get(key) is None else _field(data, key, path, kind)


def _smtp_code(value: object) -> int | None:
    text = str(value or "").strip()[:3]
    return int(text) if text.isdigit() else None


_POSTMARK_HARD = {"HardBounce", "BadEmailAddress", "ManuallyDeactivated"}
_POSTMARK_SOFT = {"SoftBounce", "Transient", "DnsError"}


def postmark(data: dict[str, Any]) -> list[MailEvent]:
    """Postmark's Bounce and SpamComplaint webhooks (``RecordType``); other record types are ignored."""
    record = _field(data, "RecordType", "RecordType")
    if record not in {"Bounce", "SpamComplaint"}:
        return []
    recipient = _field(data, "Email", "Email")
    bounce_type = _field(data, "Type", "Type")
    detail = " ".join(filter(None, [bounce_type, _optional(data, "Details", "Details")]))[:1000]
    if record == "SpamComplaint" or bounce_type == "SpamComplaint":
        return [MailEvent(EventKind.COMPLAINT, recipient, None, detail)]
    if bounce_type in _POSTMARK_HARD:
        return [MailEvent(EventKind.HARD_BOUNCE, recipient, None, detail)]
    if bounce_type in _POSTMARK_SOFT:
        return [MailEvent(EventKind.SOFT_BOUNCE, recipient, None, detail)]
    return []  # auto-replies, subscription changes, …: no delivery failure


def mailgun(data: dict[str, Any]) -> list[MailEvent]:
    """Mailgun's webhook: ``event-data`` with ``event`` failed (``severity`` permanent/temporary) or complained."""
    event = _field(data, "event-data", "event-data", dict)
    name = _field(event, "event", "event-data.event")
    if name not in {"failed", "complained"}:
        return []
    recipient = _field(event, "recipient", "event-data.recipient")
    message = _field(event, "message", "event-data.message", dict)
    headers = _field(message, "headers", "event-data.message.headers", dict)
    message_id = _field(headers, "message-id", "event-data.message.headers.message-id")
    if name == "complained":
        return [MailEvent(EventKind.COMPLAINT, recipient, message_id, "complained")]
    severity = _field(event, "severity", "event-data.severity")
    if severity not in {"permanent", "temporary"}:
        raise MalformedReportError("event-data.severity", "must be permanent or temporary")
    status = _optional(event, "delivery-status", "event-data.delivery-status", dict) or {}
    code = _optional(status, "code", "event-data.delivery-status.code", (int, str))
    text = status.get("message") or status.get("description") or event.get("reason") or severity
    kind = EventKind.HARD_BOUNCE if severity == "permanent" else EventKind.SOFT_BOUNCE
    return [MailEvent(kind, recipient, message_id, str(text)[:1000], _smtp_code(code))]


def _sendgrid_event(item: object, path: str) -> list[MailEvent]:
    if not isinstance(item, dict):
        raise MalformedReportError(path, "must be an object")
    name = _field(item, "event", f"{path}.event")
    if name not in {"bounce", "dropped", "deferred", "spamreport"}:
        return []
    recipient = _field(item, "email", f"{path}.email")
    message_id = _optional(item, "smtp-id", f"{path}.smtp-id")
    detail = str(item.get("reason") or item.get("response") or name)[:1000]
    code = _smtp_code(item.get("status"))
    if name == "spamreport":
        return [MailEvent(EventKind.COMPLAINT, recipient, message_id, detail)]
    if name == "deferred" or (name == "bounce" and item.get("type") == "blocked"):
        return [MailEvent(EventKind.SOFT_BOUNCE, recipient, message_id, detail, code)]
    if name == "dropped" and "bounced" not in detail.lower():  # dropped for a reason other than an earlier bounce
        return []
    return [MailEvent(EventKind.HARD_BOUNCE, recipient, message_id, detail, code)]


def sendgrid(data: list[Any]) -> list[MailEvent]:
    """SendGrid's event webhook: an array of events; bounce, dropped (after a bounce), deferred, spamreport."""
    return [event for index, item in enumerate(data) for event in _sendgrid_event(item, f"[{index}]")]


def _ses_recipients(report: dict[str, Any], key: str, path: str) -> list[dict[str, Any]]:
    recipients: list[dict[str, Any]] = _field(report, key, path, list)
    for index, recipient in enumerate(recipients):
        if not isinstance(recipient, dict):
            raise MalformedReportError(f"{path}[{index}]", "must be an object")
        _field(recipient, "emailAddress", f"{path}[{index}].emailAddress")
    return recipients


def _ses_bounce(report: dict[str, Any], message_id: str | None) -> list[MailEvent]:
    bounce = _field(report, "bounce", "Message.bounce", dict)
    bounce_type = _field(bounce, "bounceType", "Message.bounce.bounceType")
    kind = EventKind.HARD_BOUNCE if bounce_type == "Permanent" else EventKind.SOFT_BOUNCE  # Transient, Undetermined
    recipients = _ses_recipients(bounce, "bouncedRecipients", "Message.bounce.bouncedRecipients")
    return [
        MailEvent(
            kind,
            recipient["emailAddress"],
            message_id,
            " ".join(filter(None, [str(recipient.get("status") or bounce_type), recipient.get("diagnosticCode")])),
            _smtp_code(str(recipient.get("diagnosticCode") or "").partition(";")[2]),
        )
        for recipient in recipients
    ]


def ses(report: dict[str, Any]) -> list[MailEvent]:
    """An Amazon SES notification (``notificationType``, or ``eventType`` from event publishing): Bounce and
    Complaint; Delivery and the rest are ignored."""
    kind = report.get("notificationType") or report.get("eventType")
    if not isinstance(kind, str):
        raise MalformedReportError("Message.notificationType", "missing")
    if kind not in {"Bounce", "Complaint"}:
        return []
    mail = _field(report, "mail", "Message.mail", dict)
    headers = _optional(mail, "commonHeaders", "Message.mail.commonHeaders", dict) or {}
    message_id = _optional(headers, "messageId", "Message.mail.commonHeaders.messageId")
    if kind == "Bounce":
        return _ses_bounce(report, message_id)
    complaint = _field(report, "complaint", "Message.complaint", dict)
    recipients = _ses_recipients(complaint, "complainedRecipients", "Message.complaint.complainedRecipients")
    detail = str(complaint.get("complaintFeedbackType") or "complaint")
    return [MailEvent(EventKind.COMPLAINT, item["emailAddress"], message_id, detail) for item in recipients]


_SNS_TYPES = {"Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"}


def sns(envelope: dict[str, Any]) -> list[MailEvent]:
    """An SNS delivery: a Notification carries an SES notification as a JSON string in ``Message``. A
    SubscriptionConfirmation is logged with its URL for the operator to open (Practica fetches nothing)."""
    kind = _field(envelope, "Type", "Type")
    if kind == "SubscriptionConfirmation":
        log.warning("mail.sns_subscription", topic=envelope.get("TopicArn"), confirm_at=envelope.get("SubscribeURL"))
        return []
    if kind != "Notification":
        return []
    try:
        report = json.loads(_field(envelope, "Message", "Message"))
    except json.JSONDecodeError:
        raise MalformedReportError("Message", "not JSON") from None
    if not isinstance(report, dict):
        raise MalformedReportError("Message", "must be a JSON object")
    return ses(report)


def from_json(body: bytes) -> list[MailEvent]:
    """A provider's JSON, told apart by its shape: a list (SendGrid), ``event-data`` (Mailgun), ``RecordType``
    (Postmark), ``Type`` and ``Message`` (SNS carrying SES)."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedReportError("body", f"not JSON ({error})") from None
    if isinstance(data, list):
        return sendgrid(data)
    readers: dict[str, Callable[[dict[str, Any]], list[MailEvent]]] = {
        "event-data": mailgun,
        "RecordType": postmark,
        "notificationType": ses,
        "eventType": ses,
    }
    if isinstance(data, dict) and data.get("Type") in _SNS_TYPES:
        return sns(data)
    if isinstance(data, dict):
        for key, reader in readers.items():
            if key in data:
                return reader(data)
    raise MalformedReportError(
        "body",
        "not a known format: a Postmark webhook (RecordType), Mailgun's (event-data), SendGrid's (a list) or an "
        "SES notification through SNS (Type, Message)",
    )


def _parts(message: email.message.Message, content_type: str) -> list[email.message.Message]:
    return [part for part in message.walk() if part.get_content_type() == content_type]


def _returned_message_id(report: email.message.Message) -> str | None:
    for kind in ("message/rfc822", "text/rfc822-headers"):
        for part in _parts(report, kind):
            payload = part.get_payload()
            original = payload[0] if isinstance(payload, list) and payload else None
            if original is None and isinstance(payload, str):
                original = email.message_from_string(payload.lstrip(), policy=email.policy.compat32)
            if isinstance(original, email.message.Message) and original.get("Message-ID"):
                return str(original["Message-ID"]).strip()
    return None


def _dsn_event(fields: email.message.Message, message_id: str) -> MailEvent | None:
    action = str(fields.get("Action", "")).strip().lower()
    status = str(fields.get("Status", "")).strip()
    if not action:
        raise MalformedReportError("Action", "missing in a per-recipient block")
    if action not in {"failed", "delayed"}:  # delivered, relayed, expanded: no failure
        return None
    if status[:1] not in {"4", "5"}:
        raise MalformedReportError("Status", "must be a 4.x.x or 5.x.x code for a failed or delayed recipient")
    recipient = str(fields.get("Final-Recipient") or fields.get("Original-Recipient") or "").partition(";")[2].strip()
    diagnostic = str(fields.get("Diagnostic-Code", "")).partition(";")[2].strip()
    detail = f"{status} {diagnostic}".strip()[:1000]
    kind = EventKind.HARD_BOUNCE if status.startswith("5") and action == "failed" else EventKind.SOFT_BOUNCE
    return MailEvent(kind, recipient or None, message_id, detail, _smtp_code(diagnostic))


def from_dsn(body: bytes) -> list[MailEvent]:
    """An RFC 3464 delivery status notification (multipart/report with a message/delivery-status part)."""
    report = email.message_from_bytes(body, policy=email.policy.compat32)
    status_parts = _parts(report, "message/delivery-status")
    if not status_parts:
        raise MalformedReportError("message/delivery-status", "the report has no delivery-status part")
    status_part = status_parts[0]
    blocks = [block for block in status_part.get_payload() if isinstance(block, email.message.Message)]
    if len(blocks) < 2:  # the per-message block, then one per recipient
        raise MalformedReportError("message/delivery-status", "no per-recipient block")
    message_id = blocks[0].get("Original-Message-ID") or _returned_message_id(report)
    if not message_id:
        raise MalformedReportError("Original-Message-ID", "missing, and the report returns no Message-ID header")
    events = [_dsn_event(fields, str(message_id).strip()) for fields in blocks[1:]]
    return [event for event in events if event is not None]
