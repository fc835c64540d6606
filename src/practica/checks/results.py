"""Test results in one form, whatever the runner wrote.

Lessons' test runners report in JUnit XML (pytest, ``node --test``, …),
TAP 14 (bats), ``go test -json``'s event stream, libtest's JSON (``cargo
test``) or Exercism's ``results.json``. :func:`normalise` turns any of them
into :class:`CaseResult` rows: name, status, message, output (capped) and
duration. A build that failed before any test ran is one ``error`` row whose
message names the first ``file:line`` the compiler complained about; a
Python file that could not be imported (pytest's "collection failure") is one
``error`` row whose message is ``solution.py, line 3: SyntaxError: …``.
Messages and outputs lose their terminal escapes (colours) and empty
``Captured …`` sections, and are cut at a cap with a marker saying how much.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException, ElementTree
from pydantic import TypeAdapter

OUTPUT_CAP = 8 * 1024
MESSAGE_CAP = 2 * 1024


class CaseStatus(StrEnum):
    PASS = "pass"  # noqa: S105  (a test status, not a password)
    FAIL = "fail"
    ERROR = "error"
    SKIP = "skip"


@dataclass(frozen=True)
class CaseResult:
    """One test's result, as normalised, stored (``check_attempts.results``) and shown.

    Stored as JSON with these field names; rows of older versions may lack the later fields (their
    defaults apply) and rows of newer ones may carry more (ignored): see :data:`CASE_RESULTS`.
    """

    name: str
    status: CaseStatus
    message: str = ""
    output: str = ""
    duration_s: float | None = None

    @property
    def shown(self) -> str:
        """What the learner is shown of the test: its message, else its output."""
        return self.message or self.output


CASE_RESULTS: TypeAdapter[list[CaseResult]] = TypeAdapter(list[CaseResult])
"""Check results to and from JSON: ``dump_python(cases, mode="json")``, ``validate_python(stored)``."""


def failing_cases(cases: list[CaseResult]) -> list[CaseResult]:
    """The tests that failed or erred (skipped ones do not count)."""
    return [case for case in cases if case.status in (CaseStatus.FAIL, CaseStatus.ERROR)]


class ResultsFormatError(ValueError):
    """The runner's report could not be read; the check is an infrastructure error."""


