"""The Python track: pytest over the exercise's unittest files, JUnit XML, in the ``host`` environment.

Starter = the stubs, tests = the test files (hidden, with a conftest and a
pytest.ini that keep the learner's files from changing the grader),
solution = the reference saved under the stubs' names.
"""

from __future__ import annotations

from practica.lessons.exercism_exercise import Exercise, ExerciseError, LessonDraft, read, require_reference

CHECK = {
    "command": [
        "python3", "-I", "{pytest}", "-q", "-p", "no:cacheprovider",
        "-o", "junit_logging=all", "--junitxml={report}", "{tests}",
    ],
    "results": {"format": "junit"},
}  # fmt: skip
TESTS_CONFTEST = '''"""The learner's files are in the workspace, where the check runs: importable, after the stdlib."""

import sys
from pathlib import Path

sys.path.append(str(Path.cwd()))
'''
TESTS_PYTEST_INI = (
    "# Hidden with the tests: makes their directory the rootdir, so the learner's config is never read.\n[pytest]\n"
)


class PythonTrack:
    name = "python"

    def detects(self, exercise: Exercise) -> bool:
        return all(path.suffix == ".py" for path in exercise.tests)

    def convert(self, exercise: Exercise) -> LessonDraft:
        require_reference(exercise)
        if any(path.suffix != ".py" for path in [*exercise.stubs, *exercise.tests, *exercise.references]):
            raise ExerciseError("only Python exercises can be converted")
        if len(exercise.references) != len(exercise.stubs):
            raise ExerciseError(
                f"{len(exercise.references)} reference file(s) for {len(exercise.stubs)} solution file(s)"
            )
        draft = LessonDraft(environment="host", check=CHECK)
        for stub, reference in zip(exercise.stubs, exercise.references, strict=True):
            draft.starter[stub.name] = read(stub)
            draft.solution[stub.name] = read(reference)
        draft.tests = {test.name: read(test) for test in exercise.tests}
        draft.tests["conftest.py"] = TESTS_CONFTEST.encode()
        draft.tests["pytest.ini"] = TESTS_PYTEST_INI.encode()
        return draft
