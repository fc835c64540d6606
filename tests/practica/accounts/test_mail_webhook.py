"""``POST /api/mail/events``: bounce and complaint reports (a DSN, Postmark, Mailgun, SendGrid) move the mail they
name and suppress its address; anything malformed changes nothing."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.practica.accounts.conftest import WEBHOOK_SECRET, MailLab, Site

URL = "/api/mail/events"
BEARER = {"Authorization": f"Bearer {WEBHOOK_SECRET}"}


def sent_mail(lab: MailLab, email: str = "ada@example.org") -> str:
    """A mail handed over to the SMTP server; its Message-ID."""
    lab.user(email)
    lab.mail_a_reset_link(email)
    [(state, message_id)] = lab.site.sql("SELECT state, message_id FROM mail_outbox WHERE recipient = :r", r=email)
    assert state == "sent"
    return str(message_id)


def report(lab: MailLab, body: Any, *, headers: dict[str, str] | None = None) -> Any:
    return lab.site.browser().post(URL, json=body, headers=BEARER if headers is None else headers)


def dsn(message_id: str, *, status: str = "5.1.1", action: str = "failed", in_returned_headers: bool = False) -> bytes:
    """A bounce as a mail server sends it (RFC 3464 multipart/report), naming the original by its Message-ID."""
    per_message = "Reporting-MTA: dns; mx.example.org\r\n"
    per_message += "" if in_returned_headers else f"Original-Message-ID: {message_id}\r\n"
    returned = f"From: practica@localhost\r\nTo: ada@example.org\r\nMessage-ID: {message_id}\r\n"
    return (
        "From: MAILER-DAEMON@mx.example.org\r\nTo: bounces@practica.example.org\r\nSubject: Undelivered Mail\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nYour mail could not be delivered.\r\n"
        f"--b1\r\nContent-Type: message/delivery-status\r\n\r\n{per_message}\r\n"
        f"Final-Recipient: rfc822; ada@example.org\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} mailbox unavailable\r\n\r\n"
        f"--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n{returned}\r\n"
        "--b1--\r\n"
    ).encode()


def post_dsn(lab: MailLab, body: bytes) -> Any:
    return lab.site.browser().post(URL, content=body, headers={**BEARER, "Content-Type": "message/rfc822"})


def state_of(lab: MailLab, email: str = "ada@example.org") -> tuple[str, str]:
    [(state, message)] = lab.site.sql("SELECT state, smtp_message FROM mail_outbox WHERE recipient = :r", r=email)
    return state, message


def test_a_dsn_naming_our_message_id_bounces_the_mail_and_suppresses_the_address(mail_lab: MailLab) -> None:
    message_id = sent_mail(mail_lab)
    answer = post_dsn(mail_lab, dsn(message_id))
    assert answer.json() == {"received": 1, "applied": 1}
    assert state_of(mail_lab) == ("bounced", "5.1.1 550 5.1.1 mailbox unavailable")
    assert mail_lab.suppressions() == [("ada@example.org", "bounced")]


def test_a_dsn_found_by_the_returned_headers_message_id_and_a_delay_only_defers(mail_lab: MailLab) -> None:
    message_id = sent_mail(mail_lab)
    delayed = post_dsn(mail_lab, dsn(message_id, status="4.4.7", action="delayed", in_returned_headers=True))
    assert delayed.json() == {"received": 1, "applied": 1}
    assert state_of(mail_lab)[0] == "deferred"
    assert mail_lab.suppressions() == []


def test_a_dsn_of_a_mail_not_ours_changes_nothing(mail_lab: MailLab) -> None:
    sent_mail(mail_lab)
    assert post_dsn(mail_lab, dsn("<someone-else@example.net>")).json() == {"received": 1, "applied": 0}
    assert state_of(mail_lab)[0] == "sent"


def test_a_postmark_hard_bounce_and_spam_complaint(mail_lab: MailLab) -> None:
    sent_mail(mail_lab, "ada@example.org")
    sent_mail(mail_lab, "bob@example.org")
    bounce = {
        "RecordType": "Bounce",
        "ID": 42,
        "Type": "HardBounce",
        "TypeCode": 1,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",  # Postmark's own id: found by Email instead
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": "ada@example.org",
        "BouncedAt": "2026-12-06T05:00:00Z",
    }
    assert report(mail_lab, bounce).json() == {"received": 1, "applied": 1}
    assert state_of(mail_lab, "ada@example.org")[0] == "bounced"
    complaint = {"RecordType": "SpamComplaint", "Type": "SpamComplaint", "TypeCode": 512, "Email": "bob@example.org"}
    assert report(mail_lab, complaint).json() == {"received": 1, "applied": 1}
    assert state_of(mail_lab, "bob@example.org")[0] == "complained"
    assert mail_lab.suppressions() == [("ada@example.org", "bounced"), ("bob@example.org", "complained")]


def mailgun(event: str, message_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "signature": {"timestamp": "1733461200", "token": "t", "signature": "s"},
        "event-data": {
            "event": event,
            "recipient": "ada@example.org",
            "message": {"headers": {"message-id": message_id.strip("<>"), "to": "ada@example.org"}},
            **extra,
        },
    }


def test_mailgun_failures_permanent_and_temporary_and_complaints(mail_lab: MailLab) -> None:
    message_id = sent_mail(mail_lab)
    temporary = mailgun(
        "failed", message_id, severity="temporary", **{"delivery-status": {"code": 452, "message": "Mailbox full"}}
    )
    assert report(mail_lab, temporary).json() == {"received": 1, "applied": 1}
    assert state_of(mail_lab) == ("deferred", "Mailbox full")
    permanent = mailgun(
        "failed", message_id, severity="permanent", **{"delivery-status": {"code": 550, "message": "No such user"}}
    )
    assert report(mail_lab, permanent).json() == {"received": 1, "applied": 1}
    assert state_of(mail_lab) == ("bounced", "No such user")
    assert report(mail_lab, mailgun("complained", message_id)).json() == {"received": 1, "applied": 1}
    assert state_of(mail_lab)[0] == "complained"
    assert mail_lab.suppressions() == [("ada@example.org", "complained")]
    assert report(mail_lab, mailgun("delivered", message_id)).json() == {"received": 0, "applied": 0}


def test_a_sendgrid_batch_bounces_and_ignores_other_events(mail_lab: MailLab) -> None:
    message_id = sent_mail(mail_lab)
    events = [
        {"email": "ada@example.org", "event": "processed", "smtp-id": message_id},
        {"email": "ada@example.org", "event": "delivered", "smtp-id": message_id, "response": "250 OK"},
        {
            "email": "ada@example.org",
            "event": "bounce",
            "type": "bounce",
            "smtp-id": message_id,
            "status": "5.1.1",
            "reason": "550 5.1.1 unknown user",
        },
    ]
    assert report(mail_lab, events).json() == {"received": 1, "applied": 1}
    assert state_of(mail_lab) == ("bounced", "550 5.1.1 unknown user")
    assert mail_lab.suppressions() == [("ada@example.org", "bounced")]


def sns_notification(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:ses-bounces",
        "Message": json.dumps(report),
        "Timestamp": "2026-12-06T05:00:00.000Z",
    }


def post_sns(lab: MailLab, envelope: dict[str, Any]) -> Any:
    """As SNS posts: JSON sent as text/plain, with its message-type header, Basic auth from the endpoint URL."""
    headers = {**basic(WEBHOOK_SECRET), "Content-Type": "text/plain; charset=UTF-8"}
    headers["x-amz-sns-message-type"] = envelope["Type"]
    return lab.site.browser().post(URL, content=json.dumps(envelope).encode(), headers=headers)


def test_amazon_ses_bounces_and_complaints_through_sns(mail_lab: MailLab) -> None:
    message_id = sent_mail(mail_lab, "ada@example.org")
    sent_mail(mail_lab, "bob@example.org")
    bounce = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [
                {"emailAddress": "ada@example.org", "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 unknown"}
            ],
        },
        "mail": {"messageId": "0102015fd91a5ca3-ses-own", "commonHeaders": {"messageId": message_id}},
    }
    assert post_sns(mail_lab, sns_notification(bounce)).json() == {"received": 1, "applied": 1}
    assert state_of(mail_lab, "ada@example.org") == ("bounced", "5.1.1 smtp; 550 5.1.1 unknown")
    complaint = {  # no headers in the notification: matched by the address
        "notificationType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": "bob@example.org"}], "complaintFeedbackType": "abuse"},
        "mail": {"messageId": "0102015fd91a5ca3-ses-other"},
    }
    assert post_sns(mail_lab, sns_notification(complaint)).json() == {"received": 1, "applied": 1}
    assert state_of(mail_lab, "bob@example.org") == ("complained", "abuse")
    assert mail_lab.suppressions() == [("ada@example.org", "bounced"), ("bob@example.org", "complained")]
    confirmation = {
        "Type": "SubscriptionConfirmation",
        "Message": "You have chosen to subscribe to the topic …",
        "SubscribeURL": "https://sns.example/confirm",
    }
    assert post_sns(mail_lab, confirmation).json() == {"received": 0, "applied": 0}  # logged for the operator


def basic(password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"postmark:{password}".encode()).decode()}


def test_the_secret_comes_as_a_bearer_token_or_basic_auth_password_and_nothing_else_gets_in(mail_lab: MailLab) -> None:
    message_id = sent_mail(mail_lab)
    body = mailgun("complained", message_id)
    for headers in ({}, {"Authorization": "Bearer wrong"}, basic("wrong"), {"Authorization": "Basic !!"}):
        refused = report(mail_lab, body, headers=headers)
        assert refused.status_code == 401, headers
        assert refused.json()["detail"] == "the webhook secret is missing or wrong"
    assert state_of(mail_lab)[0] == "sent"
    assert report(mail_lab, body, headers=basic(WEBHOOK_SECRET)).json() == {"received": 1, "applied": 1}


def test_without_a_secret_set_the_webhook_is_off(site: Site) -> None:
    answer = site.client.post(URL, json=[], headers={"Authorization": "Bearer "})
    assert answer.status_code == 404
    assert "PRACTICA_MAIL_WEBHOOK_SECRET" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"RecordType": "Bounce", "Type": "HardBounce"}, "Email"),
        ({"RecordType": "Bounce", "Email": "ada@example.org", "Type": 1}, "Type"),
        ({"event-data": {"event": "failed", "message": {"headers": {"message-id": "x"}}}}, "event-data.recipient"),
        ({"event-data": {"event": "failed", "recipient": "a@b", "message": {}}}, "event-data.message.headers"),
        ({"signature": {}}, "body"),
        ([{"event": "bounce"}], "[0].email"),
        (["bounce"], "[0]"),
        ({"Type": "Notification", "Message": "{nope"}, "Message"),
        ({"Type": "Notification", "Message": json.dumps({"notificationType": "Bounce", "mail": {}})}, "Message.bounce"),
    ],
)
def test_a_malformed_report_is_refused_naming_the_field(mail_lab: MailLab, body: Any, field: str) -> None:
    sent_mail(mail_lab)
    answer = report(mail_lab, body)
    assert answer.status_code == 422
    assert answer.json()["field"] == field


def test_a_batch_with_one_malformed_event_stores_none_of_it(mail_lab: MailLab) -> None:
    message_id = sent_mail(mail_lab)
    good = {"email": "ada@example.org", "event": "spamreport", "smtp-id": message_id}
    answer = report(mail_lab, [good, {"event": "bounce", "email": 7}])
    assert (answer.status_code, answer.json()["field"]) == (422, "[1].email")
    assert state_of(mail_lab)[0] == "sent"
    assert mail_lab.suppressions() == []


def test_bodies_that_are_not_a_report_are_refused(mail_lab: MailLab) -> None:
    message_id = sent_mail(mail_lab)
    browser = mail_lab.site.browser()
    not_json = browser.post(URL, content=b"{nope", headers={**BEARER, "Content-Type": "application/json"})
    assert (not_json.status_code, not_json.json()["field"]) == (422, "body")
    plain = browser.post(URL, content=b"hello", headers={**BEARER, "Content-Type": "text/plain"})
    assert plain.status_code == 415
    no_status = post_dsn(mail_lab, b"From: x@example.org\r\nSubject: hi\r\n\r\nnot a report\r\n")
    assert (no_status.status_code, no_status.json()["field"]) == (422, "message/delivery-status")
    no_id = dsn(message_id, in_returned_headers=True).replace(f"Message-ID: {message_id}".encode(), b"X-Gone: 1")
    assert post_dsn(mail_lab, no_id).json()["field"] == "Original-Message-ID"
    bad_status = post_dsn(mail_lab, dsn(message_id, status="2.0.0"))
    assert (bad_status.status_code, bad_status.json()["field"]) == (422, "Status")
    huge = json.dumps([{"event": "open", "email": "x" * 300_000}]).encode()
    too_big = browser.post(URL, content=huge, headers={**BEARER, "Content-Type": "application/json"})
    assert too_big.status_code == 413
    assert state_of(mail_lab)[0] == "sent"


def test_undecodable_bytes_and_nul_in_a_dsn_are_stored_cleaned_and_nul_in_json_refused(mail_lab: MailLab) -> None:
    message_id = sent_mail(mail_lab)
    latin1 = dsn(message_id).replace(b"mailbox unavailable", b"bo\xeete pleine\x00")
    assert post_dsn(mail_lab, latin1).json() == {"received": 1, "applied": 1}
    assert state_of(mail_lab) == ("bounced", "5.1.1 550 5.1.1 bo\ufffdte pleine")
    nul = {"RecordType": "Bounce", "Type": "HardBounce", "Email": "nobody\u0000@example.org", "Details": "x\u0000"}
    refused = report(mail_lab, nul)  # the web app's input guard refuses NUL in any JSON body
    assert (refused.status_code, refused.json()["detail"][0]["loc"]) == (422, ["body", "Email"])
