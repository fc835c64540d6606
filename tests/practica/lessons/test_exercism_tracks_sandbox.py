"""One converted exercise per Exercism track validates in its real built environment (bubblewrap).

The exercises are the factories' (:mod:`tests.practica.lessons.test_exercism_tracks`), shaped like the
tracks' own: the hidden tests must fail the stub and pass the reference, with every test un-skipped.
The environments come from ``environments/`` (built once into the shared cache, see
:mod:`tests.practica.built_environments`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from practica.checks.validation import validate_lesson
from practica.lessons.exercism import convert_exercise
from practica.lessons.loading import load
from practica.sandbox.registry import create_runtime
from practica.sandbox.settings import SandboxSettings
from tests.conftest import require_tool
from tests.practica.built_environments import build_or_reuse
from tests.practica.conftest import traversable_home
from tests.practica.lessons.test_exercism_tracks import bash_exercise, go_exercise, javascript_exercise, rust_exercise

EXERCISES: dict[str, tuple[Callable[[Path], Path], str, int]] = {
    # track: (factory, environment, tests the reference passes)
    "bash": (bash_exercise, "bats", 2),
    "javascript": (javascript_exercise, "javascript", 2),
    "go": (go_exercise, "go", 1),
    "rust": (rust_exercise, "rust", 3),
}
BUILD_AND_VALIDATE_TIMEOUT_S = 1800  # a cold cache debootstraps all four environments first


@pytest.fixture(scope="module")
async def built_environments() -> None:
    require_tool(shutil.which("debootstrap") is not None, "debootstrap (scripts/packages/test.txt)")
    require_tool(os.geteuid() == 0, "root (debootstrap)")
    home = traversable_home("practica-exercism-builds-")
    try:
        names = sorted({environment for _, environment, _ in EXERCISES.values()})
        await asyncio.gather(*(build_or_reuse(SandboxSettings(home=home), name) for name in names))
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def sandbox_home() -> Iterator[Path]:
    home = traversable_home("practica-exercism-tracks-")
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.mark.sandbox
@pytest.mark.timeout(BUILD_AND_VALIDATE_TIMEOUT_S)
@pytest.mark.usefixtures("built_environments")
@pytest.mark.parametrize("track", sorted(EXERCISES))
async def test_a_converted_exercise_validates_in_its_environment(track: str, sandbox_home: Path) -> None:
    require_tool(shutil.which("bwrap") is not None, "bubblewrap")
    factory, environment, passing = EXERCISES[track]
    lesson_dir = sandbox_home / "course" / "lesson"
    assert convert_exercise(factory(sandbox_home / "track"), lesson_dir).name == track
    settings = SandboxSettings(home=sandbox_home, uid_base=5_000_000 + (os.getpid() % 1000) * 1000, uid_count=1000)
    await build_or_reuse(settings, environment)  # built by the fixture: only linked here
    runtime = create_runtime(settings, "bwrap")
    try:
        findings = await validate_lesson(runtime, load(lesson_dir).lessons[0])
    finally:
        for info in await runtime.list_environments():
            await runtime.remove(info.id)
        await runtime.close()
    assert [(f.candidate, f.ok) for f in findings] == [("starter", True), ("solution", True)], [
        f"{f.candidate}: {f.problem}" for f in findings
    ]
    solution = findings[1].run
    assert solution.passed == passing, solution.cases
