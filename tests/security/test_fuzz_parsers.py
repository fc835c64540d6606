"""Hypothesis on the lesson and course parsers: any text is a course, or a LessonFormatError naming the file.

An author's course.yaml, lesson.yaml and task.md are hostile. Whatever they hold (random YAML, random bytes,
deep nesting, huge numbers), loading ends quickly in one of two ways: a loaded course, or a
:class:`LessonFormatError` whose every problem names its file. Never another exception.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from practica.lessons.loading import LessonFormatError, load

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(["id", "title", "lessons", "visibility", "environment", "network", "limits", "check",
                        "starter", "solution", "tests", "wrong_solutions", "hints", "task", "run"])  # fmt: skip
DOCUMENTS = st.dictionaries(KEYS | st.text(max_size=10), VALUES, max_size=8)
FUZZ = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _load(files: dict[str, str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", errors="surrogatepass")
        try:
            load(root)
        except LessonFormatError as error:
            problems = error.problems
        else:
            return
    assert problems
    for problem in problems:
        assert problem.file, problem
        assert problem.message, problem


@FUZZ
@given(course=DOCUMENTS, lesson=DOCUMENTS)
def test_any_yaml_documents_load_or_name_their_problems(course: dict[str, object], lesson: dict[str, object]) -> None:
    course.setdefault("lessons", ["one"])
    _load({"course.yaml": yaml.safe_dump(course), "one/lesson.yaml": yaml.safe_dump(lesson)})


@FUZZ
@given(course=st.binary(max_size=400), lesson=st.text(max_size=400))
def test_any_bytes_load_or_name_their_problems(course: bytes, lesson: str) -> None:
    _load({"course.yaml": course, "one/lesson.yaml": lesson})


@settings(FUZZ, max_examples=30)
@given(depth=st.integers(min_value=1, max_value=10_000), kind=st.sampled_from(["[", "{a: "]))
def test_deep_nesting_is_a_problem_not_a_crash(depth: int, kind: str) -> None:
    closing = "]" if kind == "[" else "}"
    _load({"course.yaml": f"id: x\ntitle: {kind * depth}1{closing * depth}\nlessons: []\n"})
