"""Search latency per filter kind, and of paging, through GraphQL and at the engine, run as the service runs them.

    .venv/bin/python -m bench.chronicles_search [--entries 1000000] [--iterations 300] [--explain] [--reuse]
                                                [--kinds subject,payload IN] [--pages 25] [--seed 11]

Loads N generated entries (bench/chronicles_search_data.py) into a fresh
database on ``BENCH_DATABASE_URL`` (an admin URL) or on an embedded server
under ``.bench/chronicles-search``, starts ``chronicles serve`` on it and
times each kind of search twice per iteration, with the same filter: through
``POST /graphql`` (HTTP, GraphQL) and at the engine (the service's own search
function on the service's own kind of connection, no HTTP). The two take
turns going first: the first run of a filter reads what it needs from disk
(at 30 M entries the data is larger than the memory), the second finds those
pages in the cache. A way that always went first would pay every cold read
and look slower by that much (the 30 M run of 2026-12-06 did: "payload IN"
83 ms through GraphQL, 7 ms at the engine, with 1.9 ms of CPU between them).

Prints per kind, both ways: p50/p99 of the runs that went first (a filter as
a user sends it, nothing warmed for it: the aims of issue 16 are judged on
these, p50 <= 5 ms, p99 <= 20 ms), the p50 of the runs that went second
(pages already cached), and the GraphQL layer's cost: the difference of the
second-run p50s (same cache state both ways; aim <= 1.5 ms) and of CPU time
per search (the server's for GraphQL, the bench's for the engine; the load
of other work inflates CPU less than wall time). Then the baseline figures
and the load average. ``--explain`` prints the plan of one search of each kind;
``--pages N`` the pages (buffers) N searches of each kind touched, median, which is what a search costs
when none of them is cached (``--iterations 0``: only that). ``--reuse`` keeps a loaded database and
brings it to this code's schema; ``--seed`` picks other filters, so that a second run on a reused database
times filters that the first one has not cached.

:func:`search_latencies` is the measuring function: give it runners (a base URL's or an engine's).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from bench.chronicles_search_data import ORGS, START, YEAR, Shape, load
from chronicles.api.search_pool import SearchPool
from chronicles.api.tokens import mint
from chronicles.contract.filters import EntryFilter
from chronicles.store.search import SEARCH_SETTINGS, Position, SearchRequest, compile_search, search
from chronicles.store.search_plan import Driver, Statistics, choose_driver

ROOT = Path(__file__).resolve().parent.parent
AIM_P50, AIM_P99, AIM_OVERHEAD = 5.0, 20.0, 1.5  # milliseconds, at 30,000,000 entries (issue 16)
# Measured at 30,000,000 entries on 2026-12-05 before this work (p50, milliseconds): engine, GraphQL.
BASELINE_30M = {"subject": (3.2, 20.6), "payload IN": (14.7, None)}
QUERY = """query($filter: EntryFilter, $first: Int, $after: String) {
  entries(filter: $filter, first: $first, after: $after) {
    edges { cursor node { sequenceCode app subject action performer payload occurredAt feedTags accessTags } }
    pageInfo { hasNextPage endCursor }
  }
}"""
PAGE = 25
# Pages per search at 1,000,000 entries before revision 0008 (main 8b588d4, 2026-12-07, ``--pages 25``):
# the walks of the key indexes fetched every entry they found to check the viewer's access, and each
# branch of a search over several values looked up its own page of entries.
BASELINE_PAGES_NAME = "main 8b588d4, before revision 0008"
BASELINE_PAGES_1M = {
    "access_only": 419,
    "subject": 356,
    "subjects (3)": 1061,
    "performer": 49,
    "action": 495,
    "action (rare)": 584,
    "app_type": 533,
    "feed_tag": 485,
    "feed_tag (any of 3)": 1608,
    "feed_tag (all of 2)": 557,
    "payload EQ": 66,
    "payload IN": 1820,
    "payload CONTAINS": 2830,
    "payload GT + action": 9004,
    "time (1 day)": 183,
}
PAGING_DEPTH = 20  # the "paging" kind reads the first 20 pages of the viewer's feed, one page per call


class Workload:
    """Filters of each kind with values drawn like a real client's (popular lessons more often)."""

    def __init__(self, shape: Shape, org: int, seed: int = 11) -> None:
        self.shape, self.org, self.rng = shape, org, random.Random(seed)

    def lesson(self) -> int:
        return min(int(self.rng.expovariate(8 / self.shape.lessons)), self.shape.lessons - 1)

    def colleague(self) -> str:
        return f"gid://practica/User/{self.org + ORGS * self.rng.randrange(max(1, self.shape.users // ORGS))}"

    def kinds(self) -> dict[str, Callable[[], dict[str, Any]]]:
        rng, lessons = self.rng, lambda count: [f"gid://practica/Lesson/{self.lesson()}" for _ in range(count)]
        return {
            "access_only": lambda: {},
            "subject": lambda: {"subjects": lessons(1)},
            "subjects (3)": lambda: {"subjects": lessons(3)},
            "performer": lambda: {"performers": [self.colleague()]},
            "action": lambda: {"actions": [rng.choice(["check.passed", "lesson.viewed", "post.created"])]},
            "action (rare)": lambda: {"actions": [rng.choice(["org.deleted", "thread.locked"])]},
            "app_type": lambda: {"apps": ["billing"], "subjectTypes": ["Invoice"]},
            "feed_tag": lambda: {"feedTags": [f"lesson:{self.lesson()}"]},
            "feed_tag (any of 3)": lambda: {"feedTags": [f"lesson:{self.lesson()}" for _ in range(3)]},
            "feed_tag (all of 2)": lambda: {
                "feedTags": [f"lesson:{self.lesson()}", f"org:{self.org}"],
                "feedTagsMatch": "ALL",
            },
            "payload EQ": lambda: _payload("EQ", ["flag", "gid"], f"gid://plat/Flag/{rng.randrange(200)}"),
            "payload IN": lambda: _payload("IN", ["lesson", "id"], [str(self.lesson()), str(self.lesson())]),
            "payload CONTAINS": lambda: _payload("CONTAINS", ["topics"], rng.choice(["regex", "git"])),
            "payload GT + action": lambda: {"actions": ["check.failed"], **_payload("GT", ["tests", "passed"], 8)},
            "time (1 day)": self.day,
        }

    def day(self) -> dict[str, Any]:
        start = START + YEAR * self.rng.random()
        return {"occurredAfter": start.isoformat(), "occurredBefore": (start + timedelta(days=1)).isoformat()}


