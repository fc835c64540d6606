"""Where a check puts the tests and reads the report: the platform's places, whatever the lesson's form."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest

from practica.checks.kit import (
    CHANNEL,
    REPORT_CHANNEL,
    RUN,
    TESTS_DIR,
    UNPACK,
    ReportSource,
    build_kit,
    plan_check,
    unguarded,
)
from practica.lessons.files import FileData
from practica.lessons.format import Check
from practica.lessons.loading import LessonFormatError, load
from tests.practica.lessons.factories import write_lesson

TESTS = {"test_add.py": FileData(b"def test_add():\n    pass\n"), "data/cases.txt": FileData(b"1 2 3\n")}
CURRENT = {
    "command": ["python3", "-I", "{pytest}", "-q", "--junitxml={report}", "{tests}"],
    "results": {"format": "junit"},
}
OLD = {
    "command": ["python3", "-m", "pytest", "-q", "--junitxml=report.xml", "tests"],
    "results": {"format": "junit", "path": "report.xml"},
    "tests_into": "tests",
}


def check(**fields: Any) -> Check:
    return Check.model_validate(fields)


def members(kit: bytes) -> dict[str, bytes | None]:
    with tarfile.open(fileobj=io.BytesIO(kit)) as archive:
        return {
            entry.name: (archive.extractfile(entry).read() if entry.isfile() else None)  # type: ignore[union-attr]
            for entry in archive.getmembers()
        }


def test_placeholders_name_the_platforms_places_outside_the_workspace() -> None:
    plan = plan_check(check(**CURRENT), TESTS)
    assert plan.kit is not None
    assert plan.argv[:4] == ["/bin/sh", "-c", UNPACK + CHANNEL + RUN, "practica-check"]
    assert plan.argv[4:] == [
        "python3", "-I", "/tmp/practica-check/practica_pytest.py", "-q", f"--junitxml={REPORT_CHANNEL}", TESTS_DIR,
    ]  # fmt: skip
    assert (plan.report, plan.tests_in_workspace) == (ReportSource.CHANNEL, False)
    unpacked = members(plan.kit)
    assert unpacked["tests/test_add.py"] == TESTS["test_add.py"].data
    assert unpacked["tests/data/cases.txt"] == b"1 2 3\n"
    assert unpacked["tests/data"] is None
    assert b"os._exit" in (unpacked["practica_pytest.py"] or b"")
    assert unguarded(check(**CURRENT)) == []


def test_an_old_command_naming_its_report_file_writes_to_the_channel_instead() -> None:
    for report_field in ({"results": {"format": "junit", "path": "report.xml"}}, {}):
        old = check(**{**OLD, **report_field})
        plan = plan_check(old, TESTS)
        assert plan.argv[-2:] == [f"--junitxml={REPORT_CHANNEL}", "tests"]
        assert plan.argv[2] == CHANNEL + RUN  # nothing to unpack: the tests go into the workspace, as before
        assert (plan.report, plan.tests_in_workspace, plan.kit) == (ReportSource.CHANNEL, True, None)
        assert len(unguarded(old)) == 2  # tests in the workspace; pytest without the launcher


def test_a_report_the_command_does_not_name_is_read_where_the_lesson_says() -> None:
    printed = plan_check(check(command=["./check.sh"], results={"format": "tap", "path": "-"}), {})
    assert (printed.report, printed.argv[2]) == (ReportSource.STDOUT, RUN)
    written = plan_check(check(command=["./run-tests"], results={"format": "exercism", "path": "out/results.json"}), {})
    assert (written.report, written.report_path) == (ReportSource.WORKSPACE, "out/results.json")
    assert any("writes its report into the workspace" in note for note in unguarded(check(command=["./run-tests"])))


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({**CURRENT, "results": {"format": "junit", "path": "report.xml"}}, "results.path"),
        ({**CURRENT, "tests_into": "tests"}, "tests_into"),
    ],
)
def test_an_old_field_beside_its_placeholder_is_refused_by_name(tmp_path: Path, fields: Any, named: str) -> None:
    directory = write_lesson(tmp_path / "add", check=fields)
    with pytest.raises(LessonFormatError) as refused:
        load(directory)
    assert named in str(refused.value)


def test_a_test_path_leaving_the_tests_directory_is_refused() -> None:
    with pytest.raises(ValueError, match="leaves the tests directory"):
        build_kit({"../escape.py": FileData(b"")})
