"""Convert and validate N exercises of each Exercism track, and print how it went (the README's table).

Which exercises: for each track, its practice exercises in the order of the
track's ``config.json`` (deprecated ones left out), taken one after another
until ``--count`` of them convert and validate (the hidden tests fail the
stub and pass the reference, in the track's built environment). Every
exercise passed over on the way is reported with its reason: refused by the
converter (needs crates, a multi-file reference) or failed validation (say,
a reference using a library function newer than the environment's
toolchain). The chosen ones then run ``--stress`` more times beside a CPU hog
on every core, as ``practica lesson validate --stress`` does; a test that
fails in any of those runs makes its exercise flaky.

A track's source is a checkout of its repository (``config.json`` at the
top) or a bare git directory (read at HEAD): ``--sources DIR`` holds
``DIR/TRACK`` or ``DIR/exercism+TRACK/repo``. Rerunnable: the courses are
rewritten under ``--out`` each time.

    python scripts/exercism_tracks.py --sources /work/.mirror --markdown
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from practica.checks.stress import stress_lessons
from practica.checks.validation import Finding, validate_lesson
from practica.lessons.exercism import TRACKS, ExerciseError, convert_exercise, write_course
from practica.lessons.loading import LessonFormatError, load
from practica.sandbox.registry import create_runtime
from practica.sandbox.runtime import Runtime
from practica.sandbox.settings import SandboxSettings

DEFAULT_TRACKS = ["bash", "javascript", "go", "rust"]
app = typer.Typer(add_completion=False)
console = Console()


@dataclass
class TrackReport:
    track: str
    looked_at: int = 0
    validated: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # converter said no
    failed: dict[str, str] = field(default_factory=dict)  # converted, but validation did not hold
    flaky: dict[str, str] = field(default_factory=dict)  # validated, then a test failed under load
    seconds: float = 0.0

    @property
    def converted(self) -> int:
        return len(self.validated) + len(self.failed)


def track_source(sources: Path, track: str, work: Path) -> Path:
    """A directory with the track's ``config.json`` and ``exercises/practice`` (extracted from a bare repo)."""
    for candidate in (sources / track, sources / f"exercism+{track}" / "repo", sources / f"exercism+{track}"):
        if (candidate / "config.json").is_file():
            return candidate
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            target = work / f"{track}-source"
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            archive = ["git", "-C", str(candidate), "archive", "HEAD", "config.json", "exercises/practice"]
            tar = subprocess.run(archive, check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(target)], input=tar, check=True)
            return target
    raise typer.BadParameter(f"no {track} track under {sources} ({track}/ or exercism+{track}/repo)")


def practice_order(source: Path) -> list[str]:
    """The track's practice exercises in ``config.json`` order, without deprecated ones."""
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    exercises = config.get("exercises", {}).get("practice", [])
    return [entry["slug"] for entry in exercises if entry.get("status") != "deprecated"]


def short(problem: str) -> str:
    """One line of a validation problem; a Rust library feature newer than 1.85 is named as such."""
    if "E0658" in problem:
        return "needs a newer Rust than the environment's 1.85 (E0658: unstable there)"
    line = " ".join(problem.split())
    return line[:140] + ("…" if len(line) > 140 else "")


async def validate_one(runtime: Runtime, lesson_dir: Path) -> str | None:
    """None when the lesson holds (stub fails, reference passes), else why not."""
    try:
        loaded = load(lesson_dir).lessons[0]
    except LessonFormatError as error:
        return short("; ".join(str(problem) for problem in error.problems))
    findings: list[Finding] = await validate_lesson(runtime, loaded)
    wrong = [finding for finding in findings if not finding.ok]
    return f"{wrong[0].candidate}: {short(wrong[0].problem)}" if wrong else None


