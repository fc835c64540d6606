"""A lesson's definition as the database keeps it (JSONB) and as code reads it back: the validated model.

Publishing stores ``lesson.yaml`` as validated (:class:`~practica.lessons.format.Lesson`, dumped to JSON);
every reader gets that model back, never a dict, so the format's defaults live in one place. A row
written by an older version lacks the fields added since: they take their defaults. A row written by a
newer version (during a rolling deploy) may hold fields this version does not know: they are ignored
here, where the edge's ``extra="forbid"`` would refuse them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from practica.lessons.format import Lesson


def stored_lesson(value: object) -> Lesson:
    """The lesson from its stored JSON (a row read without the column's type, e.g. by raw reads), or as it is."""
    return Lesson.model_validate(value, extra="ignore")


class LessonDefinition(TypeDecorator[Lesson]):
    """``course_lessons.definition``: JSONB in the database, :class:`Lesson` in Python."""

    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: Lesson | None, dialect: Dialect) -> Any:
        return None if value is None else value.model_dump(mode="json")

    def process_result_value(self, value: Any, dialect: Dialect) -> Lesson | None:
        return None if value is None else stored_lesson(value)
