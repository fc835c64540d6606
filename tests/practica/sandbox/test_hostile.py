"""Hostile code, on every runtime: each test fails if an isolation it names breaks."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pyseccomp
import pytest

from practica.sandbox import EndReason, EnvironmentSpec, ExecRequest, NetworkAccess, PathRefusedError, Runtime
from practica.sandbox.bwrap_args import HOME
from practica.sandbox.docker_remote import RemoteDockerRuntime
from practica.sandbox.docker_runtime import container_name
from practica.sandbox.settings import SandboxSettings
from tests.conftest import require_tool
from tests.practica.sandbox.conftest import TEST_LIMITS, EnvFactory

pytestmark = pytest.mark.sandbox

PROBE = """
import socket, sys
for host, port in [a.rsplit(":", 1) for a in sys.argv[1:]]:
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        print("CONNECTED", host, port)
    except OSError as error:
        print("refused", host, port, error)
"""


def sh(script: str, **options: object) -> ExecRequest:
    return ExecRequest.model_validate({"argv": ["sh", "-c", script], **options})


@pytest.fixture
def loopback_listener() -> Iterator[int]:
    """A TCP service on the host's 127.0.0.1, like the platform's PostgreSQL and gateway."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


@pytest.fixture
def external_listener() -> Iterator[tuple[str, int]]:
    """A TCP service on the host's own non-loopback address, as the platform's services listen."""
    output = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True)
    addresses = [line.split()[3].split("/")[0] for line in output.stdout.splitlines() if "inet " in line]
    require_tool(bool(addresses), "a non-loopback address on the host")
    with socket.socket() as server:
        server.bind((addresses[0], 0))
        server.listen()
        yield addresses[0], server.getsockname()[1]


async def test_host_files_are_unreadable(runtime: Runtime, env: str, tmp_path: Path) -> None:
    secret = tmp_path / "host-secret.txt"
    secret.write_text("HOST-SECRET")
    secret.chmod(0o644)
    result = await runtime.exec(env, sh(f"cat {secret} /etc/shadow /root/.bashrc; ls /work /home; cat /etc/passwd"))
    assert b"HOST-SECRET" not in result.stdout
    assert b"root:$" not in result.stdout
    assert b"root:*" not in result.stdout
    assert set(result.stdout.decode().split("\n")) <= {"", *_sandbox_passwd_lines(result.stdout)}


def _sandbox_passwd_lines(output: bytes) -> set[str]:
    """The environment's /etc/passwd is Practica's own: no account of the host's beyond root, nobody, learner."""
    lines = {line for line in output.decode().splitlines() if line.count(":") >= 6}
    names = {line.split(":")[0] for line in lines}
    assert names <= {"root", "learner", "nobody"}, names
    return lines


async def test_another_workspace_is_unreadable(
    runtime: Runtime, make_env: EnvFactory, sandbox_settings: SandboxSettings
) -> None:
    victim, attacker = await make_env(), await make_env()
    await runtime.write_file(victim, "secret.txt", b"VICTIM-SECRET")
    victim_dir = sandbox_settings.environments_home / victim
    script = (
        f"cat {victim_dir}/workspace/secret.txt /proc/*/root/workspace/secret.txt; "
        "grep -rs VICTIM / --exclude-dir=usr --exclude-dir=proc --exclude-dir=sys 2>&1"
    )
    result = await runtime.exec(attacker, sh(script, timeout=15))
    assert b"VICTIM-SECRET" not in result.stdout + result.stderr


async def test_host_processes_are_invisible(runtime: Runtime, env: str) -> None:
    result = await runtime.exec(env, sh("cat /proc/[0-9]*/cmdline | tr '\\0' ' '; echo; ls -d /proc/[0-9]* | wc -l"))
    assert b"pytest" not in result.stdout
    assert str(os.getpid()).encode() + b"\n" not in result.stdout
    assert int(result.stdout.split()[-1]) < 10


async def test_no_network_under_policy_none(runtime: Runtime, env: str, external_listener: tuple[str, int]) -> None:
    address, port = external_listener
    result = await runtime.exec(env, ExecRequest(argv=["python3", "-c", PROBE, f"{address}:{port}", "1.1.1.1:53"]))
    assert b"CONNECTED" not in result.stdout, result.stdout
    assert result.stdout.count(b"refused") == 2


