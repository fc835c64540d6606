"""``make images``: one image per service from a Debian base built here, tagged with the version, run as a
non-root user, with no build tools inside; the base is cached by the key of its inputs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.deploy.images import BASE, SERVERS, SERVICES, build_images, engine_env, missing_tools, podman

# A cold `make images` (debootstrap, the servers' Debian packages) takes minutes on a busy CI machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

BUILD_TOOLS = ("gcc", "cc", "make", "g++", "pip", "pip3")


@pytest.fixture(scope="module")
def tagged() -> str:
    require_tool(not missing_tools(), f"podman, podman-compose, debootstrap and curl (missing: {missing_tools()})")
    require_tool(os.geteuid() == 0, "root (debootstrap and the engine)")
    return build_images()


def inspect(image: str) -> dict[str, object]:
    found = podman("image", "inspect", image)
    assert found.returncode == 0, found.stderr
    config: dict[str, object] = json.loads(found.stdout)[0]
    return config


@pytest.mark.parametrize("name", SERVICES + SERVERS)
def test_each_service_has_an_image_tagged_with_the_version_and_latest(tagged: str, name: str) -> None:
    versioned = inspect(f"localhost/practica/{name}:{tagged}")
    latest = inspect(f"localhost/practica/{name}:latest")
    assert versioned["Id"] == latest["Id"]
    labels = versioned["Config"]["Labels"]  # type: ignore[index]
    assert labels["org.opencontainers.image.version"] == tagged


@pytest.mark.parametrize("name", SERVICES + SERVERS)
def test_images_run_as_a_user_other_than_root(tagged: str, name: str) -> None:
    ran = podman("run", "--rm", "--entrypoint", "id", f"localhost/practica/{name}:{tagged}", "-u")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() not in {"", "0"}


@pytest.mark.parametrize("name", SERVICES)
def test_the_app_images_hold_no_build_tools_and_know_their_version(tagged: str, name: str) -> None:
    probe = "for tool in " + " ".join(BUILD_TOOLS) + '; do command -v "$tool"; done; printenv PRACTICA_VERSION'
    ran = podman("run", "--rm", "--entrypoint", "sh", f"localhost/practica/{name}:{tagged}", "-c", probe)
    assert ran.stdout.split() == [tagged], ran.stdout + ran.stderr
    imported = podman(
        "run", "--rm", "--entrypoint", "python", f"localhost/practica/{name}:{tagged}",
        "-c", "import practica, chronicles, pip",
    )  # fmt: skip
    assert "No module named 'pip'" in imported.stderr


def test_the_web_image_serves_the_built_front_end(tagged: str) -> None:
    probe = "import practica.web as w, pathlib as p; print((p.Path(w.__file__).parent / 'static/index.html').is_file())"
    ran = podman("run", "--rm", "--entrypoint", "python", f"localhost/practica/web:{tagged}", "-c", probe)
    assert ran.stdout.strip() == "True", ran.stderr


def run_without_debootstrap(script: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run a base script with only the engine and coreutils on PATH: it can find a base but not build one."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("podman", "sha256sum", "cat", "cut", "dirname", "tail", "id"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    bash = shutil.which("bash")
    assert bash is not None
    env = {**engine_env(), "PATH": str(bin_dir)}
    return subprocess.run([bash, str(script)], capture_output=True, text=True, env=env, check=False)


def test_the_base_is_reused_without_debootstrap(tagged: str, tmp_path: Path) -> None:
    """A second build finds the base by its key: with no debootstrap on PATH it still succeeds."""
    result = run_without_debootstrap(BASE, tmp_path)
    assert result.returncode == 0, result.stderr
    image = result.stdout.strip().splitlines()[-1]
    assert image.startswith("localhost/practica/base:")
    key = inspect(image)["Config"]["Labels"]["practica.base.key"]  # type: ignore[index]
    assert image.endswith(f":{key}")


def test_a_changed_package_list_names_another_base(tagged: str, tmp_path: Path) -> None:
    """The key covers the package list: a change means a new base, never a stale one reused."""
    copy = tmp_path / "images"
    shutil.copytree(BASE.parent, copy, ignore=shutil.ignore_patterns("*.Containerfile"))
    (copy / "base-packages.txt").write_text((copy / "base-packages.txt").read_text() + "less\n")
    result = run_without_debootstrap(copy / "base.sh", tmp_path)
    assert result.returncode != 0  # not found under its new key, and no debootstrap to build it: it says so
    assert "'debootstrap' is missing" in result.stderr
