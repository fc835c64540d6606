"""``practica lesson …``: the tools that keep lessons correct."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from practica.checks.kit import unguarded
from practica.checks.stress import Flaky, cores, runs_per_lesson, stress_lessons
from practica.checks.validation import Finding, candidates, validate_lesson
from practica.lessons.json_schemas import write_schemas
from practica.lessons.loading import LessonFormatError, LoadedCourse, load
from practica.sandbox.registry import create_runtime
from practica.sandbox.runtime import Runtime
from practica.sandbox.settings import SandboxSettings

app = typer.Typer(help="Author tools: validate lessons and courses, write their JSON Schemas.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="A lesson directory or a course directory.")],
    runtime: Annotated[str | None, typer.Option(help="Sandbox runtime (default PRACTICA_SANDBOX_RUNTIME).")] = None,
    stress: Annotated[
        int,
        typer.Option(
            min=0, max=1000, help="Then run each reference solution N more times beside a CPU hog on every core."
        ),
    ] = 0,
    stress_wrong: Annotated[
        bool, typer.Option(help="Under --stress, also run the starter and each wrong solution once more.")
    ] = False,
) -> None:
    """Check the files, then prove in a real environment that the tests judge right (and, with --stress, steadily)."""
    try:
        course = load(path)
    except LessonFormatError as error:
        for problem in error.problems:
            errors.print(str(problem), highlight=False, markup=False)
        raise typer.Exit(1) from None
    try:
        findings, flaky, stress_s = asyncio.run(_run(course, runtime, stress, stress_wrong=stress_wrong))
    except asyncio.CancelledError:  # SIGTERM (see _ended_by_sigterm); Ctrl-C ends with typer's own exit code 130
        errors.print("[red]stopped by SIGTERM; its environments (and the hog) are removed[/]")
        raise typer.Exit(128 + signal.SIGTERM) from None
    console.print(_summary(findings))
    for loaded in course.lessons:
        for note in unguarded(loaded.lesson.check):
            errors.print(f"[yellow]note[/] {loaded.lesson.id}: {note} (README: Checks)", highlight=False)
    if stress:
        _print_stress(flaky, stress, stress_s)
    failed = [finding for finding in findings if not finding.ok]
    if failed:
        errors.print(f"[red]{len(failed)} of {len(findings)} runs did not hold[/]")
    if flaky:
        errors.print(f"[red]{len(flaky)} flaky: the tests do not judge the same way every time under load[/]")
    if failed or flaky:
        raise typer.Exit(1)
    console.print(f"[green]{len(course.lessons)} lesson(s) valid ({len(findings)} runs)[/]")


def _progress() -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=console, transient=True)


async def _run(
    course: LoadedCourse, runtime_name: str | None, stress: int, *, stress_wrong: bool
) -> tuple[list[Finding], list[Flaky], float]:
    """The findings, the flaky tests and how long the stress pass took."""
    runtime = create_runtime(SandboxSettings(), runtime_name)
    try:
        with _ended_by_sigterm():
            findings = await _validate(runtime, course)
            started = time.monotonic()
            flaky = await _stress(runtime, course, stress, wrong=stress_wrong) if stress else []
    finally:
        await runtime.close()
    return findings, flaky, time.monotonic() - started


@contextmanager
def _ended_by_sigterm() -> Iterator[None]:
    """SIGTERM ends the command as Ctrl-C does: the task is cancelled, so every environment (and the hog) goes."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


async def _validate(runtime: Runtime, course: LoadedCourse) -> list[Finding]:
    total = sum(len(candidates(loaded)) for loaded in course.lessons)
    findings: list[Finding] = []
    with _progress() as progress:
        task = progress.add_task("validating", total=total)

        def advance(label: str) -> None:
            progress.update(task, description=label)

        for loaded in course.lessons:
            for finding in await validate_lesson(runtime, loaded, advance):
                findings.append(finding)
                progress.advance(task)
    return findings


async def _stress(runtime: Runtime, course: LoadedCourse, runs: int, *, wrong: bool) -> list[Flaky]:
    total = sum(runs_per_lesson(loaded, runs, wrong=wrong) for loaded in course.lessons)
    with _progress() as progress:
        task = progress.add_task(f"under load ({cores()} cores busy)", total=total)

        def advance(label: str) -> None:
            progress.update(task, description=label, advance=1)

        return await stress_lessons(runtime, course.lessons, runs, advance, wrong=wrong)


def _print_stress(flaky: list[Flaky], runs: int, elapsed_s: float) -> None:
    """One line per flaky test (never wrapped, for CI logs), with what its first failure said."""
    console.print(
        f"Under load: {runs} more run(s) of each reference solution beside a CPU hog on each of {cores()} cores "
        f"({elapsed_s:.0f} s)",
        soft_wrap=True,
    )
    if not flaky:
        console.print("[green]  no flaky test: every run judged the same[/]", soft_wrap=True)
    for item in flaky:
        console.print(f"  [red]{escape(f'{item.lesson}: {item.describe()}')}[/]", soft_wrap=True, highlight=False)
        console.print(f"      {item.message.strip()[:300]}", soft_wrap=True, highlight=False, markup=False)


def _summary(findings: list[Finding]) -> Table:
    table = Table("lesson", "version", "expected", "got", "tests", "time", "", title="Validation")
    for finding in findings:
        run = finding.run
        table.add_row(
            finding.lesson,
            finding.candidate,
            finding.expected,
            run.verdict.value,
            f"{run.passed}/{len(run.cases)}",
            f"{run.duration_s:.2f} s",
            "[green]ok[/]" if finding.ok else f"[red]{finding.problem}[/]",
        )
    return table


@app.command()
def schema() -> None:
    """Write the JSON Schemas of lesson.yaml and course.yaml to schemas/lessons/."""
    for written in write_schemas():
        console.print(f"wrote {written}")
