"""PoolReads and SessionReads give the same answers to the same Core statements, on a real database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import psycopg
import pytest
from sqlalchemy import Integer, Text, bindparam, column, literal, select, text, values
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.reads import PoolReads, Reads, SessionReads

NUMBERS = values(column("n", Integer), column("name", Text), name="numbers").data(
    [(1, "one"), (2, "two"), (3, "three")]
)
NAMED = select(literal("number"), NUMBERS.c.n, NUMBERS.c.name).where(NUMBERS.c.n >= bindparam("least", type_=Integer))


def libpq_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
async def pool_reads(practica_db_url: str) -> AsyncIterator[PoolReads]:
    reads = PoolReads(practica_db_url, max_size=2, application_name="test-reads")
    yield reads
    await reads.close()


@pytest.fixture
async def session_reads(practica_db_url: str) -> AsyncIterator[SessionReads]:
    engine = create_async_engine(practica_db_url)
    async with engine.connect() as connection:
        yield SessionReads(connection)
    await engine.dispose()


@pytest.fixture(params=["pool", "session"])
def reads(request: pytest.FixtureRequest, pool_reads: PoolReads, session_reads: SessionReads) -> Reads:
    return pool_reads if request.param == "pool" else session_reads


async def test_rows_bind_the_statements_literals_and_the_callers_parameters(reads: Reads) -> None:
    assert [tuple(row) for row in await reads.rows(NAMED, {"least": 2})] == [
        ("number", 2, "two"),
        ("number", 3, "three"),
    ]
    assert [tuple(row) for row in await reads.rows(NAMED, {"least": 3})] == [("number", 3, "three")]


async def test_mappings_name_the_columns(reads: Reads) -> None:
    statement = text("SELECT CAST(:n AS int) AS n, 'x' || :n AS label")
    assert await reads.mappings(statement, {"n": 7}) == [{"n": 7, "label": "x7"}]


async def test_a_statement_built_per_call_with_an_in_list_is_compiled_with_its_values(reads: Reads) -> None:
    for wanted in ([1, 3], [2]):
        statement = select(NUMBERS.c.name).where(NUMBERS.c.n.in_(wanted)).order_by(NUMBERS.c.n)
        assert [name for (name,) in await reads.rows(statement)] == [
            {1: "one", 2: "two", 3: "three"}[n] for n in wanted
        ]


async def test_a_failing_statement_raises_and_leaves_the_pool_usable(pool_reads: PoolReads) -> None:
    for _ in range(3):  # more failures than connections: each one went back to the pool in working order
        with pytest.raises(psycopg.errors.UndefinedTable):
            await pool_reads.rows(text("SELECT * FROM no_such_table"))
    assert [tuple(row) for row in await pool_reads.rows(text("SELECT 1"))] == [(1,)]


async def test_the_pool_opens_on_first_use_and_closes(practica_db_url: str) -> None:
    reads = PoolReads(practica_db_url, max_size=1, application_name="test-reads-lazy")
    assert reads.pool.closed
    await reads.rows(text("SELECT 1"))
    assert not reads.pool.closed
    await reads.close()
    assert reads.pool.closed


async def test_reads_go_on_after_the_server_dropped_every_pooled_connection(practica_db_url: str) -> None:
    reads = PoolReads(practica_db_url, max_size=3, application_name="test-reads-restart")
    try:
        await asyncio.gather(*(reads.rows(text("SELECT pg_sleep(0.05)")) for _ in range(3)))  # three connections
        async with await psycopg.AsyncConnection.connect(libpq_url(practica_db_url), autocommit=True) as admin:
            cursor = await admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
                ["test-reads-restart"],
            )
            assert await cursor.fetchone() == (3,)

        assert [tuple(row) for row in await reads.rows(text("SELECT 2"))] == [(2,)]
        assert await reads.mappings(text("SELECT 3 AS n")) == [{"n": 3}]
    finally:
        await reads.close()


async def test_a_cancelled_query_is_not_run_again(practica_db_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(libpq_url(practica_db_url), autocommit=True) as admin:
        await admin.execute("CREATE SEQUENCE runs")
        database = (await (await admin.execute("SELECT current_database()")).fetchone() or [""])[0]
        await admin.execute(f'ALTER DATABASE "{database}" SET statement_timeout = 200')
    reads = PoolReads(practica_db_url, max_size=1, application_name="test-reads-cancel")
    try:
        with pytest.raises(psycopg.errors.QueryCanceled):
            await reads.rows(text("SELECT nextval('runs'), pg_sleep(1)"))  # nextval outlives the cancel
        assert [tuple(row) for row in await reads.rows(text("SELECT last_value FROM runs"))] == [(1,)]
    finally:
        await reads.close()


Connect = Callable[[], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]


def _connector(database_url: str) -> Connect:
    """How to reach the database server: its unix socket (the embedded server) or its TCP address."""
    url = make_url(database_url)
    host = url.query.get("host") or url.host or "127.0.0.1"
    assert isinstance(host, str)
    port = int(url.port or 5432)
    if host.startswith("/"):
        return lambda: asyncio.open_unix_connection(f"{host}/.s.PGSQL.{port}")
    return lambda: asyncio.open_connection(host, port)


async def _slow_proxy(connect: Connect, delay: float, slow: int) -> asyncio.Server:
    """A TCP proxy to the database that holds its first ``slow`` connections ``delay`` seconds (longer than the
    client's connect timeout: they fail), then forwards the next ones at once: a server slow for a moment."""
    held = 0

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        nonlocal held
        held += 1
        if held <= slow:
            await asyncio.sleep(delay)
        server_reader, server_writer = await connect()
        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))

    return await asyncio.start_server(handle, "127.0.0.1", 0)


async def test_a_new_pool_gives_its_first_connections_the_time_they_take(practica_db_url: str) -> None:
    """A process's first read opens the pool: on a loaded host its first connections took longer than the 5 s a
    request waits for one, and a new replica's first requests failed (PoolTimeout). They now wait for them."""
    proxy = await _slow_proxy(_connector(practica_db_url), delay=6.0, slow=2)  # the pool's first two
    port = proxy.sockets[0].getsockname()[1]
    url = make_url(practica_db_url)
    through_proxy = url.set(host="127.0.0.1", port=port, query={k: v for k, v in url.query.items() if k != "host"})
    reads = PoolReads(through_proxy.render_as_string(hide_password=False), max_size=2, application_name="slow")
    try:
        assert await reads.rows(select(literal(1))) == [(1,)]
    finally:
        await reads.close()
        proxy.close()
