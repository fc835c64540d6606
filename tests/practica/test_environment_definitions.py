"""``environments/NAME/environment.yaml``: every definition loads, and its fingerprint says when to rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest

from practica.sandbox.environments import EnvironmentDefinition, definition_names, load_definition
from practica.sandbox.settings import SandboxSettings

ENVIRONMENTS = Path(__file__).resolve().parents[2] / "environments"
SETTINGS = SandboxSettings(environments_dir=ENVIRONMENTS)


def test_every_environment_definition_loads() -> None:
    names = definition_names(SETTINGS)
    assert {"bats", "javascript", "go", "rust", "python", "node", "shell"} <= set(names)
    for name in names:
        assert load_definition(SETTINGS, name).name == name


def test_a_definition_without_the_newer_fields_keeps_the_fingerprint_it_had() -> None:
    """Builds made before `apt_packages` and `setup` existed stay current (the value main's code computed)."""
    assert load_definition(SETTINGS, "python").fingerprint() == "88ceaffea699e013"


@pytest.mark.parametrize("change", [{"apt_packages": ["jest"]}, {"setup": ["true"]}, {"packages": ["bash"]}])
def test_what_changes_the_build_changes_the_fingerprint(change: dict[str, list[str]]) -> None:
    base = EnvironmentDefinition(name="x", suite="trixie")
    assert base.model_copy(update=change).fingerprint() != base.fingerprint()