def _payload(operation: str, path: list[str], value: Any) -> dict[str, Any]:
    return {"payload": [{"operation": operation, "path": path, "value": value}]}


Runner = Callable[[dict[str, Any], str | None], str | None]


@dataclass(frozen=True)
class Way:
    """One way to run a search, and the CPU clock of the process that does the work."""

    run: Runner
    cpu_seconds: Callable[[], float]


@dataclass(frozen=True)
class Figures:
    p50: float  # milliseconds of wall time, runs that went first (nothing cached for their filter)
    p99: float
    warm_p50: float  # runs that went second, after the other way ran the same filter
    cpu: float  # milliseconds of CPU time per search, in the process that runs it, all runs
    slowest: float  # milliseconds of wall time, the slowest run (issue 16: none over 1 s)


def search_latencies(
    ways: dict[str, Way], token: str, shape: Shape, iterations: int = 300, seed: int = 11, kinds: str = ""
) -> dict[str, dict[str, Figures]]:
    """Figures per way per kind (and ``paging``); each iteration runs every way with the same filter, in turns."""
    access = jwt.decode(token, options={"verify_signature": False})["access_tags"]
    workload = Workload(shape, org=int(access[0].split(":")[1]), seed=seed)
    wanted = {kind.strip() for kind in kinds.split(",") if kind.strip()}
    figures: dict[str, dict[str, Figures]] = {name: {} for name in ways}
    for kind, make in [*workload.kinds().items(), ("paging", lambda: {})]:
        if wanted and kind not in wanted:
            continue
        first: dict[str, list[float]] = {name: [] for name in ways}
        later: dict[str, list[float]] = {name: [] for name in ways}
        cpu = dict.fromkeys(ways, 0.0)
        cursors: dict[str, str | None] = dict.fromkeys(ways)
        for index in range(iterations + 10):  # the first 10 warm the caches and are not counted
            if kind == "paging" and index % PAGING_DEPTH == 0:
                cursors = dict.fromkeys(ways)
            entry_filter = make()
            for position, name in enumerate(_in_turn(list(ways), index)):
                way = ways[name]
                cpu_before, started = way.cpu_seconds(), time.perf_counter()
                cursors[name] = way.run(entry_filter, cursors[name] if kind == "paging" else None)
                if index >= 10:
                    (first if position == 0 else later)[name].append(time.perf_counter() - started)
                    cpu[name] += way.cpu_seconds() - cpu_before
        for name in ways:
            cold, warm = first[name] or later[name], later[name] or first[name]
            counted = len(first[name]) + len(later[name])
            figures[name][kind] = Figures(
                _percentile(cold, 0.5) * 1000,
                _percentile(cold, 0.99) * 1000,
                _percentile(warm, 0.5) * 1000,
                cpu[name] / counted * 1000,
                max(first[name] + later[name]) * 1000,
            )
    return figures


