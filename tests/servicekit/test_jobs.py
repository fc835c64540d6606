"""A job worker exits 0 when asked to stop, and non-zero when it stops on its own, so its supervisor restarts it.

procrastinate stops a worker whose LISTEN connection cannot be made again (the database restarting, its host
name not resolving for a while: a topology run saw 40 s of that) and returns as if it had been asked to. Each
product's ``worker`` command runs here as a process against a real database; the database then refuses new
connections and the worker's LISTEN connection is cut, which is what that outage looks like to the worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from servicekit.jobs import libpq_conninfo

# A loaded 2-core machine starts a worker in a few seconds; this is how long the test waits for each step.
PATIENCE_S = 90


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path
    database: str

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def worker_command(product: str, database_url: str, home: Path) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "PRACTICA_HOME": str(home), "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    if product == "chronicles":
        return [sys.executable, "-m", "chronicles", "worker", "--concurrency", "1"], env | {
            "CHRONICLES_DATABASE_URL": database_url
        }
    # One queue, no sandbox work: the practica worker's own loop is what is under test.
    return [sys.executable, "-m", "practica", "worker", "--concurrency", "1", "--queue", "default"], env | {
        "DATABASE_URL": database_url
    }


@pytest.fixture(params=["chronicles", "practica"])
def worker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Worker]:
    database_url: str = request.getfixturevalue(f"{request.param}_db_url")
    command, env = worker_command(request.param, database_url, tmp_path)
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    started = Worker(process, log, str(make_url(database_url).database))
    try:
        wait_until_listening(database_url, started)
        yield started
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


LISTENERS = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'listen %'"


def wait_until_listening(database_url: str, worker: Worker) -> None:
    deadline = time.monotonic() + PATIENCE_S
    with psycopg.connect(libpq_conninfo(database_url), autocommit=True) as conn:
        while (found := conn.execute(LISTENERS).fetchone()) is None or found[0] == 0:
            if worker.process.poll() is not None:
                pytest.fail(f"the worker exited ({worker.process.returncode}):\n{worker.output()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"the worker not LISTENing within {PATIENCE_S} s:\n{worker.output()[-3000:]}")
            time.sleep(0.2)


def exit_code(worker: Worker) -> int:
    try:
        return worker.process.wait(timeout=PATIENCE_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the worker did not exit within {PATIENCE_S} s:\n{worker.output()[-3000:]}")


def test_sigterm_stops_the_worker_with_exit_0(worker: Worker) -> None:
    worker.process.send_signal(signal.SIGTERM)
    assert exit_code(worker) == 0, worker.output()[-3000:]
    assert "worker.stopped_on_its_own" not in worker.output()


def test_a_worker_that_loses_its_database_exits_non_zero(worker: Worker, admin_uri: str) -> None:
    database = sql.Identifier(worker.database)
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(database))
        try:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND query ILIKE 'listen %%'",
                (worker.database,),
            )
            code = exit_code(worker)
        finally:
            conn.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true").format(database))
    assert code == 1, worker.output()[-3000:]
    assert "worker.stopped_on_its_own" in worker.output()
