"""Control groups for bubblewrap environments: cgroup v2 where the host has it, else v1.

Layout: ``practica/<env>/init`` holds the environment's long-lived process,
``practica/<env>/exec-N`` one exec each (so an exec can be ended as a whole,
and an OOM kill is attributed to the exec that caused it). Limits sit on
``practica/<env>``, shared by everything inside.

v2 needs the memory, pids and cpu controllers in the root's
``cgroup.controllers``; hybrid hosts (like the CI machines: v2 mounted with no
controllers, v1 hierarchies for memory, pids, cpu) use v1.
"""

from __future__ import annotations

import asyncio
import errno
import os
import signal
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from practica.sandbox.runtime import RuntimeUnavailableError
from practica.sandbox.spec import ResourceLimits

ROOT = Path("/sys/fs/cgroup")
_V1_CONTROLLERS = ("memory", "pids", "cpu", "cpuacct")
_V2_CONTROLLERS = ("memory", "pids", "cpu")
_PERIOD = 100_000


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _keyed(text: str, key: str) -> int:
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == key:
            return int(value)
    return 0


@dataclass(frozen=True)
class Cgroup:
    """One cgroup, as a directory per v1 hierarchy or one v2 directory."""

    version: int
    dirs: tuple[Path, ...]

    def child(self, name: str) -> Cgroup:
        return Cgroup(self.version, tuple(d / name for d in self.dirs))

    @property
    def main(self) -> Path:
        return self.dirs[0]

    def _file(self, controller: str, name: str) -> Path:
        if self.version == 2:
            return self.main / name
        for folder in self.dirs:
            top = ROOT / folder.parts[len(ROOT.parts)]
            if controller in top.name.split(",") or controller in top.resolve().name.split(","):
                return folder / name
        return self.main / name

    def create(self) -> None:
        for folder in self.dirs:
            folder.mkdir(parents=True, exist_ok=True)
        if self.version == 2:
            enable = " ".join(f"+{c}" for c in _V2_CONTROLLERS)
            (self.main / "cgroup.subtree_control").write_text(enable)

    def procs_files(self) -> list[Path]:
        """Files a process writes its pid to, to join this cgroup (in every hierarchy)."""
        return [d / "cgroup.procs" for d in self.dirs]

    def set_limits(self, limits: ResourceLimits) -> None:
        quota = int(limits.cpus * _PERIOD)
        if self.version == 2:
            (self.main / "memory.max").write_text(str(limits.memory))
            _write_optional(self.main / "memory.swap.max", "0")
            (self.main / "pids.max").write_text(str(limits.pids))
            (self.main / "cpu.max").write_text(f"{quota} {_PERIOD}")
            return
        self._file("memory", "memory.limit_in_bytes").write_text(str(limits.memory))
        _write_optional(self._file("memory", "memory.memsw.limit_in_bytes"), str(limits.memory))
        self._file("pids", "pids.max").write_text(str(limits.pids))
        self._file("cpu", "cpu.cfs_period_us").write_text(str(_PERIOD))
        self._file("cpu", "cpu.cfs_quota_us").write_text(str(quota))

    def pids(self) -> list[int]:
        return [int(p) for p in _read(self.main / "cgroup.procs").split()]

    def oom_kills(self) -> int:
        if self.version == 2:
            return _keyed(_read(self.main / "memory.events"), "oom_kill")
        return _keyed(_read(self._file("memory", "memory.oom_control")), "oom_kill")

    def memory(self) -> int:
        name = "memory.current" if self.version == 2 else "memory.usage_in_bytes"
        return int(_read(self._file("memory", name)) or 0)

    def pid_count(self) -> int:
        return int(_read(self._file("pids", "pids.current")) or 0)

    def cpu_seconds(self) -> float:
        if self.version == 2:
            return _keyed(_read(self.main / "cpu.stat"), "usage_usec") / 1e6
        return int(_read(self._file("cpuacct", "cpuacct.usage")) or 0) / 1e9

    async def kill(self, deadline: float = 5.0) -> None:
        """End every process in this cgroup and below, even one that keeps forking."""
        if self.version == 2 and (self.main / "cgroup.kill").exists():
            (self.main / "cgroup.kill").write_text("1")
        loop = asyncio.get_running_loop()
        until = loop.time() + deadline
        while loop.time() < until:
            pids = self._all_pids()
            if not pids:
                return
            for pid in pids:
                _signal(pid)
            await asyncio.sleep(0.01)

    def _all_pids(self) -> list[int]:
        found: list[int] = []
        for folder, _dirs, _files in os.walk(self.main):
            found.extend(int(p) for p in _read(Path(folder) / "cgroup.procs").split())
        return found

    def children(self) -> list[str]:
        try:
            return [entry.name for entry in os.scandir(self.main) if entry.is_dir()]
        except FileNotFoundError:
            return []

    def remove(self) -> bool:
        """Remove this cgroup (and empty children); False while a process is still in it."""
        for name in self.children():
            self.child(name).remove()
        done = True
        for folder in self.dirs:
            try:
                folder.rmdir()
            except FileNotFoundError:
                pass
            except OSError as error:
                if error.errno != errno.EBUSY:
                    raise
                done = False
        return done


def _signal(pid: int) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _write_optional(path: Path, value: str) -> None:
    if path.exists():
        path.write_text(value)


def practica_root() -> Cgroup:
    """The cgroup under which every environment's cgroup is made (raises when the host offers none)."""
    controllers = _read(ROOT / "cgroup.controllers").split()
    if all(c in controllers for c in _V2_CONTROLLERS):
        root = Cgroup(2, (ROOT,))
        wanted = " ".join(f"+{c}" for c in _V2_CONTROLLERS)
        (ROOT / "cgroup.subtree_control").write_text(wanted)
        group = root.child("practica")
        group.create()
        return group
    hierarchies: list[Path] = []
    for controller in _V1_CONTROLLERS:
        folder = ROOT / controller
        if not os.access(folder, os.W_OK):
            raise RuntimeUnavailableError(f"no writable cgroup for {controller} (need root and cgroup v1 or v2)")
        if folder.resolve() not in {h.resolve() for h in hierarchies}:
            hierarchies.append(folder)
    group = Cgroup(1, tuple(hierarchies)).child("practica")
    group.create()
    return group
