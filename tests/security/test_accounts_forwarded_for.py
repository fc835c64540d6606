"""A client that rotates ``X-Forwarded-For`` stays one client to the per-address rate limits (``practica web``).

The limit tried is the reset request's, per address: 20 in 15 minutes
(:data:`practica.accounts.ratelimit.RESET_PER_IP`). Each request names a new
email, so only the per-address limit can stop them. Windows are fixed, so a
run that crosses a window's end starts counting again once: twice the limit
plus one requests always meet a 429 from one address.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url

from practica.accounts.csrf import CSRF_COOKIE, CSRF_HEADER
from practica.accounts.ratelimit import RESET_PER_IP
from tests.conftest import free_port, running_service

TRIES = 2 * RESET_PER_IP.hits + 1


@contextmanager
def practica_web(database_url: str, home: Path, **env: str) -> Iterator[httpx.Client]:
    """``practica web`` as its own process (uvicorn, as deployed), and a client with its CSRF cookie."""
    port = free_port()
    env = {"DATABASE_URL": database_url, "PRACTICA_HOME": str(home), "PRACTICA_PORT": str(port), **env}
    log = home / "web.log"
    base = f"http://127.0.0.1:{port}"
    with (
        running_service([sys.executable, "-m", "practica", "web"], env, base, log=log),
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        assert client.get("/api/auth/csrf").status_code == 204
        yield client


def ask_for_resets(client: httpx.Client, forwarded_for: list[str]) -> list[int]:
    """One reset request per ``X-Forwarded-For`` value, each for another address; their statuses."""
    headers = {CSRF_HEADER: client.cookies[CSRF_COOKIE]}
    return [
        client.post(
            "/api/auth/reset-request",
            json={"email": f"someone{n}@example.org"},
            headers={**headers, "X-Forwarded-For": value},
        ).status_code
        for n, value in enumerate(forwarded_for)
    ]


def addresses_counted(database_url: str) -> int:
    """How many client addresses the per-address reset limit has counted."""
    libpq = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq) as connection:
        row = connection.execute("SELECT count(DISTINCT key) FROM rate_limit_counters WHERE key LIKE 'reset:ip:%'")
        (count,) = row.fetchone() or (0,)
        return int(count)


def rotating(n: int) -> list[str]:
    return [f"198.51.100.{i + 1}" for i in range(n)]


def test_without_trusted_proxies_a_rotating_forwarded_for_is_ignored(practica_db_url: str, tmp_path: Path) -> None:
    with practica_web(practica_db_url, tmp_path, FORWARDED_ALLOW_IPS="*") as client:  # uvicorn's own: not used
        statuses = ask_for_resets(client, rotating(TRIES))
    assert 429 in statuses
    assert addresses_counted(practica_db_url) == 1


def test_behind_a_trusted_proxy_the_client_is_the_address_it_saw_not_one_the_client_prepended(
    practica_db_url: str, tmp_path: Path
) -> None:
    with practica_web(practica_db_url, tmp_path, PRACTICA_TRUSTED_PROXIES="127.0.0.0/8") as client:
        spoofed = ask_for_resets(client, [f"{fake}, 203.0.113.9" for fake in rotating(TRIES)])
        assert 429 in spoofed
        assert addresses_counted(practica_db_url) == 1  # 203.0.113.9, whatever came before it
        distinct = ask_for_resets(client, rotating(3))
    assert distinct == [202, 202, 202]
    assert addresses_counted(practica_db_url) == 4  # the proxy's word is taken for each real client
