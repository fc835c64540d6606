"""The JavaScript track: jest (native ES modules) in the ``javascript`` environment, TAP on the report channel.

Exercism's tests ``import`` the learner's module (``./two-fer``) and jest's
globals from ``@jest/globals``; Exercism runs them through Babel. Here they
run as native ES modules (``NODE_OPTIONS=--experimental-vm-modules``, a
``package.json`` saying ``"type": "module"``, no transform), from a build
directory where the hidden spec sits beside a copy of the learner's files.
Jest's configuration is given on the command line, so no configuration file
of the learner's is read; a small reporter hidden with the tests writes TAP
to the report channel. ``xtest``/``xit``/``xdescribe`` (Exercism's
one-test-at-a-time skips) become ``test``/``it``/``describe``; ``test.skip``
(slow or optional tests Exercism does not run either) stays skipped.
"""

from __future__ import annotations

import json
import re
import shlex
from importlib import resources

from practica.lessons.exercism_exercise import (
    BUILD_DIR,
    Exercise,
    ExerciseError,
    LessonDraft,
    read,
    require_reference,
    staged,
    support_files,
)

ENVIRONMENT = "javascript"
REPORTER = "practica-tap-reporter.cjs"
PACKAGE_JSON = b'{\n  "type": "module"\n}\n'
SKIPPED_CALL = re.compile(r"\bx(test|it|describe)(\s*\()")
GLOBALS_IMPORT = re.compile(r"import\s*\{([^}]*)\}\s*from\s*'@jest/globals'")
LIMITS = {"time_s": 60, "memory_mb": 1024}


def unskipped(spec: str) -> str:
    """The spec with ``xtest(`` calls as ``test(`` (imported from ``@jest/globals`` when the spec imports from it)."""
    called = {match[1] for match in SKIPPED_CALL.finditer(spec)}
    spec = SKIPPED_CALL.sub(r"\1\2", spec)

    def add_called(match: re.Match[str]) -> str:
        names = [name.strip() for name in match[1].split(",") if name.strip()]
        names += sorted(called - set(names))
        return "import { " + ", ".join(names) + " } from '@jest/globals'"

    return GLOBALS_IMPORT.sub(add_called, spec, count=1)


def jest_config() -> str:
    config = {
        "rootDir": BUILD_DIR,
        "testMatch": ["**/*.spec.js"],
        "transform": {},
        "cacheDirectory": "/tmp/jest-cache",  # noqa: S108 (inside the check's fresh environment)
        "watchman": False,
        "reporters": [["{tests}/" + REPORTER, {"output": "{report}"}]],
    }
    return json.dumps(config, separators=(",", ":"))


def reporter_source() -> bytes:
    return resources.files("practica.lessons").joinpath(REPORTER).read_bytes()


class JavaScriptTrack:
    name = "javascript"

    def detects(self, exercise: Exercise) -> bool:
        return all(path.name.endswith(".spec.js") for path in exercise.tests)

    def convert(self, exercise: Exercise) -> LessonDraft:
        require_reference(exercise)
        if len(exercise.references) != len(exercise.stubs) or any(s.suffix != ".js" for s in exercise.stubs):
            raise ExerciseError(
                f"{len(exercise.references)} reference file(s) for {len(exercise.stubs)} solution file(s)"
            )
        prepare = "rm -f ./*.spec.js; cp {tests}/*.spec.js .; " + (
            f"printf '%s' {shlex.quote(PACKAGE_JSON.decode())} > package.json"
        )
        command = (
            "export NODE_OPTIONS=--experimental-vm-modules HOME=/tmp; "
            f"exec jest --ci --runInBand --config {shlex.quote(jest_config())}"
        )
        tests = {test.name: unskipped(test.read_text(encoding="utf-8")).encode() for test in exercise.tests}
        return LessonDraft(
            environment=ENVIRONMENT,
            check={"command": staged(prepare, command), "results": {"format": "tap"}},
            starter={
                **support_files(exercise, []),
                "package.json": PACKAGE_JSON,
                **{stub.name: read(stub) for stub in exercise.stubs},
            },
            tests={**tests, REPORTER: reporter_source()},
            solution={stub.name: read(ref) for stub, ref in zip(exercise.stubs, exercise.references, strict=True)},
            run=f"node --check {shlex.quote(exercise.stubs[0].name)} && echo 'syntax: ok'",
            limits=LIMITS,
        )
