"""Test results in one form, whatever the runner wrote.

Lessons' test runners report in JUnit XML (pytest, jest-junit, go test via
gotestsum, …), TAP 14 or Exercism's ``results.json``. :func:`normalise`
turns any of them into :class:`CaseResult` rows: name, status, message,
output (capped) and duration.
"""

from __future__ import annotations

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


CASE_RESULTS: TypeAdapter[list[CaseResult]] = TypeAdapter(list[CaseResult])
"""Check results to and from JSON: ``dump_python(cases, mode="json")``, ``validate_python(stored)``."""


def failing_cases(cases: list[CaseResult]) -> list[CaseResult]:
    """The tests that failed or erred (skipped ones do not count)."""
    return [case for case in cases if case.status in (CaseStatus.FAIL, CaseStatus.ERROR)]


class ResultsFormatError(ValueError):
    """The runner's report could not be read; the check is an infrastructure error."""


def cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… [{len(text) - limit} more characters truncated]"


def normalise(report: str, format_name: str) -> list[CaseResult]:
    parsers = {"junit": parse_junit, "tap": parse_tap, "exercism": parse_exercism}
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
