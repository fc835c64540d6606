"""Environments built here reach eval hosts: at ``practica hosts add``, and with ``practica hosts environments``."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from practica.hosts.engine import engine_client
from practica.hosts.images import built_environments
from practica.sandbox.build import build_rootfs
from practica.sandbox.docker_remote import RemoteDockerRuntime
from practica.sandbox.environments import EnvironmentDefinition, docker_image
from practica.sandbox.runtime import ImageMissingError
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import EnvironmentSpec, ExecRequest
from tests.conftest import require_tool
from tests.eval_hosts import EvalHostLab


@pytest.fixture(scope="module")
def built_home() -> Iterator[Path]:
    """A sandbox home holding one real build: Debian minbase, as ``practica env build`` makes it."""
    require_tool(os.geteuid() == 0 and shutil.which("debootstrap") is not None, "root and debootstrap")
    home = Path(tempfile.mkdtemp(prefix="practica-built-"))
    home.chmod(0o755)
    definition = EnvironmentDefinition(name="minimal", description="Debian minbase")
    asyncio.run(build_rootfs(SandboxSettings(home=home), definition, lambda _line: None))
    yield home
    shutil.rmtree(home, ignore_errors=True)


def hosts(database: str, home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database, "PRACTICA_SANDBOX_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "practica", "hosts", *argv], capture_output=True, text=True, env=env, timeout=600
    )


def _images(lab: EvalHostLab, cert_dir: Path) -> set[str]:
    client = engine_client(lab.url, cert_dir)
    try:
        return {tag for image in client.images.list() for tag in image.tags}
    finally:
        client.close()


def test_a_new_host_gets_every_environment_built_here_and_runs_it(
    practica_db_url: str, two_hosts: tuple[EvalHostLab, EvalHostLab], client_certs: Path, built_home: Path
) -> None:
    first = two_hosts[0]
    [built] = built_environments(SandboxSettings(home=built_home))

    added = hosts(practica_db_url, built_home, "add", "eval-a", first.url, "--cert-dir", str(client_certs))

    assert added.returncode == 0, added.stderr
    assert "environments: minimal imported in " in added.stdout
    assert {docker_image("minimal"), built.build_tag} <= _images(first, client_certs)
    ran = asyncio.run(_run_in(first, client_certs, built_home, "minimal"))
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.decode().split()[0][:2].isdigit()  # /etc/debian_version: the built root, not the host's
    assert ran.stdout.decode().split()[1] == "none"  # no python3 in minbase


def test_hosts_environments_brings_each_host_up_to_date_once(
    practica_db_url: str, two_hosts: tuple[EvalHostLab, EvalHostLab], client_certs: Path, built_home: Path
) -> None:
    first, second = two_hosts
    for name, lab in (("eval-a", first), ("eval-b", second)):
        added = hosts(
            practica_db_url, built_home, "add", name, lab.url, "--cert-dir", str(client_certs), "--no-trial",
            "--no-environments",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        assert "environments:" not in added.stdout
    assert docker_image("minimal") not in _images(second, client_certs)

    brought = hosts(practica_db_url, built_home, "environments", "--host", "eval-b")
    assert brought.returncode == 0, brought.stderr
    assert "eval-b: minimal imported in" in brought.stdout
    assert "eval-a" not in brought.stdout
    assert docker_image("minimal") in _images(second, client_certs)

    everywhere = hosts(practica_db_url, built_home, "environments")
    assert everywhere.returncode == 0, everywhere.stderr
    assert "eval-a: minimal imported in" in everywhere.stdout
    assert "eval-b: minimal up to date" in everywhere.stdout

    unknown = hosts(practica_db_url, built_home, "environments", "--host", "eval-z")
    assert (unknown.returncode, unknown.stderr.strip()) == (
        1,
        "practica: no eval host named eval-z (practica hosts list)",
    )


def test_a_host_without_the_environment_says_how_to_bring_it(
    two_hosts: tuple[EvalHostLab, EvalHostLab], client_certs: Path, tmp_path: Path
) -> None:
    with pytest.raises(
        ImageMissingError, match=r"not on the eval host at https://\S+: import it with `practica hosts environments`"
    ):
        asyncio.run(_run_in(two_hosts[0], client_certs, tmp_path, "neverbuilt"))


async def _run_in(lab: EvalHostLab, cert_dir: Path, home: Path, environment: str) -> object:
    runtime = await asyncio.to_thread(RemoteDockerRuntime, SandboxSettings(home=home), engine_client(lab.url, cert_dir))
    try:
        info = await runtime.create(EnvironmentSpec(environment=environment))
        try:
            command = "cat /etc/debian_version; command -v python3 || echo none"
            return await runtime.exec(info.id, ExecRequest(argv=["sh", "-c", command]))
        finally:
            await runtime.remove(info.id)
    finally:
        await runtime.close()