@pytest.mark.parametrize("network", [NetworkAccess.NONE, NetworkAccess.EGRESS])
async def test_host_loopback_is_unreachable_under_any_policy(
    runtime: Runtime, make_env: EnvFactory, network: NetworkAccess, loopback_listener: int
) -> None:
    env = await make_env(network=network)
    gateway = await runtime.exec(env, sh("awk '$2 == \"00000000\" {print $3}' /proc/net/route"))
    targets = ["127.0.0.1", "10.0.2.2", "host.containers.internal", "host.docker.internal"]
    if gateway.stdout.strip():
        raw = bytes.fromhex(gateway.stdout.strip().decode())
        targets.append(".".join(str(b) for b in reversed(raw)))
    probe = ["python3", "-c", PROBE, *(f"{t}:{loopback_listener}" for t in targets)]
    result = await runtime.exec(env, ExecRequest(argv=probe, timeout=30))
    assert b"CONNECTED" not in result.stdout, result.stdout


async def test_egress_reaches_other_machines(
    runtime: Runtime, make_env: EnvFactory, internet_listener: tuple[str, int]
) -> None:
    env = await make_env(network=NetworkAccess.EGRESS)
    address, port = internet_listener
    result = await runtime.exec(env, ExecRequest(argv=["python3", "-c", PROBE, f"{address}:{port}"]))
    assert b"CONNECTED" in result.stdout, result.stdout


@pytest.fixture
def shared_mount_under_run() -> Iterator[Path]:
    """What podman and iproute2 keep in ``/run/netns``: a shared mount under ``/run`` with a mount inside."""
    top = Path(f"/run/practica-test-{os.getpid()}")
    inner = top / "inner"
    top.mkdir()
    run = ["mount", "--bind", str(top), str(top)], ["mount", "--make-shared", str(top)]
    for argv in run:
        subprocess.run(argv, check=True)
    inner.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(inner)], check=True)
    yield inner
    for point in (inner, top):
        subprocess.run(["umount", str(point)], check=False, capture_output=True)
    shutil.rmtree(top, ignore_errors=True)


@pytest.mark.parametrize("runtime", ["bwrap", "controller"], indirect=True)
async def test_egress_leaves_the_hosts_mounts_alone(
    runtime: Runtime, make_env: EnvFactory, shared_mount_under_run: Path
) -> None:
    """slirp4netns's own sandbox once unmounted every shared mount under a /run that is no mount point (podman's
    network namespaces: the host's containers lost their network); it now starts in a mount namespace of its own."""
    env = await make_env(network=NetworkAccess.EGRESS)
    assert (await runtime.exec(env, sh("echo up"))).stdout == b"up\n"
    assert str(shared_mount_under_run) in _host_mount_points()


def _host_mount_points() -> list[str]:
    return [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]


async def test_fork_bomb_is_contained(runtime: Runtime, make_env: EnvFactory) -> None:
    env = await make_env(pids=64)
    bomb = await runtime.exec(env, ExecRequest(argv=["bash", "-c", "b() { b | b & }; b; sleep 60"], timeout=3))
    assert bomb.reason is EndReason.TIMEOUT
    after = await runtime.exec(env, sh("echo alive"))
    assert after.stdout == b"alive\n", after
    usage = await runtime.usage(env)
    assert usage.pids is not None
    assert usage.pids < 64


async def test_memory_hog_is_killed_as_oom(runtime: Runtime, make_env: EnvFactory) -> None:
    env = await make_env(memory="64m")
    hog = "chunks = []\nwhile True: chunks.append(bytearray(8 * 1024 * 1024))"
    result = await runtime.exec(env, ExecRequest(argv=["python3", "-c", hog], timeout=30))
    assert result.reason is EndReason.OOM, result
    assert (await runtime.exec(env, sh("echo alive"))).stdout == b"alive\n"


