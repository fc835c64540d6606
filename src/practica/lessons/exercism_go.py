"""The Go track: ``go test -json`` in the ``go`` environment (Debian's Go 1.24), results ``go-test-json``.

Go tests live in the package they test, so the check copies the workspace to
a build directory, replaces any ``*_test.go`` of the learner's with the
hidden ones and runs ``go test -json`` there, offline (``GOPROXY=off``) and
with the environment's own toolchain (``GOTOOLCHAIN=local``). Exercism's
``go.mod`` files ask for the newest Go (``go 1.26``); the converter lowers
that line to the environment's version, and validation proves the exercise
still builds with it. An exercise whose ``go.mod`` requires modules is
refused: the environment has no network and no module cache.
"""

from __future__ import annotations

import re

from practica.lessons.exercism_exercise import (
    Exercise,
    ExerciseError,
    LessonDraft,
    read,
    require_reference,
    staged,
    support_files,
)

ENVIRONMENT = "go"
TOOLCHAIN = (1, 24)
GO_LINE = re.compile(r"^go (\d+)\.(\d+)(?:\.\d+)?[ \t]*$", re.MULTILINE)
TOOLCHAIN_LINE = re.compile(r"^toolchain [^\n]*\n?", re.MULTILINE)
GO_ENV = "export HOME=/tmp GOPATH=/tmp/go GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod"
LIMITS = {"time_s": 120, "memory_mb": 1024}


def lowered_go_mod(text: str) -> str:
    """``go.mod`` asking for at most the environment's toolchain (and naming no other toolchain)."""
    match = GO_LINE.search(text)
    if match and (int(match[1]), int(match[2])) > TOOLCHAIN:
        text = GO_LINE.sub(f"go {TOOLCHAIN[0]}.{TOOLCHAIN[1]}", text, count=1)
    return TOOLCHAIN_LINE.sub("", text)


class GoTrack:
    name = "go"

    def detects(self, exercise: Exercise) -> bool:
        return all(path.name.endswith("_test.go") for path in exercise.tests)

    def convert(self, exercise: Exercise) -> LessonDraft:
        require_reference(exercise)
        stubs = [stub for stub in exercise.stubs if stub.suffix == ".go"]
        if len(exercise.references) != len(stubs) or len(stubs) != len(exercise.stubs):
            raise ExerciseError(
                f"{len(exercise.references)} reference file(s) for {len(exercise.stubs)} solution file(s)"
            )
        support = support_files(exercise, ["go.mod"])
        go_mod = support.get("go.mod", b"").decode()
        if not go_mod:
            raise ExerciseError("no go.mod beside the stub")
        if re.search(r"^require\b", go_mod, re.MULTILINE):
            raise ExerciseError("needs Go modules (go.mod has require): the environment has no network")
        support["go.mod"] = lowered_go_mod(go_mod).encode()
        prepare = "rm -f ./*_test.go; cp {tests}/*_test.go ."
        command = f"{GO_ENV}; exec go test -json -count=1 -timeout 90s . >{{report}}"
        return LessonDraft(
            environment=ENVIRONMENT,
            check={"command": staged(prepare, command), "results": {"format": "go-test-json"}},
            starter={**support, **{stub.name: read(stub) for stub in stubs}},
            tests={test.name: read(test) for test in exercise.tests},
            solution={stub.name: read(ref) for stub, ref in zip(stubs, exercise.references, strict=True)},
            run=f"{GO_ENV}; go vet . && echo 'go vet: ok'",
            limits=LIMITS,
        )
