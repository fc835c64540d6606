"""Web figures: the catalogue and lesson page APIs under 50 concurrent clients (wrk), and terminal echo.

    .venv/bin/python -m bench.web [--connections 50] [--duration 15] [--workers 2]

Uses the embedded PostgreSQL under ``.bench/checks`` (or ``BENCH_DATABASE_URL``,
an admin URL) with a fresh migrated database, publishes every course under
``courses/``, signs one learner in per client, and starts ``practica web
--workers N`` (default 2: one per core of the machine the figures are for)
as a process of its own. wrk (Debian package ``wrk``) is the
load generator, run on this machine with ``--connections`` connections on
two threads; it reports requests per second and the latency distribution.
Each endpoint is measured twice: flat out (every client sends its next
request the moment the last one is answered: the saturation throughput),
and with ``--think`` ms on average between a client's requests (50 busy
users, ~10 requests per second each).
The echo figure comes from ``bench/gateway.py``. Aims (issue 7): API p99
under 50 ms, echo under 20 ms. Flat-out throughput is also given against
:data:`BASELINE_RPS`, the figures at the end of session 2.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bench.checks import admin_database_uri, fresh_database
from practica.accounts.service import create_user
from practica.accounts.sessions import SESSION_COOKIE, start_session
from practica.lessons.loading import load
from practica.lessons.publishing import publish

ROOT = Path(__file__).resolve().parents[1]
AIM_P99_MS = 50.0
ENDPOINTS = {
    "catalogue  GET /api/courses": "/api/courses",
    "lesson     GET /api/courses/python-basics/lessons/functions": "/api/courses/python-basics/lessons/functions",
}
# The baseline: flat-out throughput at the end of session 2 (2 workers, the midpoints of three runs).
BASELINE_RPS = {"/api/courses": 1_174.0, "/api/courses/python-basics/lessons/functions": 1_158.0}
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


async def prepare(database_url: str, learners: int) -> list[str]:
    """Publish the sample courses; sign ``learners`` learners in and return their session tokens."""
    engine = create_async_engine(database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
            for course in sorted(path.parent for path in (ROOT / "courses").glob("*/course.yaml")):
                await publish(session, load(course), str(course), performer=None)
            tokens = []
            for index in range(learners):
                user = await create_user(session, f"bench-{index}@example.org", "a long password", f"Bench {index}")
                tokens.append(await start_session(session, user.id))
            return tokens
    finally:
        await engine.dispose()


@contextmanager
def web_server(database_url: str, port: int, workers: int, home: Path) -> Iterator[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "PRACTICA_HOME": str(home), "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "practica", "web", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/ping", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("practica web did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk_script(tokens: list[str], think_ms: int) -> Path:
    """Each request signs in as the next learner; with ``think_ms``, a wait of 0 to 2 x ``think_ms`` first.

    The wait is random so that the clients do not march in step: with one fixed
    wait all 50 send at the same moment and the last of each burst measures
    the burst, not the server (a static page then shows a 100 ms p99 here).
    """
    cookies = ", ".join(f'"{SESSION_COOKIE}={token}"' for token in tokens)
    script = Path(tempfile.mkdtemp(prefix="bench-wrk-")) / "learners.lua"
    script.write_text(
        f"local cookies = {{{cookies}}}\n"
        "local next_one = 0\n"
        "function request()\n"
        "  next_one = next_one % #cookies + 1\n"
        '  return wrk.format(nil, nil, {["Cookie"] = cookies[next_one]})\n'
        "end\n" + (f"function delay()\n  return math.random(0, {2 * think_ms})\nend\n" if think_ms else "")
    )
    return script


def run_wrk(url: str, tokens: list[str], connections: int, duration: int, think_ms: int = 0) -> dict[str, float]:
    """wrk's figures for ``url`` with ``connections`` clients, as the learners of ``tokens`` in turn."""
    command = [
        "wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{duration}s",
        "-s", str(wrk_script(tokens, think_ms)), url,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} answers were not 2xx:\n{output}")
    latency = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", output, re.MULTILINE))
    rate = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    if rate is None or "99" not in latency:
        raise RuntimeError(f"could not read wrk's report:\n{output}")
    return {"rps": float(rate.group(1)), **{f"p{k}": milliseconds(v) for k, v in latency.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2, help="web processes (practica web --workers)")
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--think", type=int, default=100, help="ms each client waits between requests (2nd run)")
    parser.add_argument("--keys", type=int, default=200, help="keystrokes for the echo figure")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench/web.py needs wrk (Debian package wrk; make test-setup installs it)")
    database_url = fresh_database(admin_database_uri(), "bench_web")
    tokens = asyncio.run(prepare(database_url, args.connections))
    with (
        tempfile.TemporaryDirectory(prefix="bench-web-") as home,
        web_server(database_url, args.port, args.workers, Path(home)) as base,
    ):
        for name, path in ENDPOINTS.items():
            assert httpx.get(base + path, cookies={SESSION_COOKIE: tokens[0]}).status_code == 200, path
            run_wrk(base + path, tokens, args.connections, 3)  # warm-up
            for think in (0, args.think):
                figures = run_wrk(base + path, tokens, args.connections, args.duration, think)
                label = f"{name}, {'no think time' if not think else f'~{think} ms think time'}"
                versus_baseline = "" if think else f", {figures['rps'] / BASELINE_RPS[path]:.2f}x baseline req/s"
                print(
                    f"{label:<82} {figures['rps']:6.0f} req/s  p50 {figures['p50']:6.1f} ms  p99 {figures['p99']:6.1f}"
                    f" ms  (aim p99 < {AIM_P99_MS:.0f} ms: {figures['p99'] / AIM_P99_MS:.2f}x{versus_baseline})"
                )
    print("terminal echo through the gateway (bench/gateway.py):", flush=True)
    subprocess.run([sys.executable, "-m", "bench.gateway", "--keys", str(args.keys)], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
