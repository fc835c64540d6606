"""Check figures per runtime: request-to-stored-result latency, checks per second, and bare pytest as the baseline.

    .venv/bin/python -m bench.checks [--runtime bwrap --runtime docker] [--latency 30] [--burst 40] [--workers 2]

Run as root. Uses the embedded PostgreSQL under ``.bench/checks`` (or
``BENCH_DATABASE_URL``, an admin URL) with a fresh migrated database per
runtime, publishes ``courses/python-basics`` and checks its ``functions``
lesson with the reference solution, through real ``practica worker``
processes listening on the ``checks`` queue. Latency is ``finished_at -
queued_at`` as stored (request to stored result), one check at a time;
throughput is a burst of checks from different learners. The baseline runs
the lesson's own check command on the host, as many at once as the workers
run checks. Aims (issue 6): p50 under 1 s; checks per second at least half
of bare pytest's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from practica.checks.kit import fill_placeholders, launcher_source
from practica.checks.service import LearnerLesson, request_check
from practica.lessons.files import read_tree
from practica.lessons.loading import load
from practica.lessons.models import CourseLesson
from practica.lessons.publishing import publish

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "courses" / "python-basics"
LESSON = "functions"
AIM_P50_S = 1.0
AIM_RATIO = 0.5


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def admin_database_uri() -> str:
    configured = os.environ.get("BENCH_DATABASE_URL")
    if configured:
        return configured
    from servicekit.embedded import embedded_server

    return embedded_server(ROOT / ".bench" / "checks").get_uri()


def fresh_database(admin_uri: str, name: str) -> str:
    from practica.db.migrate import MIGRATIONS

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(admin_uri).set(drivername="postgresql+psycopg", database=name).render_as_string(False)
    MIGRATIONS.upgrade(url)
    return url


@contextmanager
def workers(count: int, database_url: str, runtime: str, home: Path, docker_url: str | None) -> Iterator[None]:
    """``practica worker --queue checks`` processes, each with a uid range of its own."""
    processes = []
    for index in range(count):
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "PRACTICA_HOME": str(home),
            "PRACTICA_SANDBOX_HOME": str(home),
            "PRACTICA_SANDBOX_RUNTIME": runtime,
            "PRACTICA_SANDBOX_UID_BASE": str(6_000_000 + index * 10_000),
            "PRACTICA_SANDBOX_UID_COUNT": "10000",
            "LOG_LEVEL": "WARNING",
        }
        if docker_url:
            env["PRACTICA_SANDBOX_DOCKER_URL"] = docker_url
        command = [sys.executable, "-m", "practica", "worker", "--queue", "checks", "--concurrency", "2"]
        processes.append(subprocess.Popen(command, env=env, cwd=ROOT))
    try:
        time.sleep(2)  # imports and the first LISTEN
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


async def _lesson(sessions: async_sessionmaker[AsyncSession]) -> CourseLesson:
    async with sessions() as session, session.begin():
        await publish(session, load(COURSE), str(COURSE), performer=None)
        lesson = await session.scalar(select(CourseLesson).where(CourseLesson.slug == LESSON))
    assert lesson is not None
    return lesson


async def _request(sessions: async_sessionmaker[AsyncSession], lesson: CourseLesson, user: str) -> int:
    files = read_tree(COURSE / LESSON / "solution")
    async with sessions() as session, session.begin():
        attempt = await request_check(session, LearnerLesson(user, "python-basics", lesson), cooldown_s=0, files=files)
        return attempt.id


async def _wait(sessions: async_sessionmaker[AsyncSession], ids: list[int], within: float = 600) -> list[float]:
    """Seconds from queued to finished of each attempt, once all have finished (all must pass)."""
    deadline = time.monotonic() + within
    query = text(
        "SELECT status, extract(epoch FROM finished_at - queued_at) FROM check_attempts WHERE id = ANY(:ids)"
        " AND finished_at IS NOT NULL"
    )
    while time.monotonic() < deadline:
        async with sessions() as session:
            rows = (await session.execute(query, {"ids": ids})).all()
        if len(rows) == len(ids):
            statuses = {status for status, _ in rows}
            if statuses != {"passed"}:
                raise RuntimeError(f"checks ended {statuses}: the bench expects the reference solution to pass")
            return [float(seconds) for _, seconds in rows]
        await asyncio.sleep(0.01)
    raise TimeoutError("the checks did not finish")


async def measure_checks(database_url: str, latency_rounds: int, burst: int) -> dict[str, float]:
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        lesson = await _lesson(sessions)
        await _wait(sessions, [await _request(sessions, lesson, "warm-up")])
        latencies = []
        for round_ in range(latency_rounds):
            latencies += await _wait(sessions, [await _request(sessions, lesson, f"latency-{round_}")])
        started = time.perf_counter()
        ids = await asyncio.gather(*(_request(sessions, lesson, f"burst-{index}") for index in range(burst)))
        await _wait(sessions, list(ids))
        elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    return {
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
        "per_second": burst / elapsed,
    }


def bare_pytest_rate(runs: int, parallel: int) -> float:
    """The lesson's check command straight on the host, ``parallel`` at a time, laid out as a check lays it out."""
    lesson = load(COURSE / LESSON).lessons[0].lesson
    python = shutil.which("python3", path="/usr/bin:/bin") or "python3"

    def one(index: int) -> None:
        with tempfile.TemporaryDirectory(prefix="bench-pytest-") as scratch:
            work, kit = Path(scratch) / "work", Path(scratch) / "kit"
            shutil.copytree(COURSE / LESSON / "solution", work)
            shutil.copytree(COURSE / LESSON / "tests", kit / "tests")
            (kit / "practica_pytest.py").write_bytes(launcher_source())
            places = {
                "{tests}": str(kit / "tests"),
                "{pytest}": str(kit / "practica_pytest.py"),
                "{report}": str(Path(scratch) / "report.xml"),
            }
            command = [fill_placeholders(part, places) for part in lesson.check.command]
            command = [python if part == "python3" else part for part in command]
            subprocess.run(command, cwd=work, check=True, capture_output=True)

    one(-1)
    started = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, range(runs)))
    return runs / (time.perf_counter() - started)


