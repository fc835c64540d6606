"""``/dev/mail`` shows everyone's sign-in links: admins only, development only, and development stays on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from practica.settings import PracticaSettings
from servicekit.settings import SettingsError, load_settings
from tests.conftest import free_port
from tests.practica.accounts.conftest import Site
from tests.practica.accounts.factories import UserFactory, post, sign_in

RESET_PATH = "/reset/"
NOT_LOOPBACK = ["0.0.0.0", "::", "192.0.2.10", "practica.example.org"]  # noqa: S104  (refused, never bound)
# Not loopback, and no address of this machine (TEST-NET-1): were the check broken, binding it would fail at
# once with another exit code, and nothing would listen beyond loopback meanwhile.
UNBINDABLE = "192.0.2.10"


def a_reset_link_in_dev_mail(site: Site) -> str:
    """An account asks for a reset: its link is now in the development mail."""
    [victim] = site.save(UserFactory.build(email="victim@example.org"))
    assert post(site.client, "/api/auth/reset-request", {"email": victim.email}).status_code == 202
    site.run_jobs()
    [(body,)] = site.sql("SELECT body FROM dev_mail")
    assert RESET_PATH in body
    return str(body)


def test_dev_mail_is_refused_to_anonymous_visitors_and_learners_and_shown_to_admins(accounts_site: Site) -> None:
    site = accounts_site
    body = a_reset_link_in_dev_mail(site)
    anonymous = site.browser().get("/dev/mail")
    assert anonymous.status_code == 403
    assert RESET_PATH not in anonymous.text
    assert "practica user create" in anonymous.text  # says how a developer gets in

    learner_browser = site.browser()
    [learner, admin] = site.save(UserFactory.build(), UserFactory.build(admin=True))
    sign_in(learner_browser, learner.email)
    as_learner = learner_browser.get("/dev/mail")
    assert as_learner.status_code == 403
    assert RESET_PATH not in as_learner.text

    sign_in(site.client, admin.email)
    as_admin = site.client.get("/dev/mail")
    assert as_admin.status_code == 200
    assert body.split(RESET_PATH)[1].split()[0] in as_admin.text


@pytest.mark.parametrize("where", ["PRACTICA_HOST", "--host"])
def test_development_mode_refuses_to_serve_beyond_loopback(where: str, practica_db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": practica_db_url, "PRACTICA_HOME": str(tmp_path)}
    env.pop("PRACTICA_ENV", None)
    env.pop("PRACTICA_ALLOW_DEVELOPMENT_ON_NETWORK", None)
    argv = [sys.executable, "-m", "practica", "web", "--port", str(free_port())]
    if where == "--host":
        argv += ["--host", UNBINDABLE]
    else:
        env["PRACTICA_HOST"] = UNBINDABLE
    started = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert started.returncode == 2, started.stderr
    assert "configuration error: PRACTICA_ENV is development" in started.stderr
    assert "PRACTICA_ALLOW_DEVELOPMENT_ON_NETWORK" in started.stderr


def test_development_settings_name_every_address_beyond_loopback() -> None:
    for host in NOT_LOOPBACK:
        with pytest.raises(SettingsError, match="PRACTICA_ENV is development"):
            load_settings(PracticaSettings, practica_host=host)
    for host in ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"]:
        assert load_settings(PracticaSettings, practica_host=host).development_exposed_on(host) is None
    allowed = load_settings(PracticaSettings, practica_host=NOT_LOOPBACK[0], practica_allow_development_on_network=True)
    assert allowed.development_exposed_on(NOT_LOOPBACK[0]) is None
    production = load_settings(PracticaSettings, practica_env="production", practica_secret_key="s" * 32)
    assert production.development_exposed_on(NOT_LOOPBACK[0]) is None
