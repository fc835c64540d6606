"""The authoring format: ``course.yaml`` and one ``lesson.yaml`` per lesson directory.

The JSON Schemas in ``schemas/lessons/`` are generated from these models
(``practica lesson schema``) for editor support; a test keeps them equal.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from practica.ids import CourseId, LessonSlug, OrganizationSlug

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
_SLUG = Field(pattern=SLUG_PATTERN, description="Lower-case letters, digits, dashes.")
CourseSlug = Annotated[CourseId, _SLUG]
LessonSlugField = Annotated[LessonSlug, _SLUG]
OrganizationSlugField = Annotated[OrganizationSlug, _SLUG]


def _inside(relative: str) -> str:
    if relative.startswith("/") or ".." in relative.split("/"):
        raise ValueError("must stay inside the lesson directory (no `..`, not absolute)")
    return relative


RelativeDir = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9._/-]{1,200}$", description="A directory inside the lesson directory."),
    AfterValidator(_inside),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LessonNetwork(StrEnum):
    """What the lesson's environments may reach: ``none`` (loopback only) or ``egress`` (the internet)."""

    NONE = "none"
    EGRESS = "egress"


class ResultsFormat(StrEnum):
    JUNIT = "junit"
    TAP = "tap"
    EXERCISM = "exercism"
    GO_TEST_JSON = "go-test-json"
    LIBTEST_JSON = "libtest-json"


class LessonLimits(Strict):
    """What one check of the lesson may use; the platform turns these into the sandbox's resource limits."""

    time_s: float = Field(10, gt=0, le=600, description="Wall-clock limit of one check run, seconds.")
    memory_mb: int = Field(256, ge=16, le=8192, description="Memory limit of the environment, MiB.")


class Results(Strict):
    format: ResultsFormat = Field(ResultsFormat.JUNIT, description="What the check command writes to `{report}`.")
    path: str | None = Field(
        None,
        description="Old lessons only (use `{report}` in the command): where the command writes its report, "
        "relative to the workspace (`report.xml` when unset), or `-` for standard output. Where the command "
        "names this path, the platform's `{report}` replaces it.",
    )


class Check(Strict):
    command: list[str] = Field(
        min_length=1,
        max_length=100,
        description="Runs in the workspace. The platform replaces `{tests}` (the hidden tests' directory, "
        "outside the workspace), `{report}` (where the report goes) and `{pytest}` (its pytest launcher: "
        "`python3 -I {pytest} ...`).",
    )
    results: Results = Field(default_factory=Results)
    tests_into: str = Field(
        ".",
        description="Old lessons only (use `{tests}` in the command): where in the workspace the hidden tests "
        "are copied.",
    )

    @model_validator(mode="after")
    def _placeholders_replace_old_fields(self) -> Check:
        if self.results.path is not None and any("{report}" in part for part in self.command):
            raise ValueError("results.path: leave it out, the command names {report}, where the platform puts it")
        if self.tests_into != "." and any("{tests}" in part for part in self.command):
            raise ValueError("tests_into: leave it out, the command names {tests}, where the platform puts them")
        return self


class Hint(Strict):
    text: str = Field(min_length=1, description="Markdown.")
    after_failed_checks: int = Field(1, ge=0, le=100, description="Shown after this many failed checks.")


class WrongSolution(Strict):
    dir: RelativeDir
    why: str = Field(min_length=1, description="The mistake it makes; the tests must catch it.")


class Lesson(Strict):
    """``lesson.yaml``."""

    id: LessonSlugField
    title: str = Field(min_length=1, max_length=200)
    task: str = Field(
        min_length=1, max_length=256 * 1024, description="The task in Markdown (or a `task.md` beside lesson.yaml)."
    )
    environment: str = Field("host", pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="`environments/NAME`.")
    network: LessonNetwork = LessonNetwork.NONE
    limits: LessonLimits = Field(default_factory=LessonLimits)
    starter: RelativeDir = Field("starter", description="Files the learner starts with.")
    tests: RelativeDir = Field("tests", description="The hidden unit tests.")
    solution: RelativeDir = Field("solution", description="The reference solution (files that replace the starter).")
    check: Check
    run: str | None = Field(
        None, max_length=500, description="What the IDE's *Run* button types in the terminal (`python3 main.py`)."
    )
    hints: list[Hint] = Field(default_factory=list, max_length=50)
    wrong_solutions: list[WrongSolution] = Field(default_factory=list, max_length=20)


PUBLIC: Final = "public"

Visibility = Literal["public"] | OrganizationSlug
"""Who sees a course version: everyone, or the members of one organisation (its slug).

The form the platform keeps (``course_versions.visibility``, ``course_drafts.visibility``) and compares;
``course.yaml`` writes the second as ``{organization: SLUG}`` (:attr:`Course.audience` turns one into the other).
"""


def organization_of(visibility: Visibility) -> OrganizationSlug | None:
    """The organisation whose members alone see the course; None for a public one."""
    return None if visibility == PUBLIC else OrganizationSlug(visibility)


def visible_to(visibility: Visibility, organizations: Collection[str]) -> bool:
    """Whether a member of ``organizations`` (none: anyone, signed in or not) sees a course of this visibility."""
    organization = organization_of(visibility)
    return organization is None or organization in organizations


class OrganizationVisibility(Strict):
    organization: OrganizationSlugField


class Course(Strict):
    """``course.yaml``."""

    id: CourseSlug
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field("", max_length=2000)
    visibility: Literal["public"] | OrganizationVisibility = Field(
        "public", description="`public`, or `{organization: SLUG}` for members only."
    )
    lessons: list[LessonSlugField] = Field(
        min_length=1, max_length=200, description="Lesson directories, in order (200 at most)."
    )

    @property
    def audience(self) -> Visibility:
        """``visibility`` as the platform keeps it: ``public`` or the organisation's slug."""
        if isinstance(self.visibility, OrganizationVisibility):
            return self.visibility.organization
        return PUBLIC

    @model_validator(mode="after")
    def _unique_lessons(self) -> Course:
        seen: set[str] = set()
        for lesson in self.lessons:
            if lesson in seen:
                raise ValueError(f"lesson {lesson!r} is listed twice")
            seen.add(lesson)
        return self
