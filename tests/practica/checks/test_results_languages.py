"""``go test -json`` and libtest's JSON (``cargo test``), from outputs the real tools wrote.

The event lines below were captured from Go 1.24 and Rust 1.85 in the built ``go`` and ``rust``
environments (times shortened); each test builds the report it needs from them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from practica.checks.results import CaseStatus, ResultsFormatError, normalise

PACKAGE = "example.com/m"


def go_event(action: str, test: str | None = None, output: str | None = None, **extra: Any) -> str:
    event: dict[str, Any] = {"Time": "2026-12-05T20:12:25.22Z", "Action": action, "Package": PACKAGE}
    if test is not None:
        event["Test"] = test
    if output is not None:
        event["Output"] = output
    return json.dumps({**event, **extra})


def go_test(name: str, verdict: str, *lines: str) -> list[str]:
    """One test as ``go test -json`` reports it: run, its output lines, the verdict."""
    marker = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}[verdict]
    outputs = [f"=== RUN   {name}\n", *lines, f"--- {marker}: {name} (0.00s)\n"]
    return [
        go_event("run", name),
        *(go_event("output", name, line) for line in outputs),
        go_event(verdict, name, Elapsed=0.01),
    ]


GO_RUN = [
    go_event("start"),
    *go_test("TestA", "pass", "    a_test.go:3: hi\n"),
    *go_test("TestB", "fail", "    a_test.go:4: got 1, want 2\n"),
    go_event("run", "TestC"),
    go_event("output", "TestC", "=== RUN   TestC\n"),
    *go_test("TestC/x", "skip", "    a_test.go:5: later\n"),
    go_event("output", "TestC", "--- PASS: TestC (0.00s)\n"),
    go_event("pass", "TestC", Elapsed=0),
    go_event("output", output="FAIL\n"),
    go_event("output", output="FAIL\texample.com/m\t0.012s\n"),
    go_event("fail", Elapsed=0.012),
]

# Go 1.24 reports a failed build in the stream: build-output, build-fail, then the package's fail.
GO_BUILD_FAILED = [
    '{"ImportPath":"example.com/m [example.com/m.test]","Action":"build-output",'
    '"Output":"# example.com/m [example.com/m.test]\\n"}',
    '{"ImportPath":"example.com/m [example.com/m.test]","Action":"build-output",'
    '"Output":"./main.go:2:14: declared and not used: x\\n"}',
    '{"ImportPath":"example.com/m [example.com/m.test]","Action":"build-fail"}',
    go_event("start"),
    go_event("output", output="FAIL\texample.com/m [build failed]\n"),
    go_event("fail", Elapsed=0, FailedBuild="example.com/m [example.com/m.test]"),
]


def test_go_test_json_gives_each_test_and_subtest() -> None:
    cases = {case.name: case for case in normalise("\n".join(GO_RUN), "go-test-json")}
    assert list(cases) == ["TestA", "TestB", "TestC", "TestC/x"]
    assert cases["TestA"].status is CaseStatus.PASS
    assert "a_test.go:3: hi" in cases["TestA"].output
    assert cases["TestB"].status is CaseStatus.FAIL
    assert cases["TestB"].message == "a_test.go:4: got 1, want 2"
    assert cases["TestB"].duration_s == 0.01
    assert cases["TestC/x"].status is CaseStatus.SKIP


def test_a_go_build_failure_is_one_error_naming_file_and_line() -> None:
    [case] = normalise("\n".join(GO_BUILD_FAILED), "go-test-json")
    assert case.status is CaseStatus.ERROR
    assert case.message == "build failed: ./main.go:2:14: declared and not used: x"
    assert "# example.com/m" in case.output


def test_a_go_test_that_never_finished_fails_with_the_timeout_panic() -> None:
    timed_out = [
        go_event("start"),
        go_event("run", "TestLoop"),
        *(
            go_event("output", "TestLoop", line)
            for line in [
                "=== RUN   TestLoop\n",
                "panic: test timed out after 2s\n",
                "\trunning tests:\n",
                "\t\tTestLoop (2s)\n",
                "\n",
                "goroutine 7 [running]:\n",
                "testing.(*M).startAlarm.func1()\n",
            ]
        ),
        go_event("output", output="FAIL\texample.com/m\t2.026s\n"),
        go_event("fail", Elapsed=2.027),
    ]
    [case] = normalise("\n".join(timed_out), "go-test-json")
    assert (case.name, case.status) == ("TestLoop", CaseStatus.FAIL)
    assert case.message == "panic: test timed out after 2s\n\trunning tests:\n\t\tTestLoop (2s)"
    assert "goroutine 7" in case.output


def test_a_go_package_that_does_not_load_is_an_error_saying_why() -> None:
    mixed = [
        '{"ImportPath":"lesson","Action":"build-output","Output":"# lesson\\n"}',
        '{"ImportPath":"lesson","Action":"build-output",'
        '"Output":"found packages main (a_test.go) and foo (main.go) in /tmp/m\\n"}',
        '{"ImportPath":"lesson","Action":"build-fail"}',
        go_event("start"),
        go_event("output", output="FAIL\tlesson [setup failed]\n"),
        go_event("fail", Elapsed=0, FailedBuild="lesson"),
    ]
    [case] = normalise("\n".join(mixed), "go-test-json")
    assert (case.name, case.status) == ("lesson (build)", CaseStatus.ERROR)
    assert case.message == "build failed: found packages main (a_test.go) and foo (main.go) in /tmp/m"


def test_a_go_package_that_failed_outside_any_test_is_an_error() -> None:
    crashed = [
        go_event("start"),
        go_event("output", output="panic: boom in init\n"),
        go_event("output", output="FAIL\texample.com/m\t0.004s\n"),
        go_event("fail", Elapsed=0.004),
    ]
    [case] = normalise("\n".join(crashed), "go-test-json")
    assert (case.name, case.status) == (f"{PACKAGE} (package)", CaseStatus.ERROR)
    assert "panic: boom in init" in case.message


@pytest.mark.parametrize(
    ("report", "complaint"),
    [
        ("", "no go test -json events found"),
        ("\n\n", "no go test -json events found"),
        ("ok  \texample.com/m\n", "go test -json line 1 is not a JSON event"),
        (GO_RUN[0] + "\n" + GO_RUN[1][:30], "go test -json line 2 is not a JSON event"),
        (GO_RUN[0] + "\n[1, 2]", "go test -json line 2 is not a JSON object"),
        ('{"Package": "x"}', "go test -json line 1 has no Action"),
    ],
)
def test_malformed_go_test_json_is_named_by_line(report: str, complaint: str) -> None:
    with pytest.raises(ResultsFormatError, match=complaint.replace(" -", r" \-")):
        normalise(report, "go-test-json")


def libtest(event: str, **fields: Any) -> str:
    """A libtest JSON line, spaced the way libtest writes them."""
    return json.dumps({"type": "test", "event": event, **fields}).replace('{"', '{ "').replace("}", " }")


def suite(event: str, **fields: Any) -> str:
    return json.dumps({"type": "suite", "event": event, **fields})


PANIC = (
    "some output\n\nthread 'greets' panicked at tests/add.rs:11:5:\n"
    "assertion `left == right` failed: two and two\n  left: 4\n right: 5\n"
    "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n"
)
CARGO_RUN = [
    '{"reason":"build-finished","success":true}',
    suite("started", test_count=0),
    suite("ok", passed=0, failed=0, ignored=0, measured=0, filtered_out=0, exec_time=0.000064796),
    suite("started", test_count=3),
    libtest("started", name="adds"),
    libtest("started", name="greets"),
    libtest("ok", name="adds", exec_time=0.00000052),
    libtest("started", name="later"),
    libtest("failed", name="greets", exec_time=0.000044716, stdout=PANIC),
    libtest("ignored", name="later"),
    suite("failed", passed=1, failed=1, ignored=1, measured=0, filtered_out=0, exec_time=0.000294628),
]


def rustc_message(level: str, rendered: str, spans: list[dict[str, Any]]) -> str:
    target = {"kind": ["lib"], "name": "lesson", "src_path": "/tmp/b/src/lib.rs", "edition": "2024"}
    message = {"rendered": rendered, "$message_type": "diagnostic", "level": level, "spans": spans}
    return json.dumps(
        {
            "reason": "compiler-message",
            "package_id": "path+file:///tmp/b#lesson@0.1.0",
            "target": target,
            "message": message,
        }
    )


E0425 = (
    "error[E0425]: cannot find value `c` in this scope\n --> src/lib.rs:1:41\n  |\n"
    "1 | pub fn add(a: i32, b: i32) -> i32 { a + c }\n  |                                         ^\n\n"
)
E0425_SPAN = {"file_name": "src/lib.rs", "line_start": 1, "column_start": 41, "is_primary": True}
CARGO_BUILD_FAILED = [
    rustc_message("error", E0425, [E0425_SPAN]),
    rustc_message("failure-note", "For more information about this error, try `rustc --explain E0425`.\n", []),
    rustc_message("error", E0425, [E0425_SPAN]),  # cargo reports it again for the lib's test target
    '{"reason":"build-finished","success":false}',
]


def test_libtest_json_gives_each_test_with_its_panic() -> None:
    cases = {case.name: case for case in normalise("\n".join(CARGO_RUN), "libtest-json")}
    assert list(cases) == ["adds", "greets", "later"]
    assert cases["adds"].status is CaseStatus.PASS
    assert cases["adds"].duration_s == 0.00000052
    assert cases["greets"].status is CaseStatus.FAIL
    assert cases["greets"].message.startswith("tests/add.rs:11:5\nassertion `left == right` failed: two and two")
    assert "RUST_BACKTRACE" not in cases["greets"].message
    assert cases["greets"].output == PANIC
    assert cases["later"].status is CaseStatus.SKIP


def test_a_rust_compile_error_is_one_error_naming_file_and_line() -> None:
    [case] = normalise("\n".join(CARGO_BUILD_FAILED), "libtest-json")
    assert case.status is CaseStatus.ERROR
    assert case.message == "build failed: src/lib.rs:1:41: error[E0425]: cannot find value `c` in this scope"
    assert case.output.count("error[E0425]") == 1


def test_output_a_program_wrote_past_libtest_is_left_out() -> None:
    cases = normalise("\n".join([*CARGO_RUN[:5], "hello from main", *CARGO_RUN[5:]]), "libtest-json")
    assert [case.name for case in cases] == ["adds", "greets", "later"]


@pytest.mark.parametrize(
    ("report", "complaint"),
    [
        ("", "no libtest JSON events found"),
        ("running 3 tests\ntest adds ... ok\n", "no libtest JSON events found"),
        (CARGO_RUN[3] + "\n" + CARGO_RUN[4][:25], "libtest JSON line 2 is not a JSON event"),
        (CARGO_RUN[3] + '\n{"type": "weather"}', "libtest JSON line 2 is neither a test, a suite nor a cargo message"),
        ('{"type": "test", "event": "ok"}', "libtest JSON line 1: a test result without a name"),
    ],
)
def test_malformed_libtest_json_is_named_by_line(report: str, complaint: str) -> None:
    with pytest.raises(ResultsFormatError, match=complaint):
        normalise(report, "libtest-json")


# bats 1.11 `--formatter tap13` (bats-assert's assert_output failing; a skipped test).
BATS_TAP13 = """TAP version 13
1..3
ok 1 adds
not ok 2 greets
  ---
  message: |
    (in test file t.bats, line 13)
      `assert_output world' failed
{BLANK}
    -- output differs --
    expected : world
    actual   : hello
    --
{BLANK}
  ...
not ok 3 later # SKIP not today
""".replace("{BLANK}", "    ")  # bats indents the YAML block's blank lines too


def test_bats_tap13() -> None:
    adds, greets, later = normalise(BATS_TAP13, "tap")
    assert (adds.name, adds.status) == ("adds", CaseStatus.PASS)
    assert greets.status is CaseStatus.FAIL
    assert "(in test file t.bats, line 13)" in greets.message
    assert "actual   : hello" in greets.message
    assert (later.status, later.message) == (CaseStatus.SKIP, "not today")


# Node.js 20 `node --test --test-reporter=junit` with jest's expect (trimmed stack).
NODE_JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites>
	<testsuite name="add" time="0.015709" disabled="0" errors="0" tests="3" failures="1" skipped="1">
		<testcase name="adds" time="0.001699" classname="test"/>
		<testcase name="greets" time="0.012545" classname="test" failure="expect(received).toEqual(expected)">
			<failure type="testCodeFailure" message="expect(received).toEqual(expected) // deep equality">
Error [ERR_TEST_FAILURE]: expect(received).toEqual(expected) // deep equality
      at TestContext.&lt;anonymous> (/tmp/t/add.test.js:8:79)
			</failure>
		</testcase>
		<testcase name="later" time="0.000128" classname="test">
			<skipped type="skipped" message="true"/>
		</testcase>
	</testsuite>
	<!-- tests 3 -->
</testsuites>
"""


def test_node_test_junit() -> None:
    adds, greets, later = normalise(NODE_JUNIT, "junit")
    assert (adds.name, adds.status) == ("test::adds", CaseStatus.PASS)
    assert greets.status is CaseStatus.FAIL
    assert greets.message == "expect(received).toEqual(expected) // deep equality"
    assert "/tmp/t/add.test.js:8:79" in greets.output
    assert later.status is CaseStatus.SKIP