def _in_turn(names: list[str], index: int) -> list[str]:
    """``names`` rotated by ``index``: each goes first once in every ``len(names)`` iterations."""
    turn = index % len(names)
    return names[turn:] + names[:turn]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _http_runner(base_url: str, token: str) -> Callable[[dict[str, Any], str | None], str | None]:
    client = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def run(entry_filter: dict[str, Any], after: str | None) -> str | None:
        body = client.post(
            "/graphql", json={"query": QUERY, "variables": {"filter": entry_filter, "first": PAGE, "after": after}}
        ).json()
        assert "errors" not in body, body
        cursor: str | None = body["data"]["entries"]["pageInfo"]["endCursor"]
        return cursor

    return run


@contextmanager
def engine_runner(database_url: str, access: list[str]) -> Iterator[Runner]:
    """The service's search on the service's kind of connection (:class:`SearchPool`), without HTTP or GraphQL."""
    loop, stats = asyncio.new_event_loop(), Statistics()
    pool = SearchPool(database_url, max_size=2, application_name="bench")

    async def one(entry_filter: dict[str, Any], after: str | None) -> str | None:
        request = SearchRequest(
            EntryFilter.model_validate(entry_filter), access, PAGE, Position.decode(after) if after else None
        )
        page = await pool.read(lambda conn: search(conn, request, stats))
        return page.rows[-1].position.encode() if page.rows else None

    try:
        yield lambda entry_filter, after: loop.run_until_complete(one(entry_filter, after))
    finally:
        loop.run_until_complete(pool.close())
        loop.close()


def explain(database_url: str, access: list[str], shape: Shape) -> None:
    """Print the plan of one search of each kind (as the service would run it, with the planner's statistics)."""
    workload, stats = Workload(shape, org=int(access[0].split(":")[1])), Statistics()
    asyncio.run(_refresh(stats, database_url))
    with psycopg.connect(database_url) as conn:
        for kind, make in workload.kinds().items():
            driver, plan = _plan(conn, SearchRequest(EntryFilter.model_validate(make()), access, PAGE), stats)
            print(f"\n--- {kind} (driven by {driver.value})")
            print("\n".join(plan))


def pages_per_search(database_url: str, access: list[str], shape: Shape, searches: int) -> dict[str, int]:
    """Per kind, the median number of pages (8 kB buffers, cached or not) one search touched.

    A search whose pages are not in memory reads each from disk (at 30 M entries most are not), so this
    count is what a cold search costs, independent of the machine's load and of what is cached.
    """
    workload, stats = Workload(shape, org=int(access[0].split(":")[1]), seed=5), Statistics()
    asyncio.run(_refresh(stats, database_url))
    medians = {}
    with psycopg.connect(database_url) as conn:
        for kind, make in workload.kinds().items():
            counts = []
            for _ in range(searches):
                _, plan = _plan(conn, SearchRequest(EntryFilter.model_validate(make()), access, PAGE), stats)
                counts.append(_pages(plan))
            medians[kind] = round(_percentile([float(count) for count in counts], 0.5))
    return medians


