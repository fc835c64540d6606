"""Fixtures: eval hosts in network namespaces (podman behind TLS), and sessions on a fresh database."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from tests.conftest import require_tool
from tests.eval_hosts import Certificates, EvalHostLab, eval_host, new_certificates


@pytest.fixture
def certificates() -> Certificates:
    return new_certificates()


@pytest.fixture
def client_certs(certificates: Certificates, tmp_path: Path) -> Path:
    """What the platform's workers hold: the CA of the engines, and a client certificate they accept."""
    return certificates.client_dir(tmp_path / "client")


@pytest.fixture
def two_hosts(certificates: Certificates) -> Iterator[tuple[EvalHostLab, EvalHostLab]]:
    tools = [tool for tool in ("ip", "podman", "runc", "haproxy") if shutil.which(tool) is None]
    require_tool(not tools and os.geteuid() == 0, f"root, ip, podman, runc and haproxy (missing: {tools})")
    with eval_host("a", certificates) as first, eval_host("b", certificates) as second:
        yield first, second


@pytest.fixture
async def sessions(practica_db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(practica_db_url)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()
