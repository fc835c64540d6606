"""``practica course …``: bringing courses in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from practica.lessons.exercism import ExerciseError, convert

app = typer.Typer(help="Courses: convert them from other formats.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@app.command("import-exercism")
def import_exercism(
    source: Annotated[Path, typer.Argument(help="An Exercism-format track, or one exercise directory.")],
    destination: Annotated[Path, typer.Argument(help="Where to write the course (course.yaml + lessons).")],
) -> None:
    """Convert Exercism exercises (Python) into a course ready for `practica lesson validate`."""
    try:
        result = convert(source, destination)
    except ExerciseError as error:
        errors.print(f"practica: {error}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    table = Table("exercise", "result", title=f"Exercism → {destination}")
    for name in result.converted:
        table.add_row(name, "[green]converted[/]")
    for name, reason in result.skipped.items():
        table.add_row(name, f"[yellow]skipped:[/] {reason}")
    console.print(table)
    console.print(f"{len(result.converted)} converted, {len(result.skipped)} skipped")
    if not result.converted:
        raise typer.Exit(1)
    console.print(f"next: practica lesson validate {destination}")
