"""Release N's code on release N+1's schema: what a rolling deploy and a rollback run.

Migrations only expand, so the replicas still on the old release (during a deploy) and the whole old release
(after a rollback) run on the newer schema. Release N here is the newest tag when it lacks some of this tree's
migrations, else the code just before the newest migration of each product (``git archive`` of that commit's
parent, from this repository's history). This tree's code migrates real databases to its own schema
(``practica prepare``: both products, the sample courses), then N's own processes serve on them: Practica's
web app and worker (PYTHONPATH on N's ``src``, the shared virtualenv's dependencies) drive a learner's path and
the admin pages' APIs over HTTP, Chronicles' server takes entries and dead letters and answers its internal
API. No answer may be a 5xx.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from practica.db.migrate import MIGRATIONS as PRACTICA_MIGRATIONS
from tests.conftest import free_port, require_tool, running_service
from tests.deploy.images import ROOT
from tests.practica.accounts.conftest import Inbox
from tests.smtp_server import smtp_controller

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

LEARNER = "grace@example.org"
ADMIN = "ada@example.org"
PASSWORD = "correct horse battery staple"
ADMIN_TOKEN = "schema-compat-admin-token"


def git(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(ROOT), *arguments], capture_output=True, text=True, check=False)


def previous_release(versions: str) -> str:
    """Release N for the migrations under ``versions``: the newest tag when it lacks some of this tree's
    migrations (the release deployed now), else the commit before the one (on main's line) that added the
    newest migration.

    A shallow clone lacks that history: under CI=true the test fails saying so, elsewhere it is skipped.
    """
    shallow = git("rev-parse", "--is-shallow-repository").stdout.strip() == "true"
    require_tool(not shallow, "the repository's history (a full clone; `git fetch --unshallow`)")
    tag = git("describe", "--tags", "--abbrev=0", "HEAD").stdout.strip()
    if tag and git("diff", "--quiet", "--diff-filter=A", tag, "HEAD", "--", versions).returncode == 1:
        return git("rev-parse", "--verify", f"{tag}^{{commit}}").stdout.strip()
    added = git("log", "--first-parent", "--diff-filter=A", "--format=%H", "-1", "--", versions).stdout.strip()
    require_tool(bool(added), f"the git history of {versions}")
    parent = git("rev-parse", "--verify", f"{added}^").stdout.strip()
    require_tool(bool(parent), f"the parent of {added} (the history before the newest migration)")
    return parent


def checkout(commit: str, destination: Path) -> Path:
    """``src`` of ``commit``, unpacked under ``destination`` (no work tree is touched); its path."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "src"], capture_output=True, check=True
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(destination, filter="data")
    return destination / "src"


@dataclass(frozen=True)
class Release:
    commit: str
    src: Path

    def env(self, **variables: str) -> dict[str, str]:
        """The environment of this release's processes: its own code first on the path, nothing else's."""
        return {**os.environ, "PYTHONPATH": str(self.src), **variables}

    def run(self, env: dict[str, str], *argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", *argv], env=env, input=stdin, capture_output=True, text=True, check=False,
            cwd=self.src.parent, timeout=300,
        )  # fmt: skip


@pytest.fixture(scope="module")
def previous_practica(tmp_path_factory: pytest.TempPathFactory) -> Release:
    commit = previous_release("src/practica/migrations/versions")
    return Release(commit, checkout(commit, tmp_path_factory.mktemp("practica-n")))


@pytest.fixture(scope="module")
def previous_chronicles(tmp_path_factory: pytest.TempPathFactory) -> Release:
    commit = previous_release("src/chronicles/migrations/versions")
    return Release(commit, checkout(commit, tmp_path_factory.mktemp("chronicles-n")))


def current_env(**variables: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", **variables}


@pytest.fixture
def databases(practica_db_url: str, chronicles_db_url: str, tmp_path: Path) -> dict[str, str]:
    """Both products' databases on this tree's schema, prepared by this tree's ``practica prepare``."""
    home = tmp_path / "home"
    home.mkdir()
    variables = {
        "DATABASE_URL": practica_db_url,
        "CHRONICLES_DATABASE_URL": chronicles_db_url,
        "PRACTICA_HOME": str(home),
    }
    prepared = subprocess.run(
        [sys.executable, "-m", "practica", "prepare"], env=current_env(**variables), capture_output=True, text=True,
        check=False, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    assert "python-basics" in prepared.stdout, prepared.stdout
    return variables


@contextmanager
def background(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process without an HTTP face (the worker): started, then stopped."""
    with log.open("wb") as output:
        process = subprocess.Popen(argv, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class ChroniclesService:
    url: str
    log: Path


@pytest.fixture
def chronicles_n(
    previous_chronicles: Release, databases: dict[str, str], tmp_path: Path
) -> Iterator[ChroniclesService]:
    """Release N of Chronicles serving this tree's Chronicles schema."""
    port = free_port()
    log = tmp_path / "chronicles.log"
    env = previous_chronicles.env(**databases, CHRONICLES_ADMIN_TOKEN=ADMIN_TOKEN)
    argv = [sys.executable, "-m", "chronicles", "serve", "--port", str(port)]
    with running_service(argv, env, f"http://127.0.0.1:{port}", log=log) as base:
        yield ChroniclesService(base, log)
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")[-3000:]


class Client:
    """A browser's view of one user: cookies kept, the CSRF cookie echoed; any 5xx fails the test at once."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.answered: list[str] = []
        self.expect("GET", "/api/auth/csrf", 204)

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        token = self.http.cookies.get("practica_csrf") or ""
        answer = self.http.request(method, path, json=body, headers={"X-CSRF-Token": token})
        assert answer.status_code < 500, f"{method} {path}: {answer.status_code} {answer.text[:2000]}"
        self.answered.append(f"{method} {path} {answer.status_code}")
        return answer

    def expect(self, method: str, path: str, status: int, body: dict[str, Any] | None = None) -> Any:
        answer = self.send(method, path, body)
        assert answer.status_code == status, f"{method} {path}: {answer.status_code} {answer.text[:2000]}"
        return answer.json() if answer.content else None


def eventually(probe: Callable[[], str | None], timeout_s: float, what: str) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (value := probe()) is not None:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {timeout_s:.0f} s")


def confirmation_token(inbox: Inbox) -> str | None:
    for message in inbox.messages:
        body = message.get_body(("plain",))
        text = body.get_content() if LEARNER in str(message["To"]) and body is not None else ""
        if found := re.search(r"/confirm/([A-Za-z0-9_\-]+)", text):
            return found.group(1)
    return None


@dataclass
class PracticaN:
    learner: Client
    admin: Client
    inbox: Inbox


@pytest.fixture
def practica_n(
    previous_practica: Release, databases: dict[str, str], chronicles_n: ChroniclesService, tmp_path: Path
) -> Iterator[PracticaN]:
    """Release N's web app and worker (mail only: no sandbox here) on this tree's schema, mail to a real SMTP."""
    inbox = Inbox()
    smtp = smtp_controller(inbox)
    smtp.start()
    port = free_port()
    env = previous_practica.env(
        **databases,
        PRACTICA_PORT=str(port),
        PRACTICA_PUBLIC_URL=f"http://127.0.0.1:{port}",
        PRACTICA_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
        CHRONICLES_URL=chronicles_n.url,
    )
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    worker = [sys.executable, "-m", "practica", "worker", "--queue", "default"]
    try:
        with (
            running_service([sys.executable, "-m", "practica", "web"], env, f"http://127.0.0.1:{port}", log=web_log),
            background(worker, env, worker_log),
        ):
            made = previous_practica.run(env, "practica", "user", "create", ADMIN, "--role", "admin",
                                         "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
            assert made.returncode == 0, made.stdout + made.stderr
            learner, admin = Client(f"http://127.0.0.1:{port}"), Client(f"http://127.0.0.1:{port}")
            try:
                yield PracticaN(learner, admin, inbox)
            finally:
                learner.http.close()
                admin.http.close()
    finally:
        smtp.stop()
    for log in (web_log, worker_log):
        assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")[-3000:]


def test_this_tree_has_a_newer_schema_than_the_previous_release(previous_practica: Release) -> None:
    """Otherwise the tests below would run N on N's own schema and prove nothing."""
    versions = {path.name for path in (previous_practica.src / "practica" / "migrations" / "versions").glob("*.py")}
    current = {path.name for path in (ROOT / "src" / "practica" / "migrations" / "versions").glob("*.py")}
    assert current - versions, f"{previous_practica.commit} already has every migration of this tree"


def test_the_previous_practica_serves_a_learner_and_the_admins_on_this_schema(practica_n: PracticaN) -> None:
    learner, admin = practica_n.learner, practica_n.admin
    learner.expect("POST", "/api/auth/signup", 202, {"email": LEARNER, "password": PASSWORD, "display_name": "Grace"})
    token = eventually(lambda: confirmation_token(practica_n.inbox), 120, "the confirmation mail (N's worker)")
    learner.expect("POST", "/api/auth/confirm", 200, {"token": token})
    learner.expect("POST", "/api/auth/signin", 200, {"email": LEARNER, "password": PASSWORD})
    assert learner.expect("GET", "/api/me", 200)["email"] == LEARNER

    courses = learner.expect("GET", "/api/courses", 200)
    assert "python-basics" in [course["id"] for course in courses]
    learner.expect("GET", "/api/courses/python-basics", 200)
    lesson = "/api/courses/python-basics/lessons/functions"
    assert learner.expect("GET", lesson, 200)["slug"] == "functions"
    learner.expect("POST", f"{lesson}/environment", 200)
    assert learner.expect("GET", f"{lesson}/environment", 200)["status"] == "starting"
    learner.send("POST", f"{lesson}/checks")  # refused without a running environment, but not a 5xx
    learner.expect("GET", "/api/activity", 200)

    admin.expect("POST", "/api/auth/signin", 200, {"email": ADMIN, "password": PASSWORD})
    every_admin_page(admin)
    users = admin.expect("GET", "/api/admin/users", 200)
    grace = next(user for user in users["items"] if user["email"] == LEARNER)
    assert admin.expect("PATCH", f"/api/admin/users/{grace['id']}", 200, {"role": "author"})["role"] == "author"
    started = admin.expect("GET", "/api/admin/environments", 200)
    environment = next(iter(started["items"]))
    admin.expect("POST", f"/api/admin/environments/{environment['id']}/stop", 200)


def every_admin_page(admin: Client) -> None:
    """Every GET of N's /api/admin without a path parameter, as N's own OpenAPI lists them."""
    paths = admin.expect("GET", "/openapi.json", 200)["paths"]
    pages = [path for path, methods in paths.items() if path.startswith("/api/admin/") and "get" in methods]
    assert "/api/admin/users" in pages
    for path in pages:
        if "{" not in path:
            admin.expect("GET", path, 200)


def test_the_previous_chronicles_takes_entries_and_dead_letters_on_this_schema(
    chronicles_n: ChroniclesService, databases: dict[str, str]
) -> None:
    # The producer is Practica, of whichever release: this tree's command mints its token (N may have none).
    minted = subprocess.run(
        [sys.executable, "-m", "chronicles", "producer-token", "--app", "practica", "--ttl", "10m"],
        env=current_env(**databases), capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert minted.returncode == 0, minted.stderr
    producer = {"Authorization": f"Bearer {minted.stdout.strip()}"}
    entry = {
        "app": "practica",
        "subject": "gid://practica/Lesson/1",
        "action": "lesson.published",
        "occurred_at": "2026-12-01T10:00:00Z",
    }
    with httpx.Client(base_url=chronicles_n.url, timeout=60) as client:
        stored = client.post("/entries", json=[entry, {**entry, "occurred_at": "not a time"}], headers=producer)
        assert stored.status_code == 200, stored.text
        assert stored.json()["accepted"] == 1, stored.json()
        query = "{ tagRules { name } deadLetters { edges { node { id error status } } } }"
        answer = client.post(
            "/internal/graphql", json={"query": query}, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        )
    assert answer.status_code == 200, answer.text
    assert "errors" not in answer.json(), answer.json()
    letters = answer.json()["data"]["deadLetters"]["edges"]
    assert [letter["node"]["status"] for letter in letters] == ["pending"], letters
    assert answer.json()["data"]["tagRules"], "practica prepare applied Practica's tag rules"


def test_a_database_of_a_newer_release_is_left_as_it_is_by_this_release(practica_db_url: str) -> None:
    """A rollback starts the old release, whose ``practica prepare`` migrates to its head: a revision it does
    not know (the newer release's) is not an error, and nothing is changed."""
    from sqlalchemy import create_engine, text

    engine = create_engine(practica_db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE practica_alembic_version SET version_num = '9999_of_a_newer_release'"))
    try:
        assert PRACTICA_MIGRATIONS.newer_revisions(practica_db_url) == ["9999_of_a_newer_release"]
        migrated = subprocess.run(
            [sys.executable, "-m", "practica", "migrate"], env=current_env(DATABASE_URL=practica_db_url),
            capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM practica_alembic_version")) == "9999_of_a_newer_release"
    finally:
        engine.dispose()