async def test_disk_quota_stops_filling_the_disk(runtime: Runtime, make_env: EnvFactory) -> None:
    env = await make_env(disk="32m", file_size="1g")
    result = await runtime.exec(env, sh("dd if=/dev/zero of=big bs=1M count=200", timeout=30))
    assert result.exit_code != 0
    assert b"No space left" in result.stderr
    usage = await runtime.usage(env)
    assert usage.disk is not None
    assert usage.disk <= 32 * 1024**2


async def test_file_size_limit_stops_one_huge_file(runtime: Runtime, make_env: EnvFactory) -> None:
    env = await make_env(file_size="1m")
    result = await runtime.exec(env, sh("dd if=/dev/zero of=big bs=1M count=4"))
    assert result.exit_code != 0
    assert len(await runtime.read_file(env, "big")) <= 1024**2


async def test_endless_output_is_capped_and_marked(runtime: Runtime, make_env: EnvFactory) -> None:
    env = await make_env(output="64k")
    result = await runtime.exec(env, ExecRequest(argv=["yes", "all work and no play"], timeout=20))
    assert result.reason is EndReason.OUTPUT_LIMIT
    assert result.truncated
    assert len(result.stdout) < 64 * 1024 + 200
    assert result.stdout.endswith(b"[practica: output truncated after 65536 bytes]\n")


@pytest.mark.parametrize("command", ["while :; do :; done", "sleep 600"])
async def test_endless_commands_end_at_the_timeout(runtime: Runtime, env: str, command: str) -> None:
    result = await runtime.exec(env, sh(command, timeout=1))
    assert result.reason is EndReason.TIMEOUT
    assert 1 <= result.duration < 5


async def test_root_file_system_is_read_only(runtime: Runtime, env: str) -> None:
    result = await runtime.exec(env, sh("for f in /usr/bin/evil /etc/passwd /bin/sh /evil; do echo x >> $f; done"))
    assert result.stderr.count(b"Read-only file system") + result.stderr.count(b"Permission denied") == 4
    assert b"x" not in (await runtime.exec(env, sh("tail -c 2 /etc/passwd"))).stdout


async def test_setuid_binaries_give_no_privileges(
    runtime: Runtime, env: str, sandbox_settings: SandboxSettings
) -> None:
    _plant_setuid_root(runtime, env, sandbox_settings, "rootid", ID_PROGRAM)
    result = await runtime.exec(
        env, sh("./rootid -u; /usr/bin/passwd --help >/dev/null 2>&1; grep -E 'NoNewPrivs|CapEff' /proc/self/status")
    )
    lines = result.stdout.decode().split()
    assert lines[0] != "0", "the setuid-root binary ran as root"
    assert lines[lines.index("NoNewPrivs:") + 1] == "1"
    assert lines[lines.index("CapEff:") + 1] == "0000000000000000"


async def test_symlinks_cannot_escape_through_file_operations(runtime: Runtime, env: str) -> None:
    links = (
        "ln -s /etc/passwd abs; ln -s ../../../../../../etc/passwd rel; ln -s .. up; ln -s / root; mkdir d; "
        "ln -s ../.. d/up2; echo fine > real.txt; ln -s real.txt good; ln -s d/../real.txt good2"
    )
    assert (await runtime.exec(env, sh(links))).exit_code == 0
    for path in ["abs", "rel", "up/state.json", "root/etc/passwd", "d/up2/state.json", "../state.json", "/etc/passwd"]:
        with pytest.raises(PathRefusedError):
            await runtime.read_file(env, path)
    for path in ["abs", "rel", "up/planted", "root/tmp/planted", "../planted"]:
        with pytest.raises(PathRefusedError):
            await runtime.write_file(env, path, b"planted")
    for path in ["up", "root", "d/up2", ".."]:
        with pytest.raises(PathRefusedError):
            await runtime.list_files(env, path)
    assert await runtime.read_file(env, "good") == b"fine\n"
    assert await runtime.read_file(env, "good2") == b"fine\n"
    assert b"planted" not in Path("/etc/passwd").read_bytes()  # noqa: ASYNC240 (a test reading one host file)


@pytest.mark.parametrize("command", ["unshare -U true", "unshare -Ur true", "unshare -Urm true", "unshare -Urn true"])
async def test_nested_user_namespaces_are_refused(runtime: Runtime, env: str, command: str) -> None:
    result = await runtime.exec(env, sh(command))
    assert result.exit_code != 0, f"{command} made a user namespace: {result}"
    assert b"unshare failed" in result.stderr, result.stderr