_ANSI_ESCAPE = re.compile(r"(?:\x1b|#x1B)(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_EMPTY_CAPTURED = re.compile(r"^-+ Captured [\w ]+ -+\n(?=\s*(?:-+ Captured [\w ]+ -+$|\Z))", re.MULTILINE)


def cap(text: str, limit: int) -> str:
    """The text cut at ``limit`` with a marker, without empty ``Captured …`` headers or terminal escapes.

    pytest's JUnit XML writes ESC as ``#x1B`` (XML cannot hold it): that form goes too.
    """
    text = _EMPTY_CAPTURED.sub("", _ANSI_ESCAPE.sub("", text))
    if not text.strip():
        return ""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… [{len(text) - limit} more characters truncated]"


WORKSPACE = "/workspace/"
_FILE_LINE = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')
_FRAME = re.compile(r"^(?P<file>[^\s<][^:]*):(?P<line>\d+): in ")
_RAISED = re.compile(r"^E\s+(?P<error>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Warning)\b:?.*)$")


def describe_import_failure(traceback: str) -> str | None:
    """``solution.py, line 3: SyntaxError: invalid syntax`` from pytest's traceback of a module it could not import.

    The place is the ``File "…", line N`` a SyntaxError names, else the last frame (where the import failed);
    paths in the workspace are shown relative to it. None when the traceback names no error.
    """
    lines = traceback.splitlines()
    raised = [match["error"].strip() for line in lines if (match := _RAISED.match(line))]
    if not raised:
        return None
    places = [match for line in lines if (match := _FILE_LINE.search(line)) and line.startswith("E")]
    places = places or [match for line in lines if (match := _FRAME.match(line))]
    if not places:
        return raised[-1]
    file = places[-1]["file"].removeprefix(WORKSPACE)
    return f"{file}, line {places[-1]['line']}: {raised[-1]}"


def normalise(report: str, format_name: str) -> list[CaseResult]:
    parsers = {
        "junit": parse_junit,
        "tap": parse_tap,
        "exercism": parse_exercism,
        "go-test-json": parse_go_test_json,
        "libtest-json": parse_libtest_json,
    }
    if format_name not in parsers:
        raise ResultsFormatError(f"unknown results format {format_name!r}; use one of {sorted(parsers)}")
    return parsers[format_name](report)


def parse_junit(report: str) -> list[CaseResult]:
    try:
        root = ElementTree.fromstring(report)
    except ElementTree.ParseError as error:
        raise ResultsFormatError(f"JUnit XML does not parse: {error}") from None
    except DefusedXmlException as error:
        raise ResultsFormatError(f"JUnit XML refused (entities are not allowed): {error!r}") from None
    return [_junit_case(case) for case in root.iter("testcase")]


PYTEST_COLLECTION_FAILURE = "collection failure"  # pytest's message for a test module it could not import


def _junit_case(case: Element) -> CaseResult:
    classname, name = case.get("classname", ""), case.get("name", "?")
    full_name = f"{classname}::{name}" if classname else name
    duration = float(case.get("time", "0") or 0)
    output = "".join((case.findtext(tag) or "") for tag in ("system-out", "system-err"))
    for tag, status in (("failure", CaseStatus.FAIL), ("error", CaseStatus.ERROR), ("skipped", CaseStatus.SKIP)):
        element = case.find(tag)
        if element is not None:
            message = element.get("message") or (element.text or "").strip()
            detail = (element.text or "").strip()
            if status is CaseStatus.ERROR and message == PYTEST_COLLECTION_FAILURE:
                message = describe_import_failure(detail) or message
            if detail and detail != message:
                output = detail + ("\n" + output if output else "")
            return CaseResult(full_name, status, cap(message, MESSAGE_CAP), cap(output, OUTPUT_CAP), duration)
    return CaseResult(full_name, CaseStatus.PASS, "", cap(output, OUTPUT_CAP), duration)


_TAP_LINE = re.compile(
    r"""^(?P<ok>not\ ok|ok)\b \s* (?P<number>\d+)? \s* (?:-\s*)?
        (?P<description>[^\#]*?) \s* (?:\#\s*(?P<directive>\w+)\b\s*(?P<reason>.*))?$""",
    re.VERBOSE,
)


def parse_tap(report: str) -> list[CaseResult]:
    """TAP 14 (top-level test points; subtests count through their parent's line)."""
    lines = report.splitlines()
    if not any(line.startswith(("TAP version", "1..", "ok", "not ok")) for line in lines):
        raise ResultsFormatError("no TAP test points found")
    results: list[CaseResult] = []
    for index, line in enumerate(lines):
        match = _TAP_LINE.match(line)
        if match is None:
            continue
        name = match["description"] or f"test {match['number'] or len(results) + 1}"
        directive = (match["directive"] or "").lower()
        if directive == "skip":
            status = CaseStatus.SKIP
        elif match["ok"] == "ok" or directive == "todo":
            status = CaseStatus.PASS
        else:
            status = CaseStatus.FAIL
        message = match["reason"] or (_tap_diagnostic(lines, index) if status is CaseStatus.FAIL else "")
        results.append(CaseResult(name, status, cap(message, MESSAGE_CAP)))
    return results


def _tap_diagnostic(lines: list[str], index: int) -> str:
    """The indented YAML block (``---`` … ``...``) after a failing test point."""
    block: list[str] = []
    for line in lines[index + 1 :]:
        if not line.startswith(" "):
            break
        stripped = line.strip()
        if stripped not in ("---", "..."):
            block.append(stripped)
    return "\n".join(block)


def parse_exercism(report: str) -> list[CaseResult]:
    """Exercism's test-runner interface (``results.json``, versions 1 to 3)."""
    try:
        document: Any = json.loads(report)
    except json.JSONDecodeError as error:
        raise ResultsFormatError(f"results.json is not JSON: {error}") from None
    if not isinstance(document, dict) or "status" not in document:
        raise ResultsFormatError("results.json has no top-level status")
    tests = document.get("tests") or []
    if not tests and document["status"] == "error":
        return [CaseResult("(test run)", CaseStatus.ERROR, cap(str(document.get("message", "")), MESSAGE_CAP))]
    statuses = {"pass": CaseStatus.PASS, "fail": CaseStatus.FAIL, "error": CaseStatus.ERROR}
    return [
        CaseResult(
            str(test.get("name", "?")),
            statuses.get(str(test.get("status")), CaseStatus.ERROR),
            cap(str(test.get("message") or ""), MESSAGE_CAP),
            cap(str(test.get("output") or ""), OUTPUT_CAP),
        )
        for test in tests
    ]


def _json_lines(report: str, what: str, *, strict: bool) -> list[tuple[int, dict[str, Any]]]:
    """Each line that holds a JSON object, with its line number; a cut or garbled event is refused.

    Not ``strict``: lines that do not start with ``{`` are a program's own output on standard output (Rust
    code writing to ``io::stdout()`` directly, which libtest does not capture) and are left out. ``go test
    -json`` wraps everything in events, so there any other line means the stream is not what it claims.
    """
    events = []
    for number, line in enumerate(report.splitlines(), start=1):
        if not line.strip() or (not strict and not line.lstrip().startswith("{")):
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError as error:
            raise ResultsFormatError(f"{what} line {number} is not a JSON event: {error}: {line[:200]!r}") from None
        if not isinstance(event, dict):
            raise ResultsFormatError(f"{what} line {number} is not a JSON object: {line[:200]!r}")
        events.append((number, event))
    if not events:
        raise ResultsFormatError(f"no {what} events found")
    return events


_GO_POSITION = re.compile(r"[\w./-]+\.go:\d+")


def _first_error_line(text: str) -> str:
    """The first line naming a ``file:line`` (else the first that is not ``# package``): what a learner needs."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if _GO_POSITION.search(line):
            return line
    return next((line for line in lines if not line.startswith("# ")), "the build failed")


_GO_FRAMEWORK_LINE = re.compile(r"^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (PASS|FAIL|SKIP)):? ")


@dataclass
class _GoTest:
    output: list[str]
    status: CaseStatus | None = None
    elapsed: float | None = None


def parse_go_test_json(report: str) -> list[CaseResult]:
    """``go test -json``: one row per test (subtests as ``TestX/case``), and one per package that failed to build.

    Go 1.24+ reports build errors in the stream too (``build-output``, ``build-fail``). A test that started
    but never finished (the binary timed out or crashed) fails with what its package printed last.
    """
    tests: dict[tuple[str, str], _GoTest] = {}
    builds: dict[str, list[str]] = {}
    package_output: dict[str, list[str]] = {}
    failed_packages: set[str] = set()
    for number, event in _json_lines(report, "go test -json", strict=True):
        action = event.get("Action")
        if not isinstance(action, str):
            raise ResultsFormatError(f"go test -json line {number} has no Action")
        _go_event(event, action, tests, builds, package_output, failed_packages)
    results = [_go_build_failure(path, lines) for path, lines in builds.items() if path in failed_packages]
    results += [_go_case(name, test, package_output.get(package, [])) for (package, name), test in tests.items()]
    results += [
        CaseResult(f"{package} (package)", CaseStatus.ERROR, _go_message(lines), cap("".join(lines), OUTPUT_CAP))
        for package, lines in package_output.items()
        if package in failed_packages and not any(key[0] == package for key in tests) and package not in builds
    ]
    return results


def _go_event(
    event: dict[str, Any],
    action: str,
    tests: dict[tuple[str, str], _GoTest],
    builds: dict[str, list[str]],
    package_output: dict[str, list[str]],
    failed_packages: set[str],
) -> None:
    package, name, output = str(event.get("Package", "")), event.get("Test"), str(event.get("Output", ""))
    if action == "build-output":
        builds.setdefault(str(event.get("ImportPath", "")), []).append(output)
    elif action == "build-fail":
        failed_packages.add(str(event.get("ImportPath", "")))
    elif not isinstance(name, str):
        if action == "output":
            package_output.setdefault(package, []).append(output)
        elif action == "fail":
            failed_packages.add(str(event.get("FailedBuild") or package))
    else:
        test = tests.setdefault((package, name), _GoTest(output=[]))
        if action == "output":
            test.output.append(output)
        elif action in ("pass", "fail", "skip"):
            test.status = {"pass": CaseStatus.PASS, "fail": CaseStatus.FAIL, "skip": CaseStatus.SKIP}[action]
            test.elapsed = float(event.get("Elapsed") or 0)


def _go_message(lines: list[str]) -> str:
    """The test's own lines (``t.Errorf``'s ``file_test.go:12: …``), without ``=== RUN`` and ``--- FAIL``.

    A panic (a crash, or the binary's timeout) is its ``panic:`` lines up to the goroutine dump.
    """
    own = [line.rstrip("\n") for line in lines if not _GO_FRAMEWORK_LINE.match(line)]
    panic_at = next((index for index, line in enumerate(own) if line.startswith("panic:")), None)
    if panic_at is not None:
        return cap("\n".join(itertools.takewhile(str.strip, own[panic_at:])), MESSAGE_CAP)
    return cap("\n".join(line.strip() for line in own if line.strip()), MESSAGE_CAP)


def _go_case(name: str, test: _GoTest, package_lines: list[str]) -> CaseResult:
    if test.status is None:  # the binary ended (a panic, its timeout) before this test did
        tail = package_lines[-20:]
        message = _go_message(test.output) or _go_message(tail) or "the test did not finish"
        return CaseResult(name, CaseStatus.FAIL, message, cap("".join(test.output + tail), OUTPUT_CAP))
    message = _go_message(test.output) if test.status is not CaseStatus.PASS else ""
    return CaseResult(name, test.status, message, cap("".join(test.output), OUTPUT_CAP), test.elapsed)


def _go_build_failure(import_path: str, lines: list[str]) -> CaseResult:
    text = "".join(lines)
    message = f"build failed: {_first_error_line(text)}"
    return CaseResult(f"{import_path} (build)", CaseStatus.ERROR, cap(message, MESSAGE_CAP), cap(text, OUTPUT_CAP))


def parse_libtest_json(report: str) -> list[CaseResult]:
    """libtest's JSON (``cargo test -- -Z unstable-options --format json --report-time``).

    With ``cargo test --message-format json`` cargo's own messages share the stream: a build that failed
    becomes one ``error`` row naming the compiler's first ``file:line:column``. Each test binary (unit
    tests, integration tests, doc tests) is a suite of its own; their tests are listed as they finished.
    """
    results: list[CaseResult] = []
    errors: dict[str, str] = {}  # summary -> rendered; cargo repeats an error for each target that has it
    build_failed = False
    for number, event in _json_lines(report, "libtest JSON", strict=False):
        if "reason" in event:
            build_failed |= event["reason"] == "build-finished" and event.get("success") is False
            errors.update(_rustc_error(event))
        elif event.get("type") == "test":
            results += _libtest_case(event, number)
        elif event.get("type") not in ("suite", "bench"):
            raise ResultsFormatError(f"libtest JSON line {number} is neither a test, a suite nor a cargo message")
    if errors or (build_failed and not results):
        summary = next(iter(errors), "cargo could not build the tests")
        output = "\n".join(errors.values())
        build = CaseResult(
            "(build)", CaseStatus.ERROR, cap(f"build failed: {summary}", MESSAGE_CAP), cap(output, OUTPUT_CAP)
        )
        results.insert(0, build)
    return results


def _rustc_error(event: dict[str, Any]) -> dict[str, str]:
    """``{"file:line:column: error[E0425]: …": rendered}`` for a compiler error, else nothing."""
    message = event.get("message")
    if event["reason"] != "compiler-message" or not isinstance(message, dict) or message.get("level") != "error":
        return {}
    rendered = str(message.get("rendered") or message.get("message") or "")
    headline = rendered.strip().splitlines()[0] if rendered.strip() else "error"
    spans = [span for span in message.get("spans") or [] if isinstance(span, dict) and span.get("is_primary")]
    if spans:
        span = spans[0]
        headline = f"{span.get('file_name')}:{span.get('line_start')}:{span.get('column_start')}: {headline}"
    return {headline: rendered}


_LIBTEST_STATUS = {"ok": CaseStatus.PASS, "failed": CaseStatus.FAIL, "ignored": CaseStatus.SKIP}


def _libtest_case(event: dict[str, Any], number: int) -> list[CaseResult]:
    status = _LIBTEST_STATUS.get(str(event.get("event")))
    if status is None:  # "started", "timeout" (a warning that it runs long): not a result
        return []
    name = event.get("name")
    if not isinstance(name, str):
        raise ResultsFormatError(f"libtest JSON line {number}: a test result without a name")
    output = str(event.get("stdout") or "")
    message = str(event.get("message") or "")
    if status is CaseStatus.FAIL and not message:
        message = _panic_message(output)
    duration = event.get("exec_time")
    seconds = float(duration) if isinstance(duration, int | float) else None
    return [CaseResult(name, status, cap(message, MESSAGE_CAP), cap(output, OUTPUT_CAP), seconds)]


def _panic_message(output: str) -> str:
    """From ``thread 'x' panicked at tests/t.rs:9:5:\\nassertion `left == right` failed ...``: from the panic on."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if "panicked at" in line:
            kept = [line.split("panicked at", 1)[1].strip().rstrip(":")]
            for follower in lines[index + 1 :]:
                if follower.startswith("note: run with `RUST_BACKTRACE"):
                    break
                kept.append(follower)
            return "\n".join(kept).strip()
    return output.strip()
