"""Results from real runners (pytest's JUnit XML, node's TAP) and Exercism's results.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from practica.checks.results import OUTPUT_CAP, CaseStatus, ResultsFormatError, normalise

PYTEST_FILE = """
import pytest

def test_adds():
    assert 1 + 1 == 2

def test_greets():
    assert "hello" == "world", "greeting is wrong"

def test_noisy():
    print("x" * 20000)
    assert False

@pytest.fixture
def broken():
    raise RuntimeError("fixture exploded")

def test_broken(broken):
    pass

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass
"""

NODE_FILE = """
const test = require('node:test');
const assert = require('node:assert');
test('adds', () => { assert.strictEqual(1 + 1, 2); });
test('greets', () => { assert.strictEqual('hello', 'world'); });
test('later', { skip: 'not today' }, () => {});
"""


def test_pytest_junit_xml(tmp_path: Path) -> None:
    (tmp_path / "test_lesson.py").write_text(PYTEST_FILE)
    report = tmp_path / "report.xml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "junit_logging=all",
            f"--junitxml={report}",
        ],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    results = {result.name.split("::")[-1]: result for result in normalise(report.read_text(), "junit")}
    assert results["test_adds"].status is CaseStatus.PASS
    assert results["test_greets"].status is CaseStatus.FAIL
    assert "greeting is wrong" in results["test_greets"].message
    assert results["test_broken"].status is CaseStatus.ERROR
    assert "fixture exploded" in results["test_broken"].message + results["test_broken"].output
    assert results["test_skipped"].status is CaseStatus.SKIP
    assert len(results["test_noisy"].output) < OUTPUT_CAP + 100
    assert "truncated" in results["test_noisy"].output
    assert results["test_adds"].duration_s is not None


def test_node_tap(tmp_path: Path) -> None:
    (tmp_path / "lesson.test.js").write_text(NODE_FILE)
    run = subprocess.run(
        ["node", "--test", "--test-reporter=tap", "lesson.test.js"], cwd=tmp_path, capture_output=True, text=True
    )
    results = {result.name: result for result in normalise(run.stdout, "tap")}
    assert results["adds"].status is CaseStatus.PASS
    assert results["greets"].status is CaseStatus.FAIL
    assert "hello" in results["greets"].message
    assert results["later"].status is CaseStatus.SKIP


def test_tap_directives() -> None:
    report = "TAP version 14\n1..3\nok 1 - a\nnot ok 2 - b # TODO later\nok 3 - c # SKIP no network\n"
    assert [(r.name, r.status) for r in normalise(report, "tap")] == [
        ("a", CaseStatus.PASS),
        ("b", CaseStatus.PASS),
        ("c", CaseStatus.SKIP),
    ]


def test_exercism_results_json() -> None:
    report = json.dumps(
        {
            "version": 2,
            "status": "fail",
            "tests": [
                {"name": "test_two_fer", "status": "pass"},
                {"name": "test_blank", "status": "fail", "message": "AssertionError: 'One for you'", "output": "hi"},
                {"name": "test_crash", "status": "error", "message": "NameError"},
            ],
        }
    )
    results = normalise(report, "exercism")
    assert [(r.name, r.status) for r in results] == [
        ("test_two_fer", CaseStatus.PASS),
        ("test_blank", CaseStatus.FAIL),
        ("test_crash", CaseStatus.ERROR),
    ]
    assert results[1].output == "hi"


def test_an_exercism_run_that_errored_before_tests() -> None:
    report = json.dumps({"version": 2, "status": "error", "message": "SyntaxError: invalid syntax (line 3)"})
    (result,) = normalise(report, "exercism")
    assert result.status is CaseStatus.ERROR
    assert "SyntaxError" in result.message


@pytest.mark.parametrize(
    ("report", "format_name", "complaint"),
    [
        ("<testsuite><testcase", "junit", "does not parse"),
        ("all good", "tap", "no TAP test points"),
        ("[]", "exercism", "no top-level status"),
        ("{", "exercism", "not JSON"),
        ("", "xunit", "unknown results format"),
    ],
)
def test_unreadable_reports_are_named(report: str, format_name: str, complaint: str) -> None:
    with pytest.raises(ResultsFormatError, match=complaint):
        normalise(report, format_name)


def test_an_xml_bomb_is_refused() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><testsuite>&b;</testsuite>'
    with pytest.raises(ResultsFormatError, match="entities are not allowed"):
        normalise(bomb, "junit")
