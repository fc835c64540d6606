"""Turning an Exercism track or exercise into a course in Practica's format.

Each language is one :class:`~practica.lessons.exercism_exercise.Track`
(Python, Bash, JavaScript, Go, Rust): it says whether an exercise's files
are its own and turns one exercise into a lesson directory. The track comes
from the track's ``config.json`` (its ``slug``) when the source is a whole
track, else from the exercise's test files. An exercise that cannot be
converted is listed with the reason; the others still convert.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from practica.lessons.exercism_bash import BashTrack
from practica.lessons.exercism_exercise import ExerciseError, Track, load_exercise, write_lesson
from practica.lessons.exercism_go import GoTrack
from practica.lessons.exercism_javascript import JavaScriptTrack
from practica.lessons.exercism_python import PythonTrack
from practica.lessons.exercism_rust import RustTrack

__all__ = ["TRACKS", "Conversion", "ExerciseError", "convert", "convert_exercise", "exercise_directories"]

TRACKS: dict[str, Track] = {
    track.name: track for track in (PythonTrack(), BashTrack(), JavaScriptTrack(), GoTrack(), RustTrack())
}


@dataclass
class Conversion:
    converted: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # exercise directory -> reason
    track: str | None = None


def exercise_directories(source: Path) -> list[Path]:
    """One exercise (``.meta/config.json`` inside) or every exercise of a track."""
    if (source / ".meta" / "config.json").is_file():
        return [source]
    roots = [source / "exercises" / "concept", source / "exercises" / "practice", source / "exercises", source]
    for root in roots:
        found = sorted(path.parent.parent for path in root.glob("*/.meta/config.json"))
        if found:
            return found
    return []


def track_of(source: Path) -> Track | None:
    """The track a whole track's ``config.json`` names; None when there is none (then each exercise's files say)."""
    try:
        config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    slug = str(config.get("slug") or "").lower() if isinstance(config, dict) else ""
    if slug and slug not in TRACKS:
        raise ExerciseError(f"{source}: the {slug!r} track cannot be converted; these can: {', '.join(TRACKS)}")
    return TRACKS.get(slug)


def convert(source: Path, destination: Path, track: str | None = None) -> Conversion:
    """Write a course at ``destination``; exercises that cannot be converted are listed, not fatal."""
    chosen = _named_track(track) if track else track_of(source)
    result = Conversion(track=chosen.name if chosen else None)
    exercises = exercise_directories(source)
    if not exercises:
        raise ExerciseError(f"{source}: no Exercism exercise found (no .meta/config.json)")
    destination.mkdir(parents=True, exist_ok=True)
    for exercise in exercises:
        try:
            convert_exercise(exercise, destination / exercise.name, chosen)
        except ExerciseError as error:
            shutil.rmtree(destination / exercise.name, ignore_errors=True)
            result.skipped[exercise.name] = str(error)
            continue
        result.converted.append(exercise.name)
    if result.converted:
        write_course(source, destination, result.converted)
    return result


def convert_exercise(directory: Path, lesson_dir: Path, track: Track | None = None) -> Track:
    """Write one lesson; the track converting it is returned (``track``, or the one its files belong to)."""
    exercise = load_exercise(directory)
    chosen = track or next((candidate for candidate in TRACKS.values() if candidate.detects(exercise)), None)
    if chosen is None:
        names = ", ".join(exercise.relative(path) for path in exercise.tests)
        raise ExerciseError(f"no track converts these test files ({names}); tracks: {', '.join(TRACKS)}")
    if not chosen.detects(exercise):
        raise ExerciseError(f"its test files are not {chosen.name} tests")
    draft = chosen.convert(exercise)
    write_lesson(exercise, draft, lesson_dir)
    return chosen


def _named_track(name: str) -> Track:
    if name not in TRACKS:
        raise ExerciseError(f"no track {name!r}; these can be converted: {', '.join(TRACKS)}")
    return TRACKS[name]


def write_course(source: Path, destination: Path, lessons: list[str]) -> None:
    track = source.resolve().name
    course_id = re.sub(r"[^a-z0-9-]+", "-", destination.resolve().name.lower()).strip("-")[:63] or "exercism"
    course = {
        "id": course_id,
        "title": f"{track} (from Exercism)",
        "summary": f"Converted from the Exercism-format exercises in {track}.",
        "lessons": lessons,
    }
    (destination / "course.yaml").write_text(yaml.safe_dump(course, sort_keys=False))
