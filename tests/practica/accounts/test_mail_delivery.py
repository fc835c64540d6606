"""Each mail's delivery state from what a real SMTP server (aiosmtpd) answers, and suppressed addresses."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry

from practica.accounts.delivery import MAX_ATTEMPTS
from practica.accounts.models import MailState
from practica.accounts.tasks import purge
from practica.jobs.queue import QUEUES
from practica.monitoring.exporter import SystemMetrics
from practica.monitoring.queries import MAIL_STATES
from servicekit.database import make_engine, make_sessionmaker
from tests.practica.accounts.conftest import MailLab
from tests.practica.accounts.factories import UserFactory, csrf_headers, sign_in


def test_a_sent_mail_is_sent_with_the_message_id_it_keeps_and_no_body(mail_lab: MailLab) -> None:
    mail_lab.user("ada@example.org")
    mail_lab.mail_a_reset_link("ada@example.org")
    assert mail_lab.mails() == [("ada@example.org", "sent", 250, "OK", 0, False)]
    [(message_id,)] = mail_lab.site.sql("SELECT message_id FROM mail_outbox")
    [received] = mail_lab.inbox.messages
    assert received["Message-ID"] == message_id


def test_a_550_at_rcpt_bounces_the_mail_and_suppresses_the_address(mail_lab: MailLab) -> None:
    mail_lab.user("gone@example.org")
    mail_lab.inbox.rcpt_answers["gone@example.org"] = ["550 5.1.1 No such user here"]
    mail_lab.mail_a_reset_link("gone@example.org")
    assert mail_lab.mails() == [("gone@example.org", "bounced", 550, "5.1.1 No such user here", 1, False)]
    assert mail_lab.suppressions() == [("gone@example.org", "bounced")]
    [(status,)] = mail_lab.site.sql("SELECT status FROM procrastinate_jobs WHERE task_name LIKE '%send_mail'")
    assert status == "succeeded"  # a hard bounce is not retried


def test_metrics_count_the_days_mail_by_state_and_the_suppressed_addresses(mail_lab: MailLab) -> None:
    mail_lab.user("ada@example.org")
    mail_lab.user("gone@example.org")
    mail_lab.inbox.rcpt_answers["gone@example.org"] = ["550 5.1.1 No such user here"]
    mail_lab.mail_a_reset_link("ada@example.org")
    mail_lab.mail_a_reset_link("gone@example.org")
    registry = CollectorRegistry()
    asyncio.run(_refresh(SystemMetrics(registry, mail_lab.site.settings.practica_home, QUEUES), mail_lab.site.url))
    for state, count in {"sent": 1, "bounced": 1, "deferred": 0, "complained": 0, "suppressed": 0}.items():
        assert registry.get_sample_value("practica_mail_recent", {"state": state}) == count
    assert registry.get_sample_value("practica_mail_suppressed_addresses") == 1
    assert set(MAIL_STATES) == {state.value for state in MailState}  # the exporter names every state


async def _refresh(metrics: SystemMetrics, url: str) -> None:
    engine = make_engine(url, pool_size=1)
    try:
        await metrics.refresh(engine)
    finally:
        await engine.dispose()


def test_a_554_after_data_bounces_too(mail_lab: MailLab) -> None:
    mail_lab.user("picky@example.org")
    mail_lab.inbox.data_answers["picky@example.org"] = ["554 5.7.1 Message refused"]
    mail_lab.mail_a_reset_link("picky@example.org")
    assert [row[1:3] for row in mail_lab.mails()] == [("bounced", 554)]
    assert mail_lab.suppressions() == [("picky@example.org", "bounced")]


def test_a_451_defers_the_mail_and_the_retry_sends_it(mail_lab: MailLab) -> None:
    mail_lab.user("busy@example.org")
    mail_lab.inbox.rcpt_answers["busy@example.org"] = ["451 4.7.1 Greylisted, try again later"]
    mail_lab.mail_a_reset_link("busy@example.org")
    assert mail_lab.mails() == [("busy@example.org", "deferred", 451, "4.7.1 Greylisted, try again later", 1, True)]
    [(first_id,)] = mail_lab.site.sql("SELECT message_id FROM mail_outbox")
    mail_lab.retry_now()
    assert [row[1:3] for row in mail_lab.mails()] == [("sent", 250)]
    assert [message["Message-ID"] for message in mail_lab.inbox.messages] == [first_id]  # the same Message-ID
    assert mail_lab.suppressions() == []


def test_a_mail_that_keeps_failing_for_now_bounces_when_its_tries_run_out_and_suppresses_nothing(
    mail_lab: MailLab,
) -> None:
    mail_lab.user("slow@example.org")
    mail_lab.inbox.rcpt_answers["slow@example.org"] = ["421 4.3.2 Not now"] * 2
    mail_lab.mail_a_reset_link("slow@example.org")
    mail_lab.site.sql("UPDATE mail_outbox SET attempts = :n", n=MAX_ATTEMPTS - 1)
    mail_lab.retry_now()
    [(_, state, code, message, attempts, body_kept)] = mail_lab.mails()
    assert (state, code, attempts, body_kept) == ("bounced", 421, MAX_ATTEMPTS, False)
    assert message.startswith(f"gave up after {MAX_ATTEMPTS} tries")
    assert mail_lab.suppressions() == []


def test_a_suppressed_address_gets_no_mail_until_an_admin_lifts_the_suppression(mail_lab: MailLab) -> None:
    user_id = mail_lab.user("gone@example.org")
    mail_lab.inbox.rcpt_answers["gone@example.org"] = ["550 5.1.1 No such user here"]
    mail_lab.mail_a_reset_link("gone@example.org")
    tries = len(mail_lab.inbox.rcpt_tries)

    mail_lab.mail_a_reset_link("gone@example.org")
    assert [row[1] for row in mail_lab.mails()] == ["bounced", "suppressed"]
    assert len(mail_lab.inbox.rcpt_tries) == tries  # the server was not even asked
    assert mail_lab.mails()[1][5] is False  # its body (a reset link) is wiped

    admin = mail_lab.browser_of_admin()
    shown = admin.get(f"/api/admin/users/{user_id}/mail").json()
    assert [mail["state"] for mail in shown["mails"]] == ["suppressed", "bounced"]
    assert shown["mails"][1]["smtp_code"] == 550
    assert shown["suppression"]["reason"] == "bounced"
    lifted = admin.delete(f"/api/admin/users/{user_id}/mail/suppression", headers=csrf_headers(admin))
    assert lifted.status_code == 200
    assert lifted.json()["suppression"] is None
    again = admin.delete(f"/api/admin/users/{user_id}/mail/suppression", headers=csrf_headers(admin))
    assert again.status_code == 404

    mail_lab.mail_a_reset_link("gone@example.org")
    assert [row[1] for row in mail_lab.mails()] == ["bounced", "suppressed", "sent"]
    assert [message["To"] for message in mail_lab.inbox.messages] == ["gone@example.org"]


def test_only_admins_see_a_users_mail_or_lift_a_suppression(mail_lab: MailLab) -> None:
    [learner] = mail_lab.site.save(UserFactory.build())
    browser = mail_lab.site.browser()
    sign_in(browser, learner.email)
    assert browser.get(f"/api/admin/users/{learner.id}/mail").status_code == 403
    headers = csrf_headers(browser)
    assert browser.delete(f"/api/admin/users/{learner.id}/mail/suppression", headers=headers).status_code == 403
    admin = mail_lab.browser_of_admin()
    assert admin.get("/api/admin/users/999999/mail").status_code == 404
    assert admin.get(f"/api/admin/users/{learner.id}/mail").json() == {
        "address": learner.email,
        "mails": [],
        "suppression": None,
    }


def test_the_purge_gives_up_week_old_unsent_mail_wipes_bodies_and_keeps_records_90_days(mail_lab: MailLab) -> None:
    mail_lab.site.sql(
        "INSERT INTO mail_outbox (recipient, subject, body, state, created_at) VALUES "
        "('old@example.org', 'Stuck', 'a reset link', 'deferred', now() - interval '8 days'), "
        "('old@example.org', 'Fresh', 'a reset link', 'queued', now()), "
        "('old@example.org', 'Sent', '', 'sent', now() - interval '30 days'), "
        "('old@example.org', 'Ancient', '', 'sent', now() - interval '91 days')"
    )
    asyncio.run(_purge(mail_lab.site.url))
    assert mail_lab.site.sql("SELECT subject, state, body <> '' FROM mail_outbox ORDER BY id") == [
        ("Stuck", "bounced", False),
        ("Fresh", "queued", True),
        ("Sent", "sent", False),
    ]


async def _purge(url: str) -> None:
    engine = make_engine(url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            await purge(session)
    finally:
        await engine.dispose()
