"""Output of one exec: streamed to the caller as it comes, kept for the result, capped.

Past the cap the rest is dropped, a marker line is streamed and kept, and
``limit_reached`` is set so the runtime ends the command (reason
``output_limit``, ``truncated`` true).
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Literal

from practica.sandbox.runtime import OutputCallback
from practica.sandbox.spec import OutputChunk

Stream = Literal["stdout", "stderr"]


def truncation_marker(cap: int) -> bytes:
    return f"\n[practica: output truncated after {cap} bytes]\n".encode()


class OutputSink:
    def __init__(self, cap: int, on_output: OutputCallback | None) -> None:
        self.cap = cap
        self.on_output = on_output
        self.total = 0
        self.truncated = False
        self.limit_reached = asyncio.Event()
        self.kept: dict[Stream, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}

    async def feed(self, stream: Stream, data: bytes) -> None:
        if self.truncated or not data:
            return
        room = self.cap - self.total
        if len(data) > room:
            data = data[:room]
            self.truncated = True
        self.total += len(data)
        await self._emit(stream, data)
        if self.truncated:
            await self._emit(stream, truncation_marker(self.cap))
            self.limit_reached.set()

    async def _emit(self, stream: Stream, data: bytes) -> None:
        if not data:
            return
        self.kept[stream] += data
        if self.on_output is not None:
            maybe = self.on_output(OutputChunk(stream=stream, data=data))
            if inspect.isawaitable(maybe):
                await maybe

    async def pump(self, stream: Stream, reader: asyncio.StreamReader) -> None:
        """Copy a pipe into the sink until end of file (or until the cap ends the command)."""
        while chunk := await reader.read(65536):
            await self.feed(stream, chunk)
