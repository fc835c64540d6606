"""``practica course …``: bringing courses in."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from practica.lessons.errors import ImportSourceError
from practica.lessons.exercism import TRACKS, ExerciseError, convert
from practica.lessons.loading import LessonFormatError, LoadedCourse, load
from practica.lessons.publishing import Publication, checked_out, publish
from practica.settings import PracticaSettings
from servicekit.cli import settings_or_exit
from servicekit.database import make_engine, make_sessionmaker

app = typer.Typer(help="Courses: publish versions, convert from other formats.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@app.command("import")
def import_course(
    source: Annotated[str, typer.Argument(help="A course directory, or a git URL (cloned shallowly).")],
) -> None:
    """Publish a new immutable version of the course when its content changed."""
    settings = settings_or_exit(PracticaSettings, "practica")
    try:
        with checked_out(source) as directory:
            course = load(directory)
            publication = asyncio.run(_publish(settings, course, source))
    except LessonFormatError as error:
        for problem in error.problems:
            errors.print(str(problem), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except ImportSourceError as error:
        errors.print(f"practica: {error}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    _report(publication)


async def _publish(settings: PracticaSettings, course: LoadedCourse, source: str) -> Publication:
    engine = make_engine(settings.resolved_database_url(), pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            return await publish(session, course, source, performer=None)
    finally:
        await engine.dispose()


def _report(publication: Publication) -> None:
    name = f"{publication.course_id} version {publication.version}"
    if not publication.changed:
        console.print(f"{name}: unchanged (nothing published)")
        return
    console.print(f"[green]published {name}[/]")
    for label, slugs in (
        ("added", publication.added),
        ("updated", publication.updated),
        ("removed", publication.removed),
    ):
        if slugs:
            console.print(f"  {label}: {', '.join(slugs)}")


@app.command("import-exercism")
def import_exercism(
    source: Annotated[Path, typer.Argument(help="An Exercism-format track, or one exercise directory.")],
    destination: Annotated[Path, typer.Argument(help="Where to write the course (course.yaml + lessons).")],
    track: Annotated[
        str | None,
        typer.Option(help=f"The track ({', '.join(TRACKS)}); default: the track's config.json, else the files."),
    ] = None,
) -> None:
    """Convert Exercism exercises (Python, Bash, JavaScript, Go, Rust) into a course for `practica lesson validate`."""
    try:
        result = convert(source, destination, track)
    except ExerciseError as error:
        errors.print(f"practica: {error}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    title = f"Exercism ({result.track}) → {destination}" if result.track else f"Exercism → {destination}"
    table = Table("exercise", "result", title=title)
    for name in result.converted:
        table.add_row(name, "[green]converted[/]")
    for name, reason in result.skipped.items():
        table.add_row(name, f"[yellow]skipped:[/] {reason}")
    console.print(table)
    console.print(f"{len(result.converted)} converted, {len(result.skipped)} skipped")
    if not result.converted:
        raise typer.Exit(1)
    console.print(f"next: practica lesson validate {destination}")
