"""Learners' environments on two eval hosts (podman in network namespaces, behind TLS), through the learner's API.

Placement spreads new environments and skips a draining host; a host that
dies mid-session is marked down by the heartbeat, and the learner's next
open of the lesson lands on the other host, with the files of their last
autosave.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect

from practica.environments.leftovers import sweep_leftovers
from practica.environments.models import LearnerEnvironment, PooledSandbox
from practica.environments.pool import refill
from practica.hosts import registry
from practica.hosts.engine import probe
from practica.hosts.heartbeat import beat
from practica.hosts.runtimes import runtime_on
from practica.learning.saves import save_recent
from practica.sandbox.gateway import issue_gateway_token
from practica.sandbox.runtime import Runtime
from practica.sandbox.spec import ExecRequest, NetworkAccess, Status
from tests.conftest import free_port, running_service
from tests.eval_hosts import EvalHostLab
from tests.practica.learning.conftest import Site, open_lesson
from tests.practica.sandbox.test_gateway_terminal import read_until

MINE = b"def add(a, b):\n    return a + b  # mine, on an eval host\n"
LIMIT = 16 * 1024 * 1024


async def _register(site: Site, hosts: tuple[EvalHostLab, ...], cert_dir: Path) -> None:
    for lab in hosts:
        facts = probe(lab.url, cert_dir)
        async with site.sessions() as session, session.begin():
            await registry.add_host(session, lab.name, lab.url, cert_dir, facts, capacity_count=20)


async def _host_of(site: Site, env_id: str) -> str:
    async with site.sessions() as session:
        row = await session.get(LearnerEnvironment, env_id)
        assert row is not None
        return row.host


async def _runtime(site: Site, host: str) -> Runtime:
    return await runtime_on(site.resources.sandbox, site.sessions, host)


async def _open(site: Site, email: str) -> tuple[httpx.AsyncClient, str]:
    client = await site.learner(email)
    return client, str((await open_lesson(site, client))["id"])


async def _host_dies_and_the_learner_comes_back(
    site: Site, client: httpx.AsyncClient, two_hosts: tuple[EvalHostLab, ...], host: str
) -> None:
    """``host`` stops answering, the heartbeat marks it down, and the learner opens the lesson again."""
    {lab.name: lab for lab in two_hosts}[host].go_silent()
    await beat(site.sessions, timedelta(0))  # the heartbeat finds it silent: down
    response = await client.post("/api/courses/basics/lessons/add/environment")  # the learner's next action
    assert response.status_code == 200, response.text
    await site.run_jobs()


@pytest.mark.sandbox_settings(pool_max=0)  # no warm sandbox to take: each environment is placed
async def test_new_environments_spread_over_the_hosts_and_skip_a_draining_one(
    site: Site, two_hosts: tuple[EvalHostLab, EvalHostLab], client_certs: Path
) -> None:
    await _register(site, two_hosts, client_certs)
    first_client, first = await _open(site, "ana@example.org")
    second_client, second = await _open(site, "bo@example.org")
    assert {await _host_of(site, first), await _host_of(site, second)} == {"a", "b"}
    for env_id in (first, second):
        runtime = await _runtime(site, await _host_of(site, env_id))
        listed = {entry.name for entry in await runtime.list_files(env_id)}
        assert "solution.py" in listed, listed  # the starter files went in on the eval host

    async with site.sessions() as session, session.begin():
        await registry.set_draining(session, "a", True)
    third_client, third = await _open(site, "cy@example.org")
    assert await _host_of(site, third) == "b"
    assert site.runtime.name == "bwrap"
    assert third not in {info.id for info in await site.runtime.list_environments()}  # nothing on this machine
    for client in (first_client, second_client, third_client):
        await client.aclose()


async def test_a_host_that_dies_mid_session_leaves_the_learner_on_the_other_with_their_files(
    site: Site, two_hosts: tuple[EvalHostLab, EvalHostLab], client_certs: Path
) -> None:
    await _register(site, two_hosts, client_certs)
    client, env_id = await _open(site, "dee@example.org")
    lost_host = await _host_of(site, env_id)
    lost = await _runtime(site, lost_host)
    await lost.write_file(env_id, "solution.py", MINE)
    await lost.exec(env_id, ExecRequest(argv=["sh", "-c", "mkdir -p notes && echo idea > notes/a.txt"]))
    assert await save_recent(site.sessions, lost, lost_host, LIMIT) == 1  # the minute's autosave

    await _host_dies_and_the_learner_comes_back(site, client, two_hosts, lost_host)
    ready = (await client.get("/api/courses/basics/lessons/add/environment")).json()
    assert (ready["id"], ready["status"]) == (env_id, "running"), ready
    other_host = await _host_of(site, env_id)
    assert other_host != lost_host
    other = await _runtime(site, other_host)
    assert await other.read_file(env_id, "solution.py") == MINE
    assert await other.read_file(env_id, "notes/a.txt") == b"idea\n"
    await client.aclose()


async def test_a_returning_host_loses_what_moved_away_and_keeps_what_is_placed_there(
    site: Site, two_hosts: tuple[EvalHostLab, EvalHostLab], client_certs: Path
) -> None:
    await _register(site, two_hosts, client_certs)
    client, moved = await _open(site, "eve@example.org")
    lost_host = await _host_of(site, moved)
    lost = await _runtime(site, lost_host)
    await refill(site.sessions, lost, site.sandbox, lost_host)  # a warm sandbox pooled there: its row says so
    pooled = await _pooled_ids(site, lost_host)
    assert len(pooled) == 1
    await _host_dies_and_the_learner_comes_back(site, client, two_hosts, lost_host)
    assert await _host_of(site, moved) != lost_host

    {lab.name: lab for lab in two_hosts}[lost_host].answer_again()
    await beat(site.sessions, timedelta(0))  # up again, still holding the environment that moved away
    held = {info.id for info in await lost.list_environments()}
    assert held == {moved, *pooled}
    assert await sweep_leftovers(site.sessions, site.resources.sandbox) == []  # younger than the grace period

    removed = await sweep_leftovers(site.sessions, site.resources.sandbox, grace=timedelta(0))

    assert removed == [(lost_host, moved)]
    assert {info.id for info in await lost.list_environments()} == pooled
    elsewhere = await _runtime(site, await _host_of(site, moved))
    assert (await elsewhere.get(moved)).status is Status.RUNNING  # the learner's environment, where it moved
    await client.aclose()


# Tries each (address, port) given as arguments; prints "connected" or "unreachable" for each.
PROBE = """
import socket, sys
pairs = sys.argv[1:]
for address, port in zip(pairs[::2], pairs[1::2]):
    try:
        socket.create_connection((address, int(port)), timeout=3).close()
        print("connected")
    except OSError:
        print("unreachable")
