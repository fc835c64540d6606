"""The accounts' security tests: the real web app on a fresh database, with mail kept (development) or over SMTP.

Built from the accounts tests' own parts (:mod:`tests.practica.accounts.conftest`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.practica.accounts.conftest import Inbox, Site, make_site
from tests.smtp_server import smtp_controller


@dataclass
class MailedSite:
    """The web app sending its mail to a real SMTP server on loopback, and that server's inbox."""

    site: Site
    inbox: Inbox

    def bodies_to(self, recipient: str) -> list[str]:
        """The text of every mail received for ``recipient``, oldest first (run the mail jobs first)."""
        return [str(message.get_content()) for message in self.inbox.messages if message["To"] == recipient]


@pytest.fixture
def accounts_site(practica_db_url: str, tmp_path: Path) -> Iterator[Site]:
    """Development settings, no SMTP server: mail is logged and kept in ``dev_mail``."""
    yield from make_site(practica_db_url, tmp_path)


@pytest.fixture
def accounts_mailed_site(practica_db_url: str, tmp_path: Path) -> Iterator[MailedSite]:
    inbox = Inbox()
    controller = smtp_controller(inbox)
    controller.start()
    try:
        smtp = SecretStr(f"smtp://127.0.0.1:{controller.port}")
        for site in make_site(practica_db_url, tmp_path, practica_smtp_url=smtp):
            yield MailedSite(site, inbox)
    finally:
        controller.stop()
