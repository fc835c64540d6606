"""The mail events webhook's security tests: the real web app with its webhook secret set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.practica.accounts.conftest import Site, make_site

MAIL_WEBHOOK_SECRET = "the operator's webhook secret"


@pytest.fixture
def mail_webhook_site(practica_db_url: str, tmp_path: Path) -> Iterator[Site]:
    yield from make_site(practica_db_url, tmp_path, practica_mail_webhook_secret=SecretStr(MAIL_WEBHOOK_SECRET))
