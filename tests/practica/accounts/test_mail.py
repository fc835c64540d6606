"""Mail delivery: SMTP URLs, and a mail whose server is down stays queued for the job's retry."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from practica.accounts.mail import SmtpServer
from tests.conftest import free_port
from tests.practica.accounts.conftest import make_site
from tests.practica.accounts.factories import post


def test_smtp_urls_give_host_port_credentials_and_tls() -> None:
    assert SmtpServer.from_url("smtp://mail.example.org") == SmtpServer("mail.example.org", 25, None, None, False)
    assert SmtpServer.from_url("smtps://ada%40example.org:p%3Ass@mail.example.org:2465") == SmtpServer(
        "mail.example.org", 2465, "ada@example.org", "p:ss", True
    )
    with pytest.raises(ValueError, match="PRACTICA_SMTP_URL"):
        SmtpServer.from_url("http://mail.example.org")


def test_a_mail_that_cannot_be_sent_stays_queued_with_its_error(practica_db_url: str, tmp_path: Path) -> None:
    down = SecretStr(f"smtp://127.0.0.1:{free_port()}")
    for site in make_site(practica_db_url, tmp_path, practica_smtp_url=down):
        signup = {"email": "ada@example.org", "password": "a long enough password", "display_name": "Ada"}
        assert post(site.client, "/api/auth/signup", signup).status_code == 202
        site.run_jobs()
        [(attempts, error, body_kept)] = site.sql("SELECT attempts, last_error, body <> '' FROM mail_outbox")
        assert (attempts, body_kept) == (1, True)
        assert error
        [(status,)] = site.sql("SELECT status FROM procrastinate_jobs WHERE task_name = 'practica.accounts.send_mail'")
        assert status == "todo"  # scheduled again (retry with backoff)
