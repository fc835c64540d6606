"""Where a check puts the hidden tests and where its report comes from: decided by the platform, not the lesson.

A lesson's check command names three places through placeholders; the
platform puts them outside the learner's workspace:

- ``{tests}``: the hidden tests, unpacked into ``/tmp/practica-check/tests``
  (the environment's private tmpfs) by the check's own first step, from the
  exec's standard input: they never pass through the workspace.
- ``{report}``: ``/dev/fd/3``, the report channel. The check command starts
  with descriptor 3 on the exec's standard output and its standard output
  moved to standard error, so everything else it or the learner's code prints
  goes to standard error. The platform reads the report from the exec's
  standard output only, which no file in the environment can change and no
  process holds once the runner is gone (:mod:`practica.checks.practica_pytest`
  keeps it from the programs the tests start).
- ``{pytest}``: Practica's pytest launcher (``python3 -I {pytest} ARGS``),
  which deletes the hidden tests once collected and ends the runner with
  ``os._exit`` after the report, before any learner ``atexit`` hook.

Old ``lesson.yaml`` files keep working. Their ``results.path`` (``report.xml``
when unset) is replaced by ``{report}`` where the command names it as an
argument or an option's value (``--junitxml=report.xml``); their tests still
go into the workspace (``tests_into``) unless the command names ``{tests}``.
A report the command writes elsewhere in the workspace, or prints (``-``), is
read as before: the learner's code can write it too (see SECURITY.md).
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import PurePosixPath
from typing import Protocol

from practica.lessons.format import Check

CHECK_DIR = "/tmp/practica-check"  # noqa: S108 (inside the environment, which is fresh for every check)
TESTS_DIR = f"{CHECK_DIR}/tests"
LAUNCHER = f"{CHECK_DIR}/practica_pytest.py"
REPORT_CHANNEL = "/dev/fd/3"
PLACEHOLDERS = {"{tests}": TESTS_DIR, "{report}": REPORT_CHANNEL, "{pytest}": LAUNCHER}
LEGACY_REPORT = "report.xml"
STDOUT = "-"
PREPARE_FAILED = 125
PREPARE_MESSAGE = "practica-check: "
UNPACK = (
    f"umask 077 && mkdir {CHECK_DIR} && tar -x -f - -C {CHECK_DIR} "
    f'|| {{ echo "{PREPARE_MESSAGE}the hidden tests could not be unpacked" >&2; exit {PREPARE_FAILED}; }}; '
)
CHANNEL = "exec 3>&1 1>&2 </dev/null; "
RUN = 'exec "$@"'


class FileLike(Protocol):
    """A file's content and mode (``practica.checks.runner.FileData``)."""

    @property
    def data(self) -> bytes: ...

    @property
    def mode(self) -> int: ...


class ReportSource(StrEnum):
    CHANNEL = "channel"  # the exec's standard output, fed by descriptor 3 only
    STDOUT = "stdout"  # old lessons: the command prints it, with everything else
    WORKSPACE = "workspace"  # old lessons: a file in the workspace


@dataclass(frozen=True)
class CheckPlan:
    """What one check runs, what it sends on standard input, and where its report comes from."""

    argv: list[str]
    kit: bytes | None  # for standard input; None when the command names neither {tests} nor {pytest}
    report: ReportSource
    report_path: str  # for ReportSource.WORKSPACE
    tests_in_workspace: bool  # old lessons: the tests go to `tests_into`, over the learner's files


def plan_check(check: Check, tests: Mapping[str, FileLike]) -> CheckPlan:
    command = _migrate_report(check)
    report = _report_source(check, command)
    tests_in_kit = any("{tests}" in part for part in command)
    needs_kit = tests_in_kit or any("{pytest}" in part for part in command)
    kit = build_kit(tests if tests_in_kit else {}) if needs_kit else None
    argv = [fill_placeholders(part) for part in command]
    prepare = (UNPACK if needs_kit else "") + (CHANNEL if report is ReportSource.CHANNEL else "") + RUN
    return CheckPlan(
        argv=["/bin/sh", "-c", prepare, "practica-check", *argv],
        kit=kit,
        report=report,
        report_path=check.results.path or LEGACY_REPORT,
        tests_in_workspace=not tests_in_kit,
    )


def _migrate_report(check: Check) -> list[str]:
    """An old command naming its report file (``--junitxml=report.xml``) writes to ``{report}`` instead."""
    path = check.results.path or LEGACY_REPORT
    if path == STDOUT or any("{report}" in part for part in check.command):
        return list(check.command)
    return [_report_argument(part, path) for part in check.command]


def _report_argument(part: str, path: str) -> str:
    if part in (path, f"./{path}"):
        return "{report}"
    for form in (path, f"./{path}"):
        if part.endswith(f"={form}"):
            return part[: -len(form)] + "{report}"
    return part


def _report_source(check: Check, command: list[str]) -> ReportSource:
    if any("{report}" in part for part in command):
        return ReportSource.CHANNEL
    return ReportSource.STDOUT if check.results.path == STDOUT else ReportSource.WORKSPACE


def fill_placeholders(part: str, places: Mapping[str, str] = PLACEHOLDERS) -> str:
    for placeholder, value in places.items():
        part = part.replace(placeholder, value)
    return part


def unguarded(check: Check) -> list[str]:
    """What the learner's code can still do to this check that a lesson in the current form prevents."""
    command = _migrate_report(check)
    notes = []
    if _report_source(check, command) is not ReportSource.CHANNEL:
        where = "prints its report" if check.results.path == STDOUT else "writes its report into the workspace"
        notes.append(f"the command {where}: the learner's code can write it too; write it to {{report}}")
    if not any("{tests}" in part for part in command):
        notes.append("the hidden tests are copied into the workspace: name {tests} in the command instead")
    if any("pytest" in part for part in command) and not any("{pytest}" in part for part in command):
        notes.append(
            "pytest runs without `python3 -I {pytest}`: the tests stay readable and atexit hooks run after the report"
        )
    return notes


def launcher_source() -> bytes:
    return resources.files("practica.checks").joinpath("practica_pytest.py").read_bytes()


def build_kit(tests: Mapping[str, FileLike]) -> bytes:
    """A tar of the launcher and, under ``tests/``, the hidden tests (what the check unpacks into CHECK_DIR)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        directories = {"tests"}
        _add(archive, "tests", None, 0o755)
        _add(archive, "practica_pytest.py", launcher_source(), 0o644)
        for path, file in sorted(tests.items()):
            relative = PurePosixPath(path)
            if relative.is_absolute() or ".." in relative.parts:
                raise ValueError(f"hidden test path {path!r} leaves the tests directory")
            for parent in map(str, reversed(relative.parents[:-1])):
                if parent not in directories:
                    directories.add(parent)
                    _add(archive, f"tests/{parent}", None, 0o755)
            _add(archive, f"tests/{relative}", file.data, file.mode)
    return buffer.getvalue()


def _add(archive: tarfile.TarFile, name: str, data: bytes | None, mode: int) -> None:
    """A regular file, or a directory when ``data`` is None."""
    entry = tarfile.TarInfo(name)
    entry.mode = mode
    if data is None:
        entry.type = tarfile.DIRTYPE
        archive.addfile(entry)
        return
    entry.size = len(data)
    archive.addfile(entry, io.BytesIO(data))
