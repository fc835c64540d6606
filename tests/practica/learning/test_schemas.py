"""The learner's answers validated from rows: what a check shows of each test."""

from __future__ import annotations

from datetime import UTC, datetime

from practica.checks.models import CheckAttempt
from practica.checks.results import CaseResult, CaseStatus
from practica.ids import AttemptId
from practica.learning.schemas import CheckView


def test_a_check_shows_each_tests_message_else_its_output() -> None:
    attempt = CheckAttempt(
        id=AttemptId(7), status="failed", verdict="tests_failed", detail="1 of 2 tests failed",
        queued_at=datetime(2026, 12, 6, tzinfo=UTC), started_at=None, finished_at=None, retried_because=None,
        results=[
            CaseResult("test_add", CaseStatus.FAIL, message="assert 3 == 4", output="full traceback"),
            CaseResult("test_sub", CaseStatus.ERROR, output="Traceback: NameError", duration_s=0.25),
        ],
    )  # fmt: skip
    view = CheckView.model_validate(attempt, from_attributes=True)
    assert [(test.name, test.status, test.message, test.duration_s) for test in view.tests] == [
        ("test_add", "fail", "assert 3 == 4", None),
        ("test_sub", "error", "Traceback: NameError", 0.25),
    ]
    assert view.model_dump(include={"id", "status", "verdict", "detail"}) == {
        "id": 7, "status": "failed", "verdict": "tests_failed", "detail": "1 of 2 tests failed",
    }  # fmt: skip
    assert CheckView.model_validate_json(view.model_dump_json()) == view  # the answer reads back as itself
