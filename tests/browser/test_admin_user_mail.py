"""The admin user page's Mail section: a user's mail with its delivery state, and lifting a suppression."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import text

from servicekit.database import make_engine
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser]

WIDE = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "a long password"
MAILS = """
INSERT INTO mail_outbox (recipient, subject, body, state, attempts, smtp_code, smtp_message, message_id, created_at)
VALUES
  ('gone@example.org', 'Confirm your address', '', 'sent', 0, 250, 'OK', '<a@practica.example.org>',
   now() - interval '2 days'),
  ('gone@example.org', 'Reset your password', 'x', 'deferred', 1, 451, '4.7.1 Greylisted, try again later',
   '<b@practica.example.org>', now() - interval '1 day'),
  ('gone@example.org', 'Reset your password', '', 'bounced', 1, 550, '5.1.1 <gone@example.org>: No such user here',
   '<c@practica.example.org>', now() - interval '2 hours'),
  ('gone@example.org', 'Reset your password', '', 'suppressed', 0, NULL,
   'not sent: the address bounced (550 5.1.1 No such user here)', '<d@practica.example.org>', now());
INSERT INTO mail_suppressions (address, reason, detail)
VALUES ('gone@example.org', 'bounced', '550 5.1.1 No such user here')
"""


def practica(url: str, *args: str, stdin: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    command = [sys.executable, "-m", "practica", *args]
    done = subprocess.run(command, env=env, input=stdin, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


async def run_sql(url: str, statements: str) -> None:
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            for statement in statements.split(";"):
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def test_an_admin_sees_a_users_mail_and_lifts_their_suppression(
    page: Page, live_server: str, practica_db_url: str
) -> None:
    for email, role in (("root@example.org", "admin"), ("gone@example.org", "learner")):
        practica(practica_db_url, "user", "create", email, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
    await run_sql(practica_db_url, MAILS)
    await page.set_viewport_size(WIDE)
    await page.goto(f"{live_server}/signin")
    await page.get_by_label("Email").fill("root@example.org")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    await page.goto(f"{live_server}/admin/users")
    await page.get_by_role("row").filter(has_text="gone@example.org").get_by_role("link").click()
    mail = page.get_by_role("region", name="Mail", exact=True)
    await expect(mail.get_by_role("row")).to_have_count(5)  # the header and four mails
    await expect(mail.get_by_role("row").nth(1)).to_contain_text("suppressed")
    await expect(mail).to_contain_text("550 5.1.1 <gone@example.org>: No such user here")
    await expect(mail.get_by_role("group", name="Suppression")).to_contain_text("gone@example.org bounced")
    await screenshot(page, "admin-user-mail")
    await page.set_viewport_size(PHONE)
    await screenshot(page, "admin-user-mail-390")
    await page.set_viewport_size(WIDE)

    await mail.get_by_role("button", name="Lift").click()
    dialog = page.get_by_role("alertdialog")
    await expect(dialog).to_contain_text("Send mail to gone@example.org again?")
    await screenshot(page, "admin-user-mail-lift")
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(mail.get_by_role("group", name="Suppression")).to_be_visible()  # asking first: nothing changed

    await mail.get_by_role("button", name="Lift").click()
    await page.get_by_role("alertdialog").get_by_role("button", name="Lift").click()
    await expect(mail.get_by_role("status")).to_have_text("gone@example.org receives mail again.")
    await expect(mail).to_contain_text("Mail to this address is not suppressed.")
