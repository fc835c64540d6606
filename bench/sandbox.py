"""Sandbox figures per runtime: start and exec latency, pytest overhead, idle memory, idle capacity.

    .venv/bin/python -m bench.sandbox [--runtime bwrap --runtime docker --runtime docker-plain-exec
                                       --runtime docker-relay --runtime eval-hosts --runtime eval-hosts-ssh]
                                      [--rounds 30] [--max-idle 500] [--idle-patience 1] [--network egress]

Run as root. The docker runtime gets a podman service of its own (started
here, with Practica's containers.conf); ``docker`` runs its execs through the
exec agent, ``docker-plain-exec`` as one engine exec each (the baseline of
the agent: ``PRACTICA_SANDBOX_DOCKER_EXEC_AGENT=false``). Aims (issue 5):
start p50 < 200 ms, exec < 50 ms, pytest inside < 1.3x the host, 500 idle
environments before a start takes more than 1 s. "First exec" is an
environment's first command (under the agent, it starts the agent).
"File write / read" is a 4 KiB file through the runtime's file API and
"port request" a connection to a server inside plus one HTTP request over it
(the gateway's path): under ``docker`` files go through the agent (the
engine's API only) and ports through the container's network namespace,
under ``docker-relay`` ports through the agent's relay too (what an
unprivileged gateway or an engine on another machine uses), under
``docker-plain-exec`` both through this host (the baseline). ``eval-hosts``
runs on two eval hosts in network namespaces reached over TLS (as the tests
make them), ``eval-hosts-ssh`` on the same through SSH tunnels (its baseline
is ``eval-hosts``).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from practica.sandbox import (
    EnvironmentSpec,
    ExecRequest,
    NetworkAccess,
    ResourceLimits,
    Runtime,
    SandboxError,
    create_runtime,
)
from practica.sandbox.podman import PodmanService
from practica.sandbox.settings import SandboxSettings

AIMS = {"start_p50": 0.200, "exec_p50": 0.050, "pytest_ratio": 1.3, "idle": 500}
TESTS = b"""
def test_one():
    assert sum(range(10)) == 45

def test_two():
    assert "practica".upper() == "PRACTICA"

def test_three():
    assert sorted([3, 1, 2]) == [1, 2, 3]
