"""A real ``practica sandbox-controller`` serving the user ``daemon`` (the service user's stand-in)."""

from __future__ import annotations

import os
import pwd
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from practica.sandbox.settings import SandboxSettings
from tests.conftest import remove_home, require_tool
from tests.practica.conftest import traversable_home
from tests.practica.sandbox.conftest import running_controller

SERVICE_USER = "daemon"  # exists on every Debian system; the tests create no user of their own


@pytest.fixture(scope="session")
def controller_socket() -> Iterator[Path]:
    require_tool(shutil.which("bwrap") is not None, "bubblewrap")
    require_tool(os.geteuid() == 0, "root (the controller's socket and the peers' uids)")
    pwd.getpwnam(SERVICE_USER)
    home = traversable_home("practica-controller-security-")
    settings = SandboxSettings(
        home=home,
        environments_dir=Path(__file__).parents[2] / "environments",
        uid_base=6_000_000 + (os.getpid() % 1000) * 1000,
        uid_count=1000,
    )
    with running_controller(settings, home / "run" / "sandbox.sock", "--user", SERVICE_USER) as path:
        yield path
    remove_home(home)