SYSCALL_PROBE = """
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
params = ctypes.create_string_buffer(120)
calls = {
    "keyctl": (0, -3, 1),                               # KEYCTL_GET_KEYRING_ID of the session keyring
    "add_key": (b"user", b"practica", b"x", 1, -2),     # a key in the process keyring
    "userfaultfd": (1,),                                # UFFD_USER_MODE_ONLY: no privilege needed
    "io_uring_setup": (1, params),
    "unshare": (0x10000000,),                           # CLONE_NEWUSER
    "clone": (0x10000000 | 17, 0, 0, 0, 0),             # CLONE_NEWUSER | SIGCHLD
}
for name, args in calls.items():
    result = libc.syscall(int(sys.argv[1 + list(calls).index(name)]), *args)
    if result == 0 and name == "clone":
        os._exit(0)  # the child of a clone that got through
    print(name, "ALLOWED" if result >= 0 else errno.errorcode[ctypes.get_errno()], flush=True)
"""


async def test_kernel_interfaces_reachable_without_privileges_are_filtered(runtime: Runtime, env: str) -> None:
    """Each call here succeeds for an unprivileged process on this host; the seccomp filter refuses it."""
    names = ["keyctl", "add_key", "userfaultfd", "io_uring_setup", "unshare", "clone"]
    numbers = [str(pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name)) for name in names]
    result = await runtime.exec(env, ExecRequest(argv=["python3", "-c", SYSCALL_PROBE, *numbers]))
    outcomes = dict(line.split() for line in result.stdout.decode().splitlines())
    assert set(outcomes) == set(names), result
    refused = {name: outcome for name, outcome in outcomes.items() if outcome in ("EPERM", "ENOSYS")}
    assert refused == outcomes, outcomes


async def test_every_process_of_the_environment_is_filtered(runtime: Runtime, env: str) -> None:
    await runtime.exec(env, sh("sleep 30 >/dev/null 2>&1 &"))
    result = await runtime.exec(env, sh("grep -H '^Seccomp:' /proc/[0-9]*/status"))
    modes = [line.split()[-1] for line in result.stdout.decode().splitlines()]
    assert len(modes) >= 3, result  # the environment's init, the background sleep, this grep
    assert set(modes) == {"2"}, result.stdout.decode()


async def test_bwrap_environments_allow_no_further_user_namespace_even_unfiltered(
    bwrap: Runtime, bwrap_settings: SandboxSettings
) -> None:
    """``--disable-userns`` on its own: a process that joins without the seccomp filter still gets none."""
    info = await bwrap.create(EnvironmentSpec(limits=TEST_LIMITS))
    try:
        state = json.loads((bwrap_settings.environments_home / info.id / "bwrap.json").read_text())
        joined = ["nsenter", f"--target={state['pid']}", "--user", "--mount", "--pid", "--setuid=1000", "--setgid=1000"]
        argv = [*joined, "--root", "--wd", "--", "unshare", "-U", "true"]
        outcome = await asyncio.to_thread(subprocess.run, argv, capture_output=True, text=True, timeout=30)
    finally:
        await bwrap.remove(info.id)
    assert outcome.returncode != 0
    assert "No space left on device" in outcome.stderr, outcome.stderr


ID_PROGRAM = Path("/usr/bin/id").read_bytes()


def _plant_setuid_root(runtime: Runtime, env: str, settings: SandboxSettings, name: str, data: bytes) -> None:
    """A setuid-root file in the workspace, put there from outside (the host's disk, or the engine's API)."""
    if isinstance(runtime, RemoteDockerRuntime):
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w") as tar:
            entry = tarfile.TarInfo(name)
            entry.size, entry.mode, entry.uid, entry.gid = len(data), 0o4755, 0, 0
            tar.addfile(entry, io.BytesIO(data))
        assert runtime.client.containers.get(container_name(env)).put_archive(HOME, archive.getvalue())
        return
    planted = settings.environments_home / env / "workspace" / name
    planted.write_bytes(data)
    os.chown(planted, 0, 0)
    planted.chmod(0o4755)
