"""Eval hosts reached over SSH: the URL and credentials checked, and a real sshd in front of a real engine."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from practica.hosts.engine import EngineError, check_url, engine_client, probe
from practica.hosts.ssh import DEFAULT_ENGINE_SOCKET, SshTarget, key_file, parse_ssh_url
from practica.sandbox.docker_remote import RemoteDockerRuntime
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import EnvironmentSpec, ExecRequest
from tests.eval_hosts import EvalHostLab
from tests.practica.hosts.test_cli import hosts
from tests.practica.sandbox import test_conformance_interactive as interactive
from tests.practica.sandbox.conftest import TEST_LIMITS


def test_an_ssh_url_names_the_login_the_port_and_the_engine_socket() -> None:
    url = "ssh://ops@eval-3.example.org:2222/run/podman/podman.sock"
    assert parse_ssh_url(url) == SshTarget(url, "ops", "eval-3.example.org", 2222, "/run/podman/podman.sock")
    short = "ssh://ops@10.0.0.7"
    assert parse_ssh_url(short) == SshTarget(short, "ops", "10.0.0.7", 22, DEFAULT_ENGINE_SOCKET)


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("ssh://10.0.0.7/run/docker.sock", "the user is missing"),
        ("ssh://-oProxyCommand=touch%20x@10.0.0.7", "the user is missing or odd"),
        ("ssh://ops@-oProxyCommand=x/run/docker.sock", "the host is missing or odd"),
        ("ssh://ops:secret@10.0.0.7", "no password"),
        ("ssh://ops@10.0.0.7/run/docker.sock?x=1", "no password, query or fragment"),
        ("ssh://ops@10.0.0.7:ssh/run/docker.sock", "the port is not a number"),
        ("ssh://ops@10.0.0.7/run/a:b.sock", "must be a plain absolute path"),
        ("ssh://ops@10.0.0.7/run/../etc/shadow", "must be a plain absolute path"),
        ("ssh://ops@10.0.0.7/run/docker .sock", "must be a plain absolute path"),
        ("unix:///run/docker.sock", "tcp://HOST:PORT over TLS or ssh://USER@HOST/ENGINE-SOCKET"),
    ],
)
def test_a_bad_url_is_refused_naming_what_is_wrong(url: str, named: str) -> None:
    with pytest.raises(EngineError, match=named.replace("?", r"\?").replace("+", r"\+")):
        check_url(url)


def test_the_credentials_need_the_hosts_key_and_a_private_key(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="missing known_hosts"):
        key_file(tmp_path)
    (tmp_path / "known_hosts").write_text("10.0.0.7 ssh-ed25519 AAAA\n")
    with pytest.raises(EngineError, match=r"missing the private key \(id_ed25519, id_ecdsa, id_rsa\)"):
        key_file(tmp_path)
    (tmp_path / "id_rsa").write_text("key")
    assert key_file(tmp_path) == tmp_path / "id_rsa"


def test_an_operator_adds_an_eval_host_over_ssh(practica_db_url: str, ssh_host: EvalHostLab, tmp_path: Path) -> None:
    credentials = ssh_host.ssh_dir(tmp_path / "ssh")

    added = hosts(practica_db_url, "add", "eval-s", ssh_host.ssh_url, "--cert-dir", str(credentials))

    assert added.returncode == 0, added.stderr
    assert "added eval-s (podman 4" in added.stdout
    assert "trial environment made, used and removed in" in added.stdout
    listed = hosts(practica_db_url, "list")
    assert "eval-s" in listed.stdout
    assert ssh_host.ssh_url in listed.stdout
    assert _tunnels_of(credentials) == []  # the CLI's tunnels ended with it


@pytest.mark.parametrize(
    ("wrong", "told"),
    [
        ({"stranger_key": True}, "ssh refused: the host did not accept the key"),
        ({"wrong_host_key": True}, "ssh refused: the host's key is not the one in"),
    ],
)
def test_a_host_refusing_the_credentials_is_not_added_and_ssh_says_why(
    practica_db_url: str, ssh_host: EvalHostLab, tmp_path: Path, wrong: dict[str, bool], told: str
) -> None:
    credentials = ssh_host.ssh_dir(tmp_path / "ssh", **wrong)

    refused = hosts(practica_db_url, "add", "eval-s", ssh_host.ssh_url, "--cert-dir", str(credentials))

    assert refused.returncode == 1
    assert refused.stderr.startswith(f"practica: eval-s not added: {ssh_host.ssh_url}: {told}"), refused.stderr
    assert "no eval hosts" in hosts(practica_db_url, "list").stdout


def test_a_socket_path_where_no_engine_listens_is_told(ssh_host: EvalHostLab, tmp_path: Path) -> None:
    url = ssh_host.ssh_url.replace("podman.sock", "elsewhere.sock")

    with pytest.raises(EngineError, match=r"no engine answers: nothing serves /\S+/elsewhere.sock on the host"):
        probe(url, ssh_host.ssh_dir(tmp_path / "ssh"))


# docker-py's unix connection leaves its socket to the collector when connect() is refused (the tunnel restarting).
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_client_serves_again_once_the_host_answers_again(ssh_host: EvalHostLab, tmp_path: Path) -> None:
    client = engine_client(ssh_host.ssh_url, ssh_host.ssh_dir(tmp_path / "ssh"))
    try:
        assert "Components" in client.version()
        ssh_host.ssh_silent()  # the machine went away: the tunnel's connection is gone
        with pytest.raises(Exception, match="Connection"):
            client.version()
        gc.collect()  # the refused sockets, while their warning is ignored
        ssh_host.ssh_again()
        deadline = time.monotonic() + 30
        while True:
            try:
                assert "Components" in client.version()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        gc.collect()
    finally:
        client.close()


def test_a_login_that_runs_no_command_still_forwards(ssh_host: EvalHostLab, tmp_path: Path) -> None:
    credentials = ssh_host.ssh_dir(tmp_path / "ssh")
    client = engine_client(ssh_host.ssh_url, credentials)
    assert client.tunnel.in_terminal  # the session that keeps sshd sending at once
    client.close()
    ssh_host.ssh_silent()
    ssh_host.ssh_again(config="ForceCommand /bin/false\n")  # as a nologin shell or a forced command would

    client = engine_client(ssh_host.ssh_url, credentials)
    try:
        assert "Components" in client.version()
        assert not client.tunnel.in_terminal
    finally:
        client.close()


def test_no_tunnel_outlives_its_client_or_its_process(ssh_host: EvalHostLab, tmp_path: Path) -> None:
    credentials = ssh_host.ssh_dir(tmp_path / "ssh")
    client = engine_client(ssh_host.ssh_url, credentials)
    assert len(_tunnels_of(credentials)) == 1
    client.close()
    assert _wait_for_no_tunnel(credentials)

    argv = [sys.executable, "-c", HOLD_A_TUNNEL, ssh_host.ssh_url, str(credentials)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "open"
        assert len(_tunnels_of(credentials)) == 1
        os.kill(holder.pid, signal.SIGKILL)  # no atexit, no close: the kernel ends its ssh
    assert _wait_for_no_tunnel(credentials)


HOLD_A_TUNNEL = """
import sys, time
from pathlib import Path
from practica.hosts.engine import engine_client
client = engine_client(sys.argv[1], Path(sys.argv[2]))
print("open", flush=True)
time.sleep(600)
"""


@pytest.fixture
async def ssh_runtime(ssh_host: EvalHostLab, tmp_path: Path) -> AsyncIterator[RemoteDockerRuntime]:
    client = await asyncio.to_thread(engine_client, ssh_host.ssh_url, ssh_host.ssh_dir(tmp_path / "ssh"))
    runtime = await asyncio.to_thread(RemoteDockerRuntime, SandboxSettings(), client)
    yield runtime
    await runtime.close()


async def test_an_environment_over_ssh_runs_commands_terminals_files_and_ports(
    ssh_runtime: RemoteDockerRuntime,
) -> None:
    env = (await ssh_runtime.create(EnvironmentSpec(limits=TEST_LIMITS))).id
    try:
        ran = await ssh_runtime.exec(env, ExecRequest(argv=["sh", "-c", "echo over-ssh; id -un"]))
        assert (ran.exit_code, ran.stdout) == (0, b"over-ssh\nlearner\n")
        await ssh_runtime.write_file(env, "notes/a.txt", b"kept")
        assert await ssh_runtime.read_file(env, "notes/a.txt") == b"kept"
        await interactive.test_a_terminal_runs_an_interactive_shell(ssh_runtime, env)
        await interactive.test_connect_port_reaches_a_server_inside(ssh_runtime, env)
    finally:
        await ssh_runtime.remove(env)
    assert await ssh_runtime.list_environments() == []


def _tunnels_of(credentials: Path) -> list[str]:
    """The ssh processes using the key in ``credentials`` (each client's tunnel)."""
    found = subprocess.run(["pgrep", "-f", f"ssh .*-i {credentials}/"], capture_output=True, text=True)
    return found.stdout.split()


def _wait_for_no_tunnel(credentials: Path) -> bool:
    deadline = time.monotonic() + 10
    while _tunnels_of(credentials):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
