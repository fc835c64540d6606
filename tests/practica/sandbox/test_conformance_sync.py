"""Versions and change notifications, checked against every runtime (``write_file(if_match=...)``, ``watch_files``)."""

from __future__ import annotations

import asyncio
from contextlib import aclosing

import pytest

from practica.sandbox import ExecRequest, Runtime
from practica.sandbox.files import version_of
from practica.sandbox.runtime import VersionConflictError
from practica.sandbox.spec import ChangeKind, FileChange

pytestmark = pytest.mark.sandbox


async def test_a_conditional_write_refuses_a_version_it_did_not_see(runtime: Runtime, env: str) -> None:
    first = await runtime.write_file(env, "app.py", b"v1\n")
    assert first == version_of(b"v1\n")
    await runtime.exec(env, ExecRequest(argv=["sh", "-c", "echo x >> /workspace/app.py"]))
    with pytest.raises(VersionConflictError) as refused:
        await runtime.write_file(env, "app.py", b"v2\n", if_match=first)
    assert refused.value.current == version_of(b"v1\nx\n")
    assert await runtime.read_file(env, "app.py") == b"v1\nx\n"
    assert await runtime.write_file(env, "app.py", b"v2\n", if_match=version_of(b"v1\nx\n")) == version_of(b"v2\n")
    with pytest.raises(VersionConflictError):
        await runtime.write_file(env, "app.py", b"v3\n", create_only=True)
    assert await runtime.read_file(env, "app.py") == b"v2\n"


async def test_a_write_inside_the_environment_is_reported(runtime: Runtime, env: str) -> None:
    async with aclosing(runtime.watch_files(env)) as changes:
        assert await anext(changes) == []  # in place
        await runtime.exec(env, ExecRequest(argv=["sh", "-c", "mkdir -p /workspace/a && echo hi > /workspace/a/b.py"]))
        seen: list[FileChange] = []
        while FileChange(path="a/b.py", kind=ChangeKind.CREATED) not in seen:
            seen += await asyncio.wait_for(anext(changes), 10)
