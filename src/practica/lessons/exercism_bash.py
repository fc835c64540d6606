"""The Bash track: bats, TAP on the report channel, in the ``bats`` environment (bash + bats).

Exercism skips every test but the first (``[[ $BATS_RUN_SKIPPED == "true" ]]
|| skip``, or a bare ``skip``) so a learner can go one test at a time; the
hidden tests have those lines removed (and the check sets
``BATS_RUN_SKIPPED=true``), so every test counts. Skips on a real condition
(``(( HAS_TTY )) || skip``) stay. The tests run from the workspace, where
they call the learner's script (``run bash two_fer.sh``); ``bats-extra.bash``
(the assertions the tests load) is hidden with them and also given to the
learner to read.
"""

from __future__ import annotations

import re
import shlex

from practica.lessons.exercism_exercise import (
    Exercise,
    ExerciseError,
    LessonDraft,
    read,
    require_reference,
    support_files,
)

ENVIRONMENT = "bats"
SUPPORT = ["bats-extra.bash"]
FOCUS_SKIP = re.compile(
    r'^[ \t]*(?:\[\[ *\$BATS_RUN_SKIPPED *== *"?true"? *\]\] *\|\| *)?skip\b[^\n]*\n?', re.MULTILINE
)
LIMITS = {"time_s": 60}


def unskipped(bats: str) -> str:
    """The test file with Exercism's one-test-at-a-time skips removed (comments and real conditions kept)."""
    return FOCUS_SKIP.sub("", bats)


class BashTrack:
    name = "bash"

    def detects(self, exercise: Exercise) -> bool:
        return all(path.suffix == ".bats" for path in exercise.tests)

    def convert(self, exercise: Exercise) -> LessonDraft:
        require_reference(exercise)
        scripts = [stub for stub in exercise.stubs if stub.suffix == ".sh"]
        if len(scripts) != len(exercise.stubs) or len(exercise.references) != len(scripts):
            raise ExerciseError(
                f"{len(exercise.references)} reference file(s) for {len(exercise.stubs)} solution file(s) "
                "(one .sh script each expected)"
            )
        support = support_files(exercise, SUPPORT)
        tests = {test.name: unskipped(test.read_text(encoding="utf-8")).encode() for test in exercise.tests}
        paths = " ".join(shlex.quote("{tests}/" + name) for name in tests)
        command = f"BATS_RUN_SKIPPED=true exec bats --tap {paths} >{{report}}"
        draft = LessonDraft(
            environment=ENVIRONMENT,
            check={"command": ["/bin/bash", "-c", command], "results": {"format": "tap"}},
            starter={**support, **{stub.name: read(stub) for stub in scripts}},
            tests={**support, **tests},
            solution={stub.name: read(ref) for stub, ref in zip(scripts, exercise.references, strict=True)},
            run=f"bash {shlex.quote(scripts[0].name)}",
            limits=LIMITS,
        )
        return draft