"""
PYTEST = ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_small.py"]
SPEC = EnvironmentSpec(limits=ResourceLimits(memory="256m", disk="64m"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def mem_available() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


async def timed_create(runtime: Runtime, spec: EnvironmentSpec) -> tuple[str, float]:
    started = time.perf_counter()
    info = await runtime.create(spec)
    return info.id, time.perf_counter() - started


async def start_and_exec(runtime: Runtime, rounds: int, spec: EnvironmentSpec) -> dict[str, float]:
    starts, firsts, execs = [], [], []
    for _ in range(rounds):
        env_id, took = await timed_create(runtime, spec)
        starts.append(took)
        started = time.perf_counter()
        await runtime.exec(env_id, ExecRequest(argv=["true"]))
        firsts.append(time.perf_counter() - started)
        await runtime.remove(env_id)
    env_id, _ = await timed_create(runtime, spec)
    for _ in range(rounds * 2):
        started = time.perf_counter()
        await runtime.exec(env_id, ExecRequest(argv=["true"]))
        execs.append(time.perf_counter() - started)
    await runtime.remove(env_id)
    return {
        "start_p50": statistics.median(starts),
        "start_p99": percentile(starts, 0.99),
        "first_exec_p50": statistics.median(firsts),
        "first_exec_p99": percentile(firsts, 0.99),
        "exec_p50": statistics.median(execs),
        "exec_p99": percentile(execs, 0.99),
    }


async def pytest_ratio(runtime: Runtime, spec: EnvironmentSpec, rounds: int = 7) -> dict[str, float]:
    """Inside and host runs alternate, so both see the same load on the machine."""
    env_id, _ = await timed_create(runtime, spec)
    await runtime.write_file(env_id, "test_small.py", TESTS)
    inside, host = [], []
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "test_small.py").write_bytes(TESTS)
        for _ in range(rounds):
            result = await runtime.exec(env_id, ExecRequest(argv=PYTEST))
            assert result.exit_code == 0, result
            inside.append(result.duration)
            started = time.perf_counter()
            # the interpreter the `host` environment runs: /usr/bin/python3, not this venv's
            subprocess.run(["/usr/bin/python3", *PYTEST[1:]], cwd=folder, check=True, capture_output=True)  # noqa: ASYNC221
            host.append(time.perf_counter() - started)
    await runtime.remove(env_id)
    return {
        "pytest_inside": statistics.median(inside),
        "pytest_host": statistics.median(host),
        "pytest_ratio": statistics.median(inside) / statistics.median(host),
    }


async def idle_capacity(runtime: Runtime, spec: EnvironmentSpec, limit: int, patience: int = 1) -> dict[str, float]:
    """Start idle environments until ``patience`` starts in a row take over 1 s or ``limit`` are up.

    Memory is MemAvailable's drop (this machine's: the eval hosts' engines run here too).
    """
    before = mem_available()
    made: list[str] = []
    starts: list[float] = []
    slow_in_a_row = 0
    try:
        while len(made) < limit and slow_in_a_row < patience:
            try:
                env_id, took = await timed_create(runtime, spec)
            except SandboxError as error:  # the engine's own limit reached: the count so far is the figure
                print(f"idle count ended by an error after {len(made)} environments: {error}")
                break
            made.append(env_id)
            starts.append(took)
            slow_in_a_row = slow_in_a_row + 1 if took > 1.0 else 0
        used = before - mem_available()
    finally:
        for env_id in made:
            await runtime.remove(env_id)
    return {
        "idle": len(made), "idle_last_start": starts[-1], "idle_memory_mib": used / len(made) / 1024**2,
        "idle_start_p50": statistics.median(starts), "idle_start_p99": percentile(starts, 0.99),
        "idle_slow_starts": sum(took > 1.0 for took in starts),
    }  # fmt: skip


async def files_and_ports(runtime: Runtime, rounds: int, spec: EnvironmentSpec) -> dict[str, float]:
    env_id, _ = await timed_create(runtime, spec)
    writes, reads, requests = [], [], []
    data = b"x" * 4096
    for _ in range(rounds * 2):
        started = time.perf_counter()
        await runtime.write_file(env_id, "page.html", data)
        writes.append(time.perf_counter() - started)
        started = time.perf_counter()
        await runtime.read_file(env_id, "page.html")
        reads.append(time.perf_counter() - started)
    await runtime.exec(env_id, ExecRequest(argv=["sh", "-c", "(python3 -m http.server 8080 >/dev/null 2>&1 &)"]))
    await _port_request(runtime, env_id, wait=True)
    for _ in range(rounds * 2):
        started = time.perf_counter()
        await _port_request(runtime, env_id)
        requests.append(time.perf_counter() - started)
    await runtime.remove(env_id)
    return {
        "write_p50": statistics.median(writes), "write_p99": percentile(writes, 0.99),
        "read_p50": statistics.median(reads), "read_p99": percentile(reads, 0.99),
        "port_p50": statistics.median(requests), "port_p99": percentile(requests, 0.99),
    }  # fmt: skip


async def _port_request(runtime: Runtime, env_id: str, *, wait: bool = False) -> None:
    from practica.sandbox.runtime import PortUnreachableError

    for _ in range(200 if wait else 1):
        try:
            reader, writer = await runtime.connect_port(env_id, 8080)
            break
        except PortUnreachableError:
            if not wait:
                raise
            await asyncio.sleep(0.05)
    writer.write(b"GET /page.html HTTP/1.0\r\n\r\n")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    assert answer.startswith(b"HTTP/1.0 200"), answer[:100]


class TwoHosts:
    """The bench's runtime over two eval hosts: environments made on each in turn, each call sent to its host."""

    name = "eval-hosts"

    def __init__(self, runtimes: list[Runtime]) -> None:
        self.runtimes = runtimes
        self.made = 0
        self.host_of: dict[str, Runtime] = {}

    async def create(self, spec: EnvironmentSpec) -> Any:
        runtime = self.runtimes[self.made % len(self.runtimes)]
        self.made += 1
        info = await runtime.create(spec)
        self.host_of[info.id] = runtime
        return info

    async def remove(self, env_id: str) -> None:
        await self.host_of.pop(env_id).remove(env_id)

    async def close(self) -> None:
        for runtime in self.runtimes:
            await runtime.close()

    def __getattr__(self, method: str) -> Any:
        async def routed(env_id: str, *args: Any, **kwargs: Any) -> Any:
            return await getattr(self.host_of[env_id], method)(env_id, *args, **kwargs)

        return routed


def eval_hosts_runtime(stack: ExitStack, settings: SandboxSettings, home: Path, *, over_ssh: bool = False) -> Any:
    """Two eval hosts in network namespaces, reached over TLS (or through SSH tunnels with ``over_ssh``)."""
    from tests.eval_hosts import eval_host, new_certificates

    from practica.hosts.engine import engine_client
    from practica.sandbox.docker_remote import RemoteDockerRuntime

    certificates = new_certificates()
    client_dir = certificates.client_dir(home / "engine-client")
    labs = [stack.enter_context(eval_host(name, certificates, ssh=over_ssh)) for name in ("h0", "h1")]
    clients = [
        engine_client(lab.ssh_url, lab.ssh_dir(home / f"ssh-{lab.name}"))
        if over_ssh
        else engine_client(lab.url, client_dir)
        for lab in labs
    ]
    return TwoHosts([RemoteDockerRuntime(settings, client) for client in clients])


