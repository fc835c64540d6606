"""Property-based fuzzing of Practica's whole HTTP API: schemathesis, signed in as learner, author and admin.

A real ``practica web`` process on a real database with the sample courses published; every operation of
its OpenAPI schema gets generated requests (valid and invalid bodies, paths, queries) from each role. No
request may answer 5xx (valid requests and invalid ones: wrong types, out-of-range numbers, missing
fields), and the database must still hold what it held (the sample course, the users).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql
from schemathesis.generation import GenerationMode
from sqlalchemy.engine import make_url

from tests.conftest import free_port, running_service

COURSES = Path(__file__).resolve().parents[2] / "courses"
PASSWORD = "fuzzing is a long passphrase 42"
ROLES = ("learner", "author", "admin")
EXAMPLES = int(os.environ.get("PRACTICA_FUZZ_EXAMPLES", "15"))  # per operation and role
SKIPPED = {("POST", "/api/auth/signout")}  # it would sign the fuzzing session out, not find a bug


@dataclass
class Served:
    base: str
    env: dict[str, str]
    database: str

    def practica(self, *args: str, stdin: str | None = None) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "practica", *args],
            env={**os.environ, **self.env}, input=stdin, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr


def _fresh_database(admin_uri: str, name: str, template: str) -> str:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    return make_url(admin_uri).set(drivername="postgresql+psycopg", database=name).render_as_string(False)


def _drop(admin_uri: str, *names: str) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def served(
    admin_uri: str, practica_template: str, chronicles_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """``practica web`` and Chronicles (the activity views read it) as processes, on databases of their own."""
    names = (f"fuzz_practica_{os.getpid()}", f"fuzz_chronicles_{os.getpid()}")
    home = tmp_path_factory.mktemp("fuzz-home")
    port, chronicles = free_port(), free_port()
    env = {
        "DATABASE_URL": _fresh_database(admin_uri, names[0], practica_template),
        "CHRONICLES_DATABASE_URL": _fresh_database(admin_uri, names[1], chronicles_template),
        "PRACTICA_HOME": str(home),
        "PRACTICA_PORT": str(port),
        "CHRONICLES_PORT": str(chronicles),
        "CHRONICLES_URL": f"http://127.0.0.1:{chronicles}",
        "PRACTICA_CHECK_COOLDOWN": "0",
    }
    base = f"http://127.0.0.1:{port}"
    served = Served(base, env, names[0])
    served.practica("course", "import", str(COURSES / "python-basics"))
    for role in ROLES:
        served.practica("user", "create", f"{role}@example.org", "--role", role, "--password-stdin", stdin=PASSWORD)
    chronicles_argv = [sys.executable, "-m", "chronicles", "serve"]
    with (
        running_service(chronicles_argv, env, f"http://127.0.0.1:{chronicles}", log=home / "chronicles.log"),
        running_service([sys.executable, "-m", "practica", "web"], env, base, log=home / "web.log"),
    ):
        yield served
    _drop(admin_uri, *names)


def signed_in(base: str, role: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/api/auth/csrf", timeout=10)
    session.headers["X-CSRF-Token"] = session.cookies["practica_csrf"]
    answer = session.post(f"{base}/api/auth/signin", json={"email": f"{role}@example.org", "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    session.headers["X-CSRF-Token"] = session.cookies["practica_csrf"]
    return session


def _operations(base: str) -> list[schemathesis.Case]:
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(operation: object, session: requests.Session, base: str) -> list[str]:
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(case=st.one_of(operation.as_strategy(mode) for mode in GenerationMode))  # type: ignore[attr-defined]
    def run(case: schemathesis.Case) -> None:
        response = case.call(base_url=base, session=session, timeout=30)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {case.as_curl_command()}")

    run()
    return failures


@pytest.mark.parametrize("role", ROLES)
def test_no_generated_request_makes_a_server_error(served: Served, role: str) -> None:
    session = signed_in(served.base, role)
    failures: list[str] = []
    for operation in _operations(served.base):
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        failures += _fuzz(operation, session, served.base)
    assert not failures, "\n".join(failures[:20])
    # Nothing stored was lost: the sample course and every user are still there.
    assert session.get(f"{served.base}/api/courses", timeout=10).status_code == 200
    for role_name in ROLES:
        assert signed_in(served.base, role_name).get(f"{served.base}/api/me", timeout=10).status_code == 200


def test_a_cursor_the_feed_never_gave_is_the_callers_mistake(served: Served) -> None:
    """Found by the fuzzing above: a made-up ``after`` was a 503, as if Chronicles were down."""
    session = signed_in(served.base, "learner")
    answer = session.get(f"{served.base}/api/activity", params={"after": "bm90IGEgY3Vyc29y"}, timeout=10)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith("after: ")
    bad_slug = session.get(f"{served.base}/api/activity", params={"scope": "lesson", "course": "A B", "lesson": "x"})
    assert bad_slug.status_code == 422
    assert "course" in str(bad_slug.json()["detail"])
