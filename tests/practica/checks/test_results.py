"""Results from real runners (pytest's JUnit XML, node's TAP) and Exercism's results.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from practica.checks.results import (
    MESSAGE_CAP,
    OUTPUT_CAP,
    CaseResult,
    CaseStatus,
    ResultsFormatError,
    describe_import_failure,
    normalise,
)
from practica.learning.schemas import TestResult as ShownResult

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
    assert "Captured" not in results["test_adds"].output  # pytest's empty "Captured log call" and the like


def run_pytest_junit(directory: Path, *options: str) -> str:
    report = directory / "report.xml"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options, f"--junitxml={report}"]
    subprocess.run(command, cwd=directory, capture_output=True, check=False)
    return report.read_text()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def add(a, b)\n    return a + b\n", "solution.py, line 1: SyntaxError: expected ':'"),
        (
            "import os\nimport no_such_module\n",
            "solution.py, line 2: ModuleNotFoundError: No module named 'no_such_module'",
        ),
        ("x = 1\nraise ValueError('bad')\n", "solution.py, line 2: ValueError: bad"),
    ],
)
def test_a_module_that_does_not_import_names_the_file_line_and_error(tmp_path: Path, source: str, message: str) -> None:
    (tmp_path / "solution.py").write_text(source)
    (tmp_path / "test_solution.py").write_text(
        "from solution import add\n\ndef test_add():\n    assert add(1, 2) == 3\n"
    )
    (result,) = normalise(run_pytest_junit(tmp_path), "junit")
    assert result.status is CaseStatus.ERROR
    assert result.message.endswith(message), result
    assert result.message.removesuffix(message) in ("", str(tmp_path) + "/")


def test_a_workspace_path_is_shown_relative_to_the_workspace() -> None:
    traceback = (
        "tests/test_add.py:1: in <module>\n    from solution import add\n"
        'E     File "/workspace/lib/solution.py", line 3\nE       def add(a, b)\nE   SyntaxError: invalid syntax'
    )
    assert describe_import_failure(traceback) == "lib/solution.py, line 3: SyntaxError: invalid syntax"
    assert describe_import_failure("nothing that names an error") is None


HOSTILE = "\x1b[31m<img src=x onerror=alert(1)>\x1b]0;title\x07</pre>" + "A" * 1_000_000
HOSTILE_SHOWN = "<img src=x onerror=alert(1)></pre>"


def test_a_hostile_message_is_plain_text_without_escapes_and_cut_with_a_marker() -> None:
    """HTML stays text for the browser to show as text; terminal escapes go; a 1 MB message is cut, saying so."""
    test = {"name": "t", "status": "fail", "message": HOSTILE, "output": HOSTILE}
    (result,) = normalise(json.dumps({"version": 2, "status": "fail", "tests": [test]}), "exercism")
    assert result.message.startswith(HOSTILE_SHOWN + "AAA")
    assert "\x1b" not in result.message + result.output
    cut = len(HOSTILE_SHOWN) + 1_000_000 - MESSAGE_CAP
    assert (
        result.message
        == HOSTILE_SHOWN + "A" * (MESSAGE_CAP - len(HOSTILE_SHOWN)) + f"\n… [{cut} more characters truncated]"
    )
    assert len(result.output) < OUTPUT_CAP + 100


def test_pytests_escaped_terminal_escapes_go_too(tmp_path: Path) -> None:
    """XML cannot hold ESC: pytest writes a printed escape as ``#x1B``, which is dropped like the escape."""
    source = "def test_colour():\n    print(chr(27) + '[31mred' + chr(27) + '[0m')\n    assert False\n"
    (tmp_path / "test_colour.py").write_text(source)
    (result,) = normalise(run_pytest_junit(tmp_path, "-o", "junit_logging=all"), "junit")
    assert "\nred\n" in result.output
    assert "#x1B" not in result.output, result.output


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


def test_the_learner_is_shown_the_output_once() -> None:
    """The message and, beside it, the whole output; an output that is already the message is not sent twice."""
    with_message = ShownResult.model_validate(CaseResult("t", CaseStatus.ERROR, "build failed: a.go:3", "a.go:3: x\n"))
    assert (with_message.message, with_message.output) == ("build failed: a.go:3", "a.go:3: x\n")
    only_output = ShownResult.model_validate(CaseResult("t", CaseStatus.FAIL, "", "boom\n"))
    assert (only_output.message, only_output.output) == ("boom\n", "")
