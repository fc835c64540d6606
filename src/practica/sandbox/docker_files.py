"""A container's workspace through its exec agent: the docker runtime's file operations over the engine's API.

The agent (``exec-agent/files.go``) reads, writes, lists, deletes and
renames as the learner, inside the container, with the path rules of
:class:`practica.sandbox.files.Workspace` (relative to the workspace,
symlinks followed only while they stay inside). Nothing here touches this
machine's file system: the same calls serve an engine on another machine.
Answers are mapped to the runtime's own errors: a refused path is
:class:`PathRefusedError`, a missing one :class:`FileNotFoundError`, a
stale conditional write :class:`VersionConflictError`.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from practica.sandbox.docker_agent import AgentGoneError, AgentLostError, AgentPool
from practica.sandbox.runtime import PathRefusedError, SandboxError, VersionConflictError
from practica.sandbox.spec import FileEntry

ATTEMPTS = 3


class AgentWorkspace:
    """The workspace of one running container, as its environment's user sees it."""

    def __init__(self, pool: AgentPool, container: str, user: str, max_read: int) -> None:
        self.pool = pool
        self.container = container
        self.user = user
        self.max_read = max_read

    async def read(self, path: str) -> bytes:
        _answer, data = await self._ask({"op": "read", "path": path, "max": self.max_read})
        return data or b""

    async def write(
        self, path: str, data: bytes, mode: int = 0o644, *, if_match: str | None = None, create_only: bool = False
    ) -> str:
        request = {
            "op": "write", "path": path, "data": base64.b64encode(data).decode(), "mode": mode & 0o777,
            "max": self.max_read, "if_match": if_match, "create_only": create_only,
        }  # fmt: skip
        answer, _data = await self._ask(request)
        return str(answer["version"])

    async def list(self, path: str = ".") -> list[FileEntry]:
        answer, _data = await self._ask({"op": "list", "path": path})
        return [FileEntry.model_validate(entry) for entry in answer["entries"]]

    async def delete(self, path: str) -> None:
        await self._ask({"op": "delete", "path": path})

    async def rename(self, source: str, target: str) -> None:
        await self._ask({"op": "rename", "path": source, "target": target})

    async def _ask(self, request: dict[str, Any]) -> tuple[dict[str, Any], bytes | None]:
        answer, data = await asyncio.to_thread(self._ask_in_thread, request)
        _raise_refusal(str(request["path"]), answer)
        return answer, data

    def _ask_in_thread(self, request: dict[str, Any]) -> tuple[dict[str, Any], bytes | None]:
        """On a session of the pool; one the learner killed is replaced (a file operation may be sent again)."""
        for _attempt in range(ATTEMPTS):
            session = self.pool.take(self.container, self.user)
            try:
                answered = session.file_operation(request)
            except (AgentGoneError, AgentLostError):
                session.close()
                continue
            self.pool.give_back(self.container, session)
            return answered
        raise SandboxError(f"the exec agent ended {ATTEMPTS} times before answering a file operation")


def _raise_refusal(path: str, answer: dict[str, Any]) -> None:
    error = answer.get("error")
    if error is None:
        return
    message = str(answer.get("message", ""))
    if error == "missing":
        raise FileNotFoundError(message)
    if error == "conflict":
        current = answer.get("current")
        raise VersionConflictError(path, str(current) if current is not None else None)
    raise PathRefusedError(message)