def _plan(conn: psycopg.Connection[Any], request: SearchRequest, stats: Statistics) -> tuple[Driver, list[str]]:
    driver = choose_driver(request.filter, request.access_tags, stats)
    statement, params = compile_search(request, driver, stats)
    conn.execute(SEARCH_SETTINGS)
    plan = conn.execute(sql.SQL("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ") + statement, params).fetchall()
    conn.rollback()
    return driver, [line for (line,) in plan]


def _pages(plan: list[str]) -> int:
    """The buffers of the plan's top node (hit, read, dirtied and written count once each: hit + read)."""
    for line in plan:
        found = re.search(r"Buffers: shared(?: hit=(\d+))?(?: read=(\d+))?", line)
        if found:
            return sum(int(part or 0) for part in found.groups())
    return 0


async def _refresh(stats: Statistics, database_url: str) -> None:
    if stats.columns:
        return
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        await stats.refresh(conn)


def admin_database_uri() -> str:
    configured = os.environ.get("BENCH_DATABASE_URL")
    if configured:
        return configured
    from servicekit.embedded import embedded_server

    return embedded_server(ROOT / ".bench" / "chronicles-search").get_uri()


def prepare_database(admin_uri: str, name: str, shape: Shape, reuse: bool) -> str:
    """A migrated database holding ``shape.entries`` generated entries; its libpq URL."""
    from chronicles.store.migrate import MIGRATIONS

    url = make_url(admin_uri).set(database=name)
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if reuse and exists:
        with psycopg.connect(libpq) as conn:
            loaded = conn.execute("SELECT count(*) FROM entries").fetchone() == (shape.entries,)
        if loaded:  # brought to this code's schema (a revision may rebuild indexes: minutes at 30 M entries)
            MIGRATIONS.upgrade(url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
            return libpq
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    MIGRATIONS.upgrade(url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    with psycopg.connect(libpq, autocommit=True) as conn:
        load(conn, shape)
    return libpq


@dataclass(frozen=True)
class Service:
    base: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the service's process has used so far, all its threads, to the nanosecond.

        ``/proc/PID/stat`` counts in clock ticks (10 ms here), as coarse as a
        few searches; the scheduler's own accounting (``schedstat``) is exact.
        """
        tasks = Path(f"/proc/{self.pid}/task").iterdir()
        return sum(int((task / "schedstat").read_text().split()[0]) for task in tasks) / 1e9


@contextmanager
def chronicles_service(database_url: str, key: str) -> Iterator[Service]:
    from tests.conftest import free_port

    port = free_port()
    service_url = make_url(database_url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    env = {**os.environ, "CHRONICLES_DATABASE_URL": service_url, "CHRONICLES_SIGNING_KEY": key, "LOG_LEVEL": "WARNING"}
    # Another checkout's service against this bench (a before/after comparison): its src directory here.
    env["PYTHONPATH"] = os.environ.get("BENCH_SERVICE_PYTHONPATH", env.get("PYTHONPATH", ""))
    process = subprocess.Popen([sys.executable, "-m", "chronicles", "serve", "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"{base}/ping"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"chronicles serve did not answer at {base}")
            time.sleep(0.2)
        yield Service(base, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=lambda text: int(text.replace(",", "").replace("_", "")), default=100_000)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--explain", action="store_true", help="print the plan of one search of each kind")
    parser.add_argument("--reuse", action="store_true", help="keep the database when it already holds N entries")
    parser.add_argument("--kinds", default="", help="only these kinds (comma-separated names as printed)")
    parser.add_argument("--pages", type=int, default=0, help="also count the pages of N searches per kind")
    parser.add_argument(
        "--seed", type=int, default=11, help="of the filters timed: another seed times filters not run before"
    )
    options = parser.parse_args()
    shape = Shape(options.entries)
    database_url = prepare_database(admin_database_uri(), f"bench_search_{shape.entries}", shape, options.reuse)
    org = 7
    access = [f"org:{org}", f"user:{org + ORGS}", "public"]
    key = secrets.token_urlsafe(48)
    token = mint(key, access, timedelta(hours=2))
    if options.explain:
        explain(database_url, access, shape)
    if options.pages:
        _print_pages(shape, options.pages, pages_per_search(database_url, access, shape, options.pages))
    if options.iterations <= 0:
        return
    load_before = os.getloadavg()
    with chronicles_service(database_url, key) as service, engine_runner(database_url, access) as engine:
        ways = {
            "graphql": Way(_http_runner(service.base, token), service.cpu_seconds),
            "engine": Way(engine, time.process_time),
        }
        figures = search_latencies(ways, token, shape, options.iterations, options.seed, options.kinds)
    _print(shape, options.iterations, access, figures, (load_before, os.getloadavg()))


def _print(
    shape: Shape,
    iterations: int,
    access: list[str],
    figures: dict[str, dict[str, Figures]],
    loads: tuple[tuple[float, float, float], tuple[float, float, float]],
) -> None:
    print(
        f"\nChronicles search, {shape.entries:,} entries, {iterations} searches per kind each way (in turns),"
        f" pages of {PAGE}, viewer {access}; load average {loads[0][0]:.1f} before, {loads[1][0]:.1f} after"
    )
    aims = f"p50 <= {AIM_P50} ms, p99 <= {AIM_P99} ms, GraphQL cost <= {AIM_OVERHEAD} ms (p50)"
    print(f"aims (issue 16, at 30 M entries): {aims}. CPU: ms per search in the process doing it (server; bench)")
    print("first: the runs that went first (nothing cached for their filter); warm: the runs that went second")
    head = f"{'kind':<22}{'GraphQL p50':>12}{'p99':>9}{'engine p50':>12}{'p99':>9}{'warm GQL':>10}{'engine':>8}"
    print(f"{head}{'cost':>8}   p50/aim p99/aim cost/aim  CPU GraphQL engine  cost")
    for kind, graphql in figures["graphql"].items():
        engine = figures["engine"][kind]
        cost = graphql.warm_p50 - engine.warm_p50
        line = f"{kind:<22}{graphql.p50:>10.2f}ms{graphql.p99:>7.2f}ms{engine.p50:>10.2f}ms{engine.p99:>7.2f}ms"
        warm = f"{graphql.warm_p50:>8.2f}ms{engine.warm_p50:>6.2f}ms{cost:>6.2f}ms"
        ratios = f"{graphql.p50 / AIM_P50:>7.2f} {graphql.p99 / AIM_P99:>7.2f} {cost / AIM_OVERHEAD:>8.2f}"
        cpu = f"{graphql.cpu:>12.2f} {engine.cpu:>6.2f} {graphql.cpu - engine.cpu:>5.2f}"
        print(f"{line}{warm}   {ratios}  {cpu}")
    slowest = max((figure.slowest, kind, way) for way, kinds in figures.items() for kind, figure in kinds.items())
    print(f"slowest search: {slowest[0]:.2f} ms ({slowest[1]}, {slowest[2]})")
    for kind, (engine_p50, graphql_p50) in BASELINE_30M.items():
        through = f", GraphQL {graphql_p50} ms" if graphql_p50 is not None else ""
        print(f"baseline at 30 M entries, 2026-12-05, {kind} p50: engine {engine_p50} ms{through}")


def _print_pages(shape: Shape, searches: int, pages: dict[str, int]) -> None:
    print(f"\nPages per search (median of {searches} per kind, {shape.entries:,} entries; a cold search reads each):")
    baseline = BASELINE_PAGES_1M if shape.entries == 1_000_000 else {}
    print(f"{'kind':<22}{'pages':>7}" + (f"{'before':>8}  ratio  (before: {BASELINE_PAGES_NAME})" if baseline else ""))
    for kind, count in pages.items():
        before = baseline.get(kind)
        ratio = f"{before:>8}  {count / before:.2f}" if before else ""
        print(f"{kind:<22}{count:>7}{ratio}")


if __name__ == "__main__":
    main()
