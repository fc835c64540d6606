"""Telling a check the host starved from a check whose code ran out of time.

A check that hits its wall-clock limit (or is killed) is *overloaded*, the
host's fault rather than the learner's, when both of these held during it:

- its own CPU time (the environment's cgroup, as the runtime reports it) was
  under :data:`OWN_CPU_SHARE` of the wall-clock time: it was not busy
  computing, it was waiting. A learner's infinite loop keeps its core busy
  and stays above that share unless the host is so busy it gets less than a
  quarter of a core;
- the host's CPU was contended: runnable tasks waited for a CPU during at
  least :data:`HOST_PRESSURE` of the run (``some`` in ``/proc/pressure/cpu``,
  Linux PSI; without PSI, the share of runnable tasks that found no free
  core, ``1 - cores / load`` from the one-minute load average at the end).

An overloaded check is run once more (:mod:`practica.checks.tasks`). Code
that sleeps or deadlocks past the limit on a host that busy is also called
overloaded: it gets the retry, and a second overloaded run is reported as the
platform's error (not counted against the learner), never as a failure.
Measured where the worker runs: the eval host itself for the ``bwrap``
runtime and for a Docker engine on the same host.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from practica.sandbox.runtime import Runtime, SandboxError
from practica.sandbox.spec import EndReason, ExecResult

OWN_CPU_SHARE = 0.25
HOST_PRESSURE = 0.5
PSI_CPU = Path("/proc/pressure/cpu")
LOADAVG = Path("/proc/loadavg")
_CUT_SHORT = (EndReason.TIMEOUT, EndReason.KILLED)


@dataclass(frozen=True)
class HostPressure:
    """A reading of the host's CPU pressure: PSI's cumulative ``some`` stall time (None without PSI)."""

    stalled_us: int | None
    at: float

    @classmethod
    def now(cls, psi: Path = PSI_CPU) -> HostPressure:
        return cls(_psi_some_total(psi), time.monotonic())

    def share_since(self, before: HostPressure) -> float:
        """The share of the time since ``before`` during which tasks waited for a CPU."""
        elapsed = self.at - before.at
        if self.stalled_us is None or before.stalled_us is None or elapsed <= 0:
            return _waiting_share()
        return (self.stalled_us - before.stalled_us) / 1e6 / elapsed


@dataclass(frozen=True)
class Overload:
    """Why a check counts as cut short by the host: what was measured during it."""

    wall_s: float
    cpu_s: float | None  # None: the runtime cannot tell
    host_pressure: float

    def describe(self) -> str:
        cpu = "" if self.cpu_s is None else f" with {self.cpu_s:.1f} s of CPU"
        return (
            f"the host was overloaded: the check ran {self.wall_s:.1f} s{cpu} while tasks waited for a CPU "
            f"{self.host_pressure:.0%} of the time"
        )


def judge(result: ExecResult, cpu_s: float | None, pressure: float) -> Overload | None:
    """The overload that cut this exec short, or None when it ended on its own or the learner's code is to blame."""
    if result.reason not in _CUT_SHORT or pressure < HOST_PRESSURE:
        return None
    if cpu_s is not None and cpu_s >= OWN_CPU_SHARE * result.duration:
        return None
    return Overload(result.duration, cpu_s, pressure)


async def overload_of(runtime: Runtime, env_id: str, result: ExecResult, before: HostPressure) -> Overload | None:
    """Judge an exec that just ended in ``env_id`` (still there); the environment's CPU is read only when needed."""
    if result.reason not in _CUT_SHORT:
        return None
    pressure = HostPressure.now().share_since(before)
    try:
        cpu_s = (await runtime.usage(env_id)).cpu_seconds
    except SandboxError:
        cpu_s = None
    return judge(result, cpu_s, pressure)


def _psi_some_total(psi: Path) -> int | None:
    try:
        text = psi.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("some "):
            fields = dict(part.split("=", 1) for part in line.split()[1:])
            return int(fields["total"])
    return None


def _waiting_share() -> float:
    """Without PSI: of the tasks wanting a CPU on average over the last minute, the share that found none."""
    try:
        load = float(LOADAVG.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    return max(0.0, 1 - len(os.sched_getaffinity(0)) / load) if load > 0 else 0.0
