"""The fence around ``egress`` environments on an eval host: the internet yes, the platform and eval hosts no."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from practica.sandbox import EnvironmentSpec, ExecRequest, NetworkAccess
from practica.sandbox.docker_remote import RemoteDockerRuntime
from practica.sandbox.docker_runtime import container_name
from practica.sandbox.egress import engine_addresses, ruleset
from practica.sandbox.environments import HOST
from practica.sandbox.runtime import EnvironmentNotFoundError, SandboxError
from practica.sandbox.settings import SandboxSettings, parse_networks
from tests.eval_hosts import ENGINE_PORT, EvalHostLab, net_keeper_without_rights
from tests.practica.sandbox.conftest import TEST_LIMITS

pytestmark = pytest.mark.sandbox

PROBE = """
import socket, sys
for target in sys.argv[1:]:
    host, port = target.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
        print("connected")
    except OSError:
        print("refused")
"""
EGRESS = EnvironmentSpec(environment=HOST, network=NetworkAccess.EGRESS, limits=TEST_LIMITS)


def test_networks_are_read_from_a_comma_separated_list() -> None:
    assert parse_networks(" 10.0.0.0/8, fd00::/8,,203.0.113.7 ") == [
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("fd00::/8"),
        ipaddress.ip_network("203.0.113.7/32"),
    ]


def test_a_setting_that_is_no_network_names_the_setting_and_the_item() -> None:
    with pytest.raises(ValidationError) as raised:
        SandboxSettings(egress_denied="10.0.0.0/8, 10.0.0.0/33")
    assert "egress_denied" in str(raised.value)
    assert "'10.0.0.0/33' is not an address or a network" in str(raised.value)


def test_an_ipv6_zone_is_refused_as_it_would_carry_any_text_into_the_ruleset() -> None:
    with pytest.raises(ValidationError, match="has an interface zone"):
        SandboxSettings(egress_denied="fe80::1%x } accept; {")


def test_the_ruleset_rejects_each_family_apart_and_merges_what_overlaps() -> None:
    text = ruleset(parse_networks("10.0.0.0/8, 10.231.4.2, 192.168.0.0/16, fd00::/8, fc00::/7"))
    assert "ip daddr { 10.0.0.0/8, 192.168.0.0/16 } reject" in text
    assert "ip6 daddr { fc00::/7 } reject" in text
    assert "th dport 53 accept" in text
    assert text.index("th dport 53 accept") < text.index("ip daddr")


def test_an_engine_url_names_its_machine_and_a_local_socket_none() -> None:
    assert engine_addresses("tcp://10.231.7.2:2376") == [ipaddress.ip_network("10.231.7.2/32")]
    assert engine_addresses("ssh://practica@10.231.7.6/run/podman/podman.sock") == [
        ipaddress.ip_network("10.231.7.6/32")
    ]
    assert engine_addresses("unix:///run/practica-podman.sock") == []


@pytest.fixture
def external_listener_on_the_link(remote_lab: tuple[EvalHostLab, Path]) -> Iterator[tuple[str, int]]:
    """A TCP service on this machine's address facing the eval host: the web tier, or PostgreSQL."""
    with socket.create_server((remote_lab[0].platform_address, 0)) as server:
        yield server.getsockname()[:2]


@pytest.fixture
async def remote(remote_engine: object, sandbox_settings: SandboxSettings) -> AsyncIterator[RemoteDockerRuntime]:
    runtime = RemoteDockerRuntime(sandbox_settings, remote_engine)
    yield runtime
    await runtime.close()


async def _probe(runtime: RemoteDockerRuntime, env_id: str, *targets: str) -> list[str]:
    done = await runtime.exec(env_id, ExecRequest(argv=["python3", "-c", PROBE, *targets], timeout=30))
    assert done.exit_code == 0, done.stderr
    return done.stdout.decode().split()


async def test_egress_reaches_the_internet_but_not_the_platform_nor_an_engine(
    remote: RemoteDockerRuntime,
    remote_lab: tuple[EvalHostLab, Path],
    internet_listener: tuple[str, int],
    external_listener_on_the_link: tuple[str, int],
) -> None:
    lab, _certs = remote_lab
    internet = "{}:{}".format(*internet_listener)
    web_tier = "{}:{}".format(*external_listener_on_the_link)
    targets = [internet, web_tier, f"{lab.address}:{ENGINE_PORT}", "169.254.169.254:80"]
    info = await remote.create(EGRESS)
    try:
        assert await _probe(remote, info.id, *targets) == ["connected", "refused", "refused", "refused"]

        flushed = await remote.exec(info.id, ExecRequest(argv=["nft", "flush", "ruleset"]))
        assert flushed.exit_code != 0  # the learner holds no capability over the fence
        assert await _probe(remote, info.id, web_tier) == ["refused"]

        await remote.stop(info.id)
        await remote.resume(info.id)  # a new start, so a new network namespace: fenced again
        assert await _probe(remote, info.id, internet, web_tier) == ["connected", "refused"]
    finally:
        await remote.remove(info.id)


async def test_an_environment_without_egress_is_not_fenced_and_reaches_nothing(
    remote: RemoteDockerRuntime, internet_listener: tuple[str, int]
) -> None:
    info = await remote.create(EGRESS.model_copy(update={"network": NetworkAccess.NONE}))
    try:
        assert await _probe(remote, info.id, "{}:{}".format(*internet_listener)) == ["refused"]
    finally:
        await remote.remove(info.id)


async def test_an_environment_that_cannot_be_fenced_is_not_made(
    remote: RemoteDockerRuntime, remote_engine: object
) -> None:
    """Fail closed: a keeper that cannot enter the namespace (not privileged, nor in the host's pids) makes none."""
    client = remote_engine
    with net_keeper_without_rights(client):
        with pytest.raises(SandboxError, match="could not fence an environment's network"):
            await remote.create(EGRESS, "e0e0e0e0e0e0e0e1")
        with pytest.raises(EnvironmentNotFoundError):
            await remote.get("e0e0e0e0e0e0e0e1")
        assert not client.containers.list(all=True, filters={"name": container_name("e0e0e0e0e0e0e0e1")})  # type: ignore[attr-defined]