def report(runtime: str, figures: dict[str, float], bare: float) -> None:
    p50_ms, p99_ms, aim_ms = figures["p50"] * 1000, figures["p99"] * 1000, AIM_P50_S * 1000
    rate = figures["per_second"]
    print(f"\n{runtime}")
    print(f"  latency p50 {p50_ms:7.0f} ms   (aim < {aim_ms:.0f} ms: {p50_ms / aim_ms:.2f}x)")
    print(f"  latency p99 {p99_ms:7.0f} ms")
    print(f"  checks/s    {rate:7.2f}      bare pytest {bare:.2f}/s: ratio {rate / bare:.2f} (aim >= {AIM_RATIO})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runtime", action="append", choices=["bwrap", "docker"])
    parser.add_argument("--latency", type=int, default=30, help="Checks one at a time (latency).")
    parser.add_argument("--burst", type=int, default=40, help="Checks at once (throughput).")
    parser.add_argument("--workers", type=int, default=2, help="Worker processes, two checks at a time each.")
    args = parser.parse_args()
    admin = admin_database_uri()
    parallel = args.workers * 2
    bare = bare_pytest_rate(args.burst, parallel)
    print(f"bare pytest on the host, {parallel} at a time: {bare:.2f} runs/s")
    for runtime in args.runtime or ["bwrap", "docker"]:
        with ExitStack() as stack:
            home = Path(tempfile.mkdtemp(prefix=f"bench-checks-{runtime}-"))
            home.chmod(0o755)
            stack.callback(shutil.rmtree, home, True)
            docker_url = None
            if runtime == "docker":
                from practica.sandbox.podman import PodmanService

                docker_url = stack.enter_context(PodmanService(home / "podman")).url
            database_url = fresh_database(admin, f"bench_checks_{runtime}")
            stack.enter_context(workers(args.workers, database_url, runtime, home, docker_url))
            report(runtime, asyncio.run(measure_checks(database_url, args.latency, args.burst)), bare)


if __name__ == "__main__":
    main()
