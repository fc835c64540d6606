from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from practica.sandbox import Runtime
from tests.practica.authoring.site import Site, running_site
from tests.practica.conftest import traversable_home


@pytest.fixture
async def site(practica_db_url: str, tmp_path: Path) -> AsyncIterator[Site]:
    """No sandbox runtime: jobs that need one are not run."""
    async with running_site(practica_db_url, tmp_path, traversable_home("practica-admin-test-")) as made:
        yield made


@pytest.fixture
async def sandbox_site(
    practica_db_url: str, bwrap_runtime: Runtime, checks_home: Path, tmp_path: Path
) -> AsyncIterator[Site]:
    async with running_site(practica_db_url, tmp_path, checks_home, bwrap_runtime) as made:
        yield made