async def run_track(runtime: Runtime, source: Path, course: Path, report: TrackReport, count: int, stress: int) -> None:
    track = TRACKS[report.track]
    shutil.rmtree(course, ignore_errors=True)
    course.mkdir(parents=True)  # noqa: ASYNC240 (a script: nothing else runs meanwhile)
    for slug in practice_order(source):
        if len(report.validated) == count:
            break
        report.looked_at += 1
        lesson_dir = course / slug
        try:
            convert_exercise(source / "exercises" / "practice" / slug, lesson_dir, track)
        except ExerciseError as error:
            shutil.rmtree(lesson_dir, ignore_errors=True)
            report.refused[slug] = str(error)
            continue
        problem = await validate_one(runtime, lesson_dir)
        console.print(f"{report.track} {slug}: {problem or 'valid'}", highlight=False)
        if problem:
            report.failed[slug] = problem
            shutil.rmtree(lesson_dir)
            if "could not run" in problem:  # the environment, not the exercise: going on would pass over good ones
                break
        else:
            report.validated.append(slug)
    if not report.validated:
        return
    write_course(source, course, report.validated)
    if stress:
        for flaky in await stress_lessons(runtime, load(course).lessons, stress):
            report.flaky.setdefault(flaky.lesson, flaky.describe())


def table(reports: list[TrackReport], count: int, stress: int) -> Table:
    result = Table(
        "track", "looked at", "converted", f"validated (of {count})", f"flaky (--stress {stress})", "time",
        title="Exercism tracks",
    )  # fmt: skip
    for report in reports:
        result.add_row(
            report.track,
            str(report.looked_at),
            str(report.converted),
            str(len(report.validated) - len(report.flaky)),
            str(len(report.flaky)),
            f"{report.seconds / 60:.1f} min",
        )
    return result


def passed_over(report: TrackReport) -> list[str]:
    lines = [f"{slug}: refused: {reason}" for slug, reason in report.refused.items()]
    lines += [f"{slug}: failed validation: {reason}" for slug, reason in report.failed.items()]
    lines += [f"{slug}: flaky: {reason}" for slug, reason in report.flaky.items()]
    return lines


def markdown(reports: list[TrackReport], count: int, stress: int) -> str:
    rows = [
        f"| track | looked at | converted | validated (of {count}) | flaky (`--stress {stress}`) | time |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for report in reports:
        rows.append(
            f"| {report.track} | {report.looked_at} | {report.converted} | "
            f"{len(report.validated) - len(report.flaky)} | {len(report.flaky)} | {report.seconds / 60:.1f} min |"
        )
    notes = [f"- {report.track} {line}" for report in reports for line in passed_over(report)]
    return "\n".join(rows + (["", *notes] if notes else []))


async def run_all(
    tracks: list[str], sources: Path, out: Path, count: int, stress: int, runtime_name: str | None
) -> list[TrackReport]:
    runtime = create_runtime(SandboxSettings(), runtime_name)
    reports = []
    try:
        for name in tracks:
            report = TrackReport(name)
            started = time.monotonic()
            await run_track(runtime, track_source(sources, name, out), out / name, report, count, stress)
            report.seconds = time.monotonic() - started
            reports.append(report)
    finally:
        await runtime.close()
    return reports


@app.command()
def main(
    sources: Annotated[Path, typer.Option(help="Holds TRACK/ (a checkout) or exercism+TRACK/repo (bare git).")],
    track: Annotated[list[str] | None, typer.Option(help="Tracks to run (repeat); default all four.")] = None,
    count: Annotated[int, typer.Option(min=1, help="Exercises per track that must convert and validate.")] = 20,
    stress: Annotated[int, typer.Option(min=0, help="Runs of each reference beside a CPU hog.")] = 3,
    out: Annotated[Path, typer.Option(help="Where the courses are written.")] = Path("var/exercism-tracks"),
    runtime: Annotated[str | None, typer.Option(help="Sandbox runtime (default PRACTICA_SANDBOX_RUNTIME).")] = None,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="Also print the table as Markdown.")] = False,
) -> None:
    """Convert, validate and stress N exercises of each track; exit 1 unless every track reached N, none flaky."""
    tracks = track or DEFAULT_TRACKS
    unknown = [name for name in tracks if name not in TRACKS]
    if unknown:
        raise typer.BadParameter(f"unknown track(s) {unknown}; known: {list(TRACKS)}", param_hint="--track")
    reports = asyncio.run(run_all(tracks, sources, out, count, stress, runtime))
    console.print(table(reports, count, stress))
    for report in reports:
        for line in passed_over(report):
            console.print(f"  {report.track} {line}", highlight=False)
    if as_markdown:
        console.print(markdown(reports, count, stress), highlight=False, markup=False, soft_wrap=True)
    if any(len(report.validated) < count or report.flaky for report in reports):
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
