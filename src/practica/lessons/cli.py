"""``practica lesson …``: the tools that keep lessons correct."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from practica.checks.kit import unguarded
from practica.lessons.loading import LessonFormatError, LoadedCourse, load
from practica.lessons.schemas import write_schemas
from practica.lessons.validate import Finding, candidates, validate_lesson
from practica.sandbox.registry import create_runtime
from practica.sandbox.settings import SandboxSettings

app = typer.Typer(help="Author tools: validate lessons and courses, write their JSON Schemas.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="A lesson directory or a course directory.")],
    runtime: Annotated[str | None, typer.Option(help="Sandbox runtime (default PRACTICA_SANDBOX_RUNTIME).")] = None,
) -> None:
    """Check the files, then prove in a real environment that the tests judge right."""
    try:
        course = load(path)
    except LessonFormatError as error:
        for problem in error.problems:
            errors.print(str(problem), highlight=False, markup=False)
        raise typer.Exit(1) from None
    findings = asyncio.run(_run(course, runtime))
    console.print(_summary(findings))
    for loaded in course.lessons:
        for note in unguarded(loaded.lesson.check):
            errors.print(f"[yellow]note[/] {loaded.lesson.id}: {note} (README: Checks)", highlight=False)
    failed = [finding for finding in findings if not finding.ok]
    if failed:
        errors.print(f"[red]{len(failed)} of {len(findings)} runs did not hold[/]")
        raise typer.Exit(1)
    console.print(f"[green]{len(course.lessons)} lesson(s) valid ({len(findings)} runs)[/]")


async def _run(course: LoadedCourse, runtime_name: str | None) -> list[Finding]:
    runtime = create_runtime(SandboxSettings(), runtime_name)
    total = sum(len(candidates(loaded)) for loaded in course.lessons)
    findings: list[Finding] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("validating", total=total)

            def advance(label: str) -> None:
                progress.update(task, description=label)

            for loaded in course.lessons:
                for finding in await validate_lesson(runtime, loaded, advance):
                    findings.append(finding)
                    progress.advance(task)
    finally:
        await runtime.close()
    return findings


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
