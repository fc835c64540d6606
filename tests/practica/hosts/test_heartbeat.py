"""The heartbeat against real eval hosts: a host silent past the timeout is down and takes no new environments."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from practica.hosts import registry
from practica.hosts.engine import probe
from practica.hosts.heartbeat import beat
from practica.sandbox.spec import EnvironmentSpec
from tests.eval_hosts import EvalHostLab

Sessions = async_sessionmaker[AsyncSession]
LONG = timedelta(minutes=5)


async def add_both(sessions: Sessions, hosts: tuple[EvalHostLab, ...], certs: Path) -> None:
    for host in hosts:
        facts = await asyncio.to_thread(probe, host.url, certs)
        async with sessions() as session, session.begin():
            await registry.add_host(session, host.name, host.url, certs, facts, capacity_count=10)


async def states(sessions: Sessions) -> dict[str, str]:
    async with sessions() as session:
        return {host.name: host.state for host in await registry.list_hosts(session)}


async def test_hosts_that_answer_are_seen(
    sessions: Sessions, two_hosts: tuple[EvalHostLab, ...], client_certs: Path
) -> None:
    await add_both(sessions, two_hosts, client_certs)
    async with sessions() as session, session.begin():
        await session.execute(text("UPDATE eval_hosts SET last_seen_at = now() - interval '1 hour', engine = '?'"))

    beats = await beat(sessions, LONG)

    assert {(b.name, b.error) for b in beats} == {("a", None), ("b", None)}
    async with sessions() as session:
        seen = (
            await session.execute(text("SELECT engine, now() - last_seen_at < interval '1 minute' FROM eval_hosts"))
        ).all()
    assert [(engine.split()[0], fresh) for engine, fresh in seen] == [("podman", True)] * 2


async def test_a_silent_host_is_down_only_after_the_timeout_and_up_when_it_answers_again(
    sessions: Sessions, two_hosts: tuple[EvalHostLab, ...], client_certs: Path
) -> None:
    await add_both(sessions, two_hosts, client_certs)
    silent = two_hosts[0]
    silent.go_silent()

    await beat(sessions, LONG)
    assert await states(sessions) == {"a": "active", "b": "active"}  # silent, but not for long yet
    async with sessions() as session:
        (listed, _) = await registry.list_hosts(session)
    assert listed.last_error is not None
    assert "no engine answers" in listed.last_error

    async with sessions() as session, session.begin():
        await session.execute(text("UPDATE eval_hosts SET last_seen_at = now() - interval '10 minutes'"))
    await beat(sessions, LONG)
    assert await states(sessions) == {"a": "down", "b": "active"}

    async with sessions() as session, session.begin():
        assert {await registry.place(session, EnvironmentSpec()) for _ in range(3)} == {"b"}

    silent.answer_again()
    await beat(sessions, LONG)
    assert await states(sessions) == {"a": "active", "b": "active"}
    async with sessions() as session:
        (back, _) = await registry.list_hosts(session)
    assert back.down_since is None
    assert back.last_error is None


async def test_a_host_refusing_the_certificate_is_down_after_the_timeout_with_the_reason(
    sessions: Sessions, two_hosts: tuple[EvalHostLab, ...], client_certs: Path, tmp_path: Path
) -> None:
    await add_both(sessions, two_hosts, client_certs)
    async with sessions() as session, session.begin():
        await session.execute(
            text(
                "UPDATE eval_hosts SET cert_dir = :dir, last_seen_at = now() - interval '10 minutes' WHERE name = 'b'"
            ),
            {"dir": str(tmp_path / "nowhere")},
        )

    await beat(sessions, LONG)

    async with sessions() as session:
        hosts = {host.name: host for host in await registry.list_hosts(session)}
    assert hosts["b"].state == "down"
    assert hosts["b"].last_error is not None
    assert "missing ca.pem, cert.pem, key.pem" in hosts["b"].last_error
    assert hosts["a"].state == "active"
