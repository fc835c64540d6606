"""Terminal keystroke echo latency: through the gateway's WebSocket, and straight from the runtime's PTY.

    .venv/bin/python bench/gateway.py [--keys 200]

Run as root (bwrap). This process starts a bwrap environment (as a worker
would) and types into its shell one key at a time, timing each key until its
echo comes back; the gateway runs as a process of its own (as
``practica gateway`` does), here without a database. Baseline: the aim of
issue 5, echo p50 under 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
from websockets.asyncio.client import connect

from practica.sandbox import EnvironmentSpec, ResourceLimits, create_runtime
from practica.sandbox.gateway import issue_gateway_token
from practica.sandbox.settings import SandboxSettings

AIM = 0.020
CLEAR_EVERY = 40  # keys per line before Ctrl-U clears it (no wrapping, no long redraws)
Send = Callable[[bytes], Awaitable[None]]
Receive = Callable[[], Awaitable[bytes]]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def drain(receive: Receive, quiet: float = 0.3) -> None:
    while True:
        try:
            await asyncio.wait_for(receive(), quiet)
        except TimeoutError:
            return


async def type_keys(send: Send, receive: Receive, keys: int) -> list[float]:
    """Time ``keys`` single keystrokes from send to the echo of that key."""
    await drain(receive)
    took = []
    for number in range(keys):
        key = bytes([ord("a") + number % 26])
        started = time.perf_counter()
        await send(key)
        seen = b""
        while key not in seen:
            seen += await receive()
        took.append(time.perf_counter() - started)
        if (number + 1) % CLEAR_EVERY == 0:
            await send(b"\x15")
            await drain(receive, 0.1)
    return took


def serve_gateway(home: str, port: int) -> None:
    """The gateway process: the bwrap runtime of ``home``, no activity sink."""
    import uvicorn

    from practica.sandbox.gateway import create_gateway_app

    settings = SandboxSettings(home=Path(home))
    app = create_gateway_app(settings, create_runtime(settings, "bwrap"))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, server_header=False)


def start_gateway(home: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, __file__, "--serve", str(home), "--port", str(port)]
    process = subprocess.Popen(command)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ping", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the gateway did not start")


def report(name: str, took: list[float]) -> None:
    p50, p99 = statistics.median(took), percentile(took, 0.99)
    print(
        f"{name:<28} p50 {p50 * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms"
        f"   aim < {AIM * 1000:.0f} ms (ratio {p50 / AIM:.2f})"
    )


async def measure(home: Path, port: int, keys: int) -> None:
    settings = SandboxSettings(home=home)
    runtime = create_runtime(settings, "bwrap")
    env_id = (await runtime.create(EnvironmentSpec(limits=ResourceLimits(memory="256m", disk="64m")))).id
    try:
        terminal = await runtime.open_terminal(env_id, cols=200, rows=50)
        report("runtime PTY (no gateway)", await type_keys(terminal.write, terminal.read, keys))
        await terminal.close()
        token = issue_gateway_token(settings, "bench", env_id, timedelta(minutes=5))
        query = urlencode({"token": token, "cols": 200, "rows": 50})
        async with connect(f"ws://127.0.0.1:{port}/environments/{env_id}/terminal?{query}") as socket:

            async def receive() -> bytes:
                frame = await socket.recv()
                return frame if isinstance(frame, bytes) else frame.encode()

            report("gateway WebSocket", await type_keys(socket.send, receive, keys))
    finally:
        await runtime.remove(env_id)
        await runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--port", type=int, default=8092)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_gateway(args.serve, args.port)
        return
    with tempfile.TemporaryDirectory(prefix="practica-bench-gw-", ignore_cleanup_errors=True) as folder:
        home = Path(folder)
        home.chmod(0o755)  # the environments' uids traverse it
        gateway = start_gateway(home, args.port)
        try:
            asyncio.run(measure(home, args.port, args.keys))
        finally:
            gateway.terminate()
            gateway.wait()


if __name__ == "__main__":
    main()
