"""The contract's data and the registry (no sandbox needed)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from practica.sandbox import EnvironmentSpec, ResourceLimits, SandboxError, available_runtimes, create_runtime
from practica.sandbox.settings import SandboxSettings


@pytest.mark.parametrize(("text", "size"), [("512m", 512 * 1024**2), ("1G", 1024**3), ("64KiB", 65536), (4096, 4096)])
def test_sizes_accept_units(text: object, size: int) -> None:
    assert ResourceLimits.model_validate({"memory": text}).memory == size


def test_bad_values_are_refused_with_the_field_named() -> None:
    with pytest.raises(ValidationError, match="memory"):
        ResourceLimits.model_validate({"memory": "lots"})
    with pytest.raises(ValidationError, match="environment"):
        EnvironmentSpec(environment="../etc")


def test_runtimes_register_by_name_and_unknown_names_are_refused(tmp_path: object) -> None:
    assert {"bwrap", "docker"} <= set(available_runtimes())
    with pytest.raises(SandboxError, match="unknown sandbox runtime 'nope'"):
        create_runtime(SandboxSettings(), "nope")


def test_settings_read_the_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRACTICA_SANDBOX_RUNTIME", "docker")
    monkeypatch.setenv("PRACTICA_SANDBOX_DOCKER_URL", "unix:///tmp/x.sock")
    settings = SandboxSettings()
    assert (settings.runtime, settings.docker_url) == ("docker", "unix:///tmp/x.sock")
