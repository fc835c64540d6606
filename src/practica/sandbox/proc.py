"""Running host tools (mount, mkfs, debootstrap) from async code."""

from __future__ import annotations

import asyncio

from practica.sandbox.runtime import SandboxError


async def run_checked(*argv: str, seconds: float = 120.0) -> str:
    """Run a host command; return its stdout, or raise :class:`SandboxError` with its stderr."""
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), seconds)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise SandboxError(f"{argv[0]} did not finish in {seconds:.0f} s") from None
    if process.returncode != 0:
        raise SandboxError(f"{' '.join(argv[:3])} failed: {err.decode(errors='replace').strip()}")
    return out.decode(errors="replace")


def exit_code(returncode: int) -> int:
    """Shell convention: a process killed by signal N ended with 128 + N."""
    return 128 - returncode if returncode < 0 else returncode


def process_start_time(pid: int) -> int | None:
    """The start time of ``pid`` (clock ticks since boot), to tell it from a later process with the same pid."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None
