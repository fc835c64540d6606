"""The ids the platform passes around, as distinct types.

Most of them are plain ``str`` or ``int`` in the database; here each kind has
its own name so that a signature taking ``(owner, course, slug)`` cannot be
called with the three strings in another order without mypy saying so. They
cost nothing at run time (:class:`typing.NewType`): wrap a value where it
enters (a route's path parameter, a row read back) and pass it on as it is.
"""

from __future__ import annotations

from typing import Annotated, NewType

from pydantic import AfterValidator

from servicekit.params import no_nul

UserId = NewType("UserId", int)
"""``users.id``."""

OwnerKey = NewType("OwnerKey", str)
"""Whose environment, enrolment or check: ``str(user id)`` for a learner, ``preview:USER_ID`` for an author's
preview (:func:`learner_key`, :func:`preview_key`)."""

CourseId = NewType("CourseId", str)
"""``courses.id``: the course's slug from ``course.yaml``."""

LessonSlug = NewType("LessonSlug", str)
"""A lesson's id inside its course (``lesson.yaml``'s ``id``), the same in every version of the course."""

LessonId = NewType("LessonId", int)
"""``course_lessons.id``: one lesson of one course version."""

VersionId = NewType("VersionId", int)
"""``course_versions.id``."""

OrganizationSlug = NewType("OrganizationSlug", str)
"""``organizations.slug``: how courses, events and access tags name an organisation."""

EnvironmentId = NewType("EnvironmentId", str)
"""``learner_environments.id``, the sandbox's environment id."""

AttemptId = NewType("AttemptId", int)
"""``check_attempts.id``."""


def learner_key(user_id: UserId) -> OwnerKey:
    """The owner key of a user's own learning (their environments, enrolments and checks)."""
    return OwnerKey(str(user_id))


PREVIEW_PREFIX = "preview:"


def preview_key(user_id: UserId) -> OwnerKey:
    """The owner key of an author's previews of their drafts (apart from their own learning)."""
    return OwnerKey(f"{PREVIEW_PREFIX}{user_id}")


def is_preview(key: OwnerKey) -> bool:
    """Whether ``key`` is an author's previews: their checks are no learner's activity (no events, no completion)."""
    return key.startswith(PREVIEW_PREFIX)


CourseIdParam = Annotated[CourseId, AfterValidator(no_nul)]
"""A course id in a route's path or query (422 naming the parameter for a NUL byte)."""

LessonSlugParam = Annotated[LessonSlug, AfterValidator(no_nul)]
"""A lesson slug in a route's path or query."""
