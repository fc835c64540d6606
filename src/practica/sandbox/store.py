"""Environments on disk: one directory each under ``PRACTICA_HOME/environments``, and host uids for them.

Every environment gets a host uid of its own (from ``uid_base``), so that two
learners' processes and files never share an owner, even outside the
namespaces. Allocation happens under a file lock: several processes (worker,
gateway, CLI) may create environments at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from practica.sandbox.runtime import EnvironmentNotFoundError, SandboxError
from practica.sandbox.spec import EnvironmentInfo, EnvironmentSpec, Status

_ID = re.compile(r"^[0-9a-f]{16}$")
STATE_FILE = "state.json"


def new_environment_id() -> str:
    """A fresh environment id (what :meth:`Runtime.create` accepts): 16 hex digits."""
    return secrets.token_hex(8)


def is_environment_id(value: str) -> bool:
    return bool(_ID.match(value))


class EnvironmentStore:
    def __init__(self, root: Path, uid_base: int, uid_count: int) -> None:
        self.root = root
        self.uid_base = uid_base
        self.uid_count = uid_count

    def path(self, env_id: str) -> Path:
        """The environment's directory; refuses ids that are not ours (they come from outside)."""
        if not _ID.match(env_id):
            raise EnvironmentNotFoundError(f"no environment {env_id!r}")
        return self.root / env_id

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o711)
        with open(self.root / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def allocate(self, runtime: str, spec: EnvironmentSpec, env_id: str | None = None) -> EnvironmentInfo:
        """Make a new environment's directory with the id (or a fresh one) and a free uid (RUNNING, to be started)."""
        env_id = env_id or new_environment_id()
        if not is_environment_id(env_id):
            raise SandboxError(f"{env_id!r} is not an environment id (16 hex digits)")
        with self._locked():
            used = {info.uid for info in self._all()}
            uid = next((u for u in range(self.uid_base, self.uid_base + self.uid_count) if u not in used), None)
            if uid is None:
                raise SandboxError("no free uid for a new environment (raise PRACTICA_SANDBOX_UID_COUNT)")
            info = EnvironmentInfo(
                id=env_id, runtime=runtime, spec=spec, status=Status.RUNNING, uid=uid, created_at=datetime.now(UTC)
            )
            folder = self.path(env_id)
            try:
                folder.mkdir()
            except FileExistsError:
                raise SandboxError(f"environment {env_id} already exists") from None
            folder.chmod(0o711)  # the environment's uid must reach its workspace; nobody may list the folder
            self.save(info)
        return info

    def save(self, info: EnvironmentInfo) -> None:
        target = self.path(info.id) / STATE_FILE
        temporary = target.with_suffix(".tmp")
        temporary.write_text(info.model_dump_json(indent=2))
        os.replace(temporary, target)

    def load(self, env_id: str) -> EnvironmentInfo:
        try:
            return EnvironmentInfo.model_validate_json((self.path(env_id) / STATE_FILE).read_text())
        except FileNotFoundError:
            raise EnvironmentNotFoundError(f"no environment {env_id!r}") from None

    def _all(self) -> list[EnvironmentInfo]:
        found = []
        for state in self.root.glob(f"*/{STATE_FILE}"):
            try:
                found.append(EnvironmentInfo.model_validate_json(state.read_text()))
            except (OSError, ValueError):
                continue
        return found

    def all(self, runtime: str) -> list[EnvironmentInfo]:
        return sorted((i for i in self._all() if i.runtime == runtime), key=lambda i: i.created_at)

    def delete(self, env_id: str) -> None:
        shutil.rmtree(self.path(env_id), ignore_errors=True)

    def write_json(self, env_id: str, name: str, value: dict[str, object]) -> None:
        (self.path(env_id) / name).write_text(json.dumps(value))

    def read_json(self, env_id: str, name: str) -> dict[str, object] | None:
        try:
            loaded = json.loads((self.path(env_id) / name).read_text())
        except (FileNotFoundError, ValueError):
            return None
        return loaded if isinstance(loaded, dict) else None