"""


def _probe_in(netns: str, targets: list[str]) -> list[str]:
    """:data:`PROBE` run in the network namespace ``netns`` (the eval host's own network)."""
    command = ["ip", "netns", "exec", netns, sys.executable, "-c", PROBE, *targets]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()


@contextmanager
def _listening(address: str) -> Iterator[int]:
    """A TCP port open on ``address`` (connections complete in the kernel's backlog), standing for the web tier."""
    with socket.create_server((address, 0)) as server:
        yield server.getsockname()[1]


async def test_an_environment_reaches_neither_another_host_nor_the_web_tier(
    site: Site, two_hosts: tuple[EvalHostLab, EvalHostLab], client_certs: Path
) -> None:
    await _register(site, two_hosts, client_certs)
    client, env_id = await _open(site, "kim@example.org")
    here = {lab.name: lab for lab in two_hosts}[await _host_of(site, env_id)]
    other = next(lab for lab in two_hosts if lab is not here)
    runtime = await _runtime(site, here.name)
    assert (await runtime.get(env_id)).spec.network is NetworkAccess.NONE  # the lesson's, as lessons default to
    web_tier = await asyncio.to_thread(lambda: here.platform_address)
    with _listening(web_tier) as port:
        targets = [web_tier, str(port), other.address, "2376"]
        from_the_host = await asyncio.to_thread(_probe_in, here.netns, targets)
        assert from_the_host[0] == "connected"  # the eval host itself reaches the web tier

        tried = await runtime.exec(env_id, ExecRequest(argv=["python3", "-c", PROBE, *targets]))

    assert tried.exit_code == 0, tried.stderr
    assert tried.stdout.decode().split() == ["unreachable", "unreachable"]
    await client.aclose()


@contextmanager
def _gateway(site: Site, log: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": site.url,
        "PRACTICA_SANDBOX_HOME": str(site.sandbox.home),
        "PRACTICA_SANDBOX_UID_BASE": str(site.sandbox.uid_base),
        "PRACTICA_SANDBOX_UID_COUNT": str(site.sandbox.uid_count),
    }
    command = [sys.executable, "-m", "practica", "gateway", "--port", str(port)]
    with running_service(command, env, f"http://127.0.0.1:{port}", log=log) as base:
        yield base


async def test_the_gateway_serves_an_environment_on_an_eval_host_and_follows_it_when_it_moves(
    site: Site, two_hosts: tuple[EvalHostLab, EvalHostLab], client_certs: Path, tmp_path: Path
) -> None:
    await _register(site, two_hosts, client_certs)
    client, env_id = await _open(site, "fay@example.org")
    first_host = await _host_of(site, env_id)
    await (await _runtime(site, first_host)).write_file(env_id, "solution.py", MINE)
    token = issue_gateway_token(site.sandbox, "fay", env_id)
    with _gateway(site, tmp_path / "gateway.log") as base:
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}) as gateway:
            read = await gateway.get(f"/environments/{env_id}/files", params={"path": "solution.py"})
            assert (read.status_code, read.content) == (200, MINE), read.text
        terminal = f"{base.replace('http', 'ws', 1)}/environments/{env_id}/terminal?token={token}"
        async with connect(terminal) as socket:
            await socket.send(b"echo $(grep -c 'eval host' solution.py)-$((40+2))\n")  # the file is only there
            await read_until(socket, b"1-42")

        assert await save_recent(site.sessions, await _runtime(site, first_host), first_host, LIMIT) == 1
        await _host_dies_and_the_learner_comes_back(site, client, two_hosts, first_host)
        assert await _host_of(site, env_id) != first_host
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}) as gateway:
            read = await gateway.get(f"/environments/{env_id}/files", params={"path": "solution.py"})
            assert (read.status_code, read.content) == (200, MINE), read.text
    await client.aclose()