async def measure(runtime: Runtime, args: argparse.Namespace) -> dict[str, float]:
    spec = SPEC.model_copy(update={"network": NetworkAccess(args.network)})
    figures = await start_and_exec(runtime, args.rounds, spec)
    figures |= await files_and_ports(runtime, args.rounds, spec)
    figures |= await pytest_ratio(runtime, spec)
    if args.max_idle > 0:
        figures |= await idle_capacity(runtime, spec, args.max_idle, args.idle_patience)
    return figures


def report(name: str, f: dict[str, float]) -> None:
    print(f"\n== {name}")
    print(f"start        p50 {f['start_p50'] * 1000:7.1f} ms  p99 {f['start_p99'] * 1000:7.1f} ms"
          f"   aim < {AIMS['start_p50'] * 1000:.0f} ms (ratio {f['start_p50'] / AIMS['start_p50']:.2f})")  # fmt: skip
    print(f"exec `true`  p50 {f['exec_p50'] * 1000:7.1f} ms  p99 {f['exec_p99'] * 1000:7.1f} ms"
          f"   aim < {AIMS['exec_p50'] * 1000:.0f} ms (ratio {f['exec_p50'] / AIMS['exec_p50']:.2f})")  # fmt: skip
    print(f"first exec   p50 {f['first_exec_p50'] * 1000:7.1f} ms  p99 {f['first_exec_p99'] * 1000:7.1f} ms"
          "   (the environment's first command)")  # fmt: skip
    print(f"file write   p50 {f['write_p50'] * 1000:7.1f} ms  p99 {f['write_p99'] * 1000:7.1f} ms   (4 KiB)")
    print(f"file read    p50 {f['read_p50'] * 1000:7.1f} ms  p99 {f['read_p99'] * 1000:7.1f} ms")
    print(f"port request p50 {f['port_p50'] * 1000:7.1f} ms  p99 {f['port_p99'] * 1000:7.1f} ms"
          "   (connect to a server inside, one HTTP request)")  # fmt: skip
    print(f"pytest       inside {f['pytest_inside']:.3f} s  host {f['pytest_host']:.3f} s"
          f"   ratio {f['pytest_ratio']:.2f}x (aim < {AIMS['pytest_ratio']}x)")  # fmt: skip
    if "idle" not in f:
        print("idle         not measured (--max-idle 0)")
        return
    print(f"idle         {f['idle']:.0f} environments (last start {f['idle_last_start'] * 1000:.0f} ms),"
          f" {f['idle_memory_mib']:.2f} MiB each   aim {AIMS['idle']}")  # fmt: skip
    print(f"idle starts  p50 {f['idle_start_p50'] * 1000:7.1f} ms  p99 {f['idle_start_p99'] * 1000:7.1f} ms"
          f"   {f['idle_slow_starts']:.0f} over 1 s")  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--runtime",
        action="append",
        choices=["bwrap", "docker", "docker-plain-exec", "docker-relay", "eval-hosts", "eval-hosts-ssh"],
    )
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--network",
        choices=[access.value for access in NetworkAccess],
        default=NetworkAccess.NONE.value,
        help="the environments' network (egress: on eval hosts, each start also puts up the fence)",
    )
    parser.add_argument("--max-idle", type=int, default=500, help="0: no idle count")
    parser.add_argument(
        "--idle-patience", type=int, default=1, help="idle count ends after this many starts over 1 s in a row"
    )
    args = parser.parse_args()
    with ExitStack() as stack:
        home = Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="practica-bench-", ignore_cleanup_errors=True))
        )
        home.chmod(0o755)  # noqa: ASYNC240 (the environments' uids traverse it)
        for name in args.runtime or ["bwrap", "docker", "docker-plain-exec"]:
            settings = SandboxSettings(home=home, docker_exec_agent=name != "docker-plain-exec")
            if name.startswith("eval-hosts"):
                runtime = eval_hosts_runtime(stack, settings, home, over_ssh=name == "eval-hosts-ssh")
                try:
                    report(name, await measure(runtime, args))
                finally:
                    await runtime.close()
                continue
            if name.startswith("docker"):
                service = stack.enter_context(PodmanService(home / name))
                settings = settings.model_copy(update={"docker_url": service.url})
            runtime = create_runtime(settings, name.split("-")[0])
            if name == "docker-relay":  # ports through the agent's relay, as for an engine on another machine
                runtime.ports_in_namespace = False  # type: ignore[attr-defined]
            try:
                report(name, await measure(runtime, args))
            finally:
                await runtime.close()


if __name__ == "__main__":
    asyncio.run(main())
