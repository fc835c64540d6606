"""Which Python ``practica up`` as root runs the services with, as the ``practica`` user."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import practica
from practica import privileges
from practica.privileges import ServiceUser, ServiceUserError, ensure_service_user, service_interpreter
from tests.conftest import IN_CI, open_checkout_to_services, remove_home, require_tool
from tests.practica.conftest import traversable_home

OUT_OF_REACH = "/nonexistent/python3"  # what the service user cannot run, as pyenv's Python under a 0700 /root


@pytest.fixture
def service_user() -> Iterator[tuple[ServiceUser, Path]]:
    require_tool(os.geteuid() == 0, "root (the practica user is made and switched to)")
    if IN_CI:
        open_checkout_to_services()
    home = traversable_home("practica-privileges-test-")
    yield ensure_service_user(home), home
    remove_home(home)


def test_a_python_out_of_the_users_reach_gives_way_to_the_systems_with_our_packages(
    service_user: tuple[ServiceUser, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    user, home = service_user
    require_tool(Path("/usr/bin/python3").exists(), "the system's Python 3")
    monkeypatch.setattr(sys, "executable", OUT_OF_REACH)
    env = {**os.environ, "PYTHONPATH": ""}
    chosen = service_interpreter(user, env, home)
    assert chosen == "/usr/bin/python3"
    assert str(Path(practica.__file__).parents[1]) in env["PYTHONPATH"].split(":")


def test_without_a_python_the_user_can_run_up_says_which_and_why(
    service_user: tuple[ServiceUser, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    user, home = service_user
    monkeypatch.setattr(sys, "executable", OUT_OF_REACH)
    monkeypatch.setattr(privileges, "SYSTEM_PYTHONS", ())
    with pytest.raises(ServiceUserError, match=f"the practica user cannot run {OUT_OF_REACH} with Practica"):
        service_interpreter(user, {**os.environ}, home)