async def _pooled_ids(site: Site, host: str) -> set[str]:
    async with site.sessions() as session:
        return set(await session.scalars(select(PooledSandbox.id).where(PooledSandbox.host == host)))


async def test_a_warm_sandbox_pooled_on_an_eval_host_is_taken_there_unless_it_drains(
    site: Site, two_hosts: tuple[EvalHostLab, EvalHostLab], client_certs: Path
) -> None:
    await _register(site, two_hosts, client_certs)
    first_client, first = await _open(site, "gil@example.org")
    host = await _host_of(site, first)
    runtime = await _runtime(site, host)
    await refill(site.sessions, runtime, site.sandbox, host)  # as the refill job for that host (or its tick) does
    [warm] = await _pooled_ids(site, host)
    assert (await runtime.get(warm)).spec.labels == {"purpose": "pool"}

    second_client, second = await _open(site, "hal@example.org")
    assert (second, await _host_of(site, second)) == (warm, host)  # placement alone would have chosen the other

    other = next(lab.name for lab in two_hosts if lab.name != host)
    await refill(site.sessions, runtime, site.sandbox, host)
    await refill(site.sessions, await _runtime(site, other), site.sandbox, other)
    warm_again = await _pooled_ids(site, host)  # each host's share: two made in the window, over two hosts
    assert len(warm_again) == 1
    assert len(await _pooled_ids(site, other)) == 1  # the other host made none, yet is warm for its first
    async with site.sessions() as session, session.begin():
        await registry.set_draining(session, host, True)
    third_client, third = await _open(site, "ida@example.org")
    assert third not in warm_again
    assert await _host_of(site, third) != host
    for client in (first_client, second_client, third_client):
        await client.aclose()


async def test_a_learner_works_on_an_eval_host_reached_over_ssh(
    site: Site, ssh_host: EvalHostLab, tmp_path: Path
) -> None:
    credentials = ssh_host.ssh_dir(tmp_path / "ssh")
    facts = probe(ssh_host.ssh_url, credentials)
    async with site.sessions() as session, session.begin():
        await registry.add_host(session, "s", ssh_host.ssh_url, credentials, facts, capacity_count=5)
    client, env_id = await _open(site, "hal@example.org")
    assert await _host_of(site, env_id) == "s"
    await (await _runtime(site, "s")).write_file(env_id, "solution.py", MINE)

    token = issue_gateway_token(site.sandbox, "hal", env_id)
    with _gateway(site, tmp_path / "gateway.log") as base:  # a process of its own, with its own tunnel
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}) as gateway:
            read = await gateway.get(f"/environments/{env_id}/files", params={"path": "solution.py"})
            assert (read.status_code, read.content) == (200, MINE), read.text
        terminal = f"{base.replace('http', 'ws', 1)}/environments/{env_id}/terminal?token={token}"
        async with connect(terminal) as socket:
            await socket.send(b"echo $(grep -c 'eval host' solution.py)-$((40+2))\n")
            await read_until(socket, b"1-42")
    await client.aclose()
