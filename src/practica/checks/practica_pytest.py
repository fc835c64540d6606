"""Practica's pytest launcher: ``python3 -I {pytest} ARGS`` runs ``pytest ARGS`` under the platform's guard.

This file is not imported by the platform: each check copies it into the
environment beside the hidden tests (``/tmp/practica-check/``) and the
lesson's command names it through the ``{pytest}`` placeholder. It runs under
whatever Python and pytest the environment has (Python 3.8+, pytest 7+), so
it uses the standard library and pytest's public hooks only.

What it guards, once the learner's code is imported into this process:

- The report channel (file descriptor 3, ``{report}``) is closed to every
  program the tests start (close-on-exec, closed in forked children) and
  closed here as soon as the session has written its report. The process is
  made non-dumpable, so no other process of the learner can reopen it (or
  anything else) through ``/proc/PID/fd`` or attach a debugger.
- The hidden tests are deleted from disk when collection is done (their
  source stays in memory for tracebacks), so code that runs during the tests,
  and anything it starts, finds no test file to read.
- The process ends with ``os._exit`` right after pytest: no ``atexit`` hook,
  finaliser or leftover thread of the learner's runs after the report.

It also notes each test as it starts (``practica: running NODEID``) on the
real standard error, which pytest's capture does not swallow: a check ended
at the time limit can then say which test was running. The learner's code
can print such a line too, which only misleads the learner about their own run.

What it cannot guard: the learner's code runs inside this process, so it can
read the tests while they are imported (collection) and can change the
runner's memory (its hooks, its report) before the report is written.
"""

from __future__ import annotations

import contextlib
import ctypes
import linecache
import os
import shutil
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

PR_SET_DUMPABLE = 4
REPORT_FD = 3
INTERNAL_ERROR = 3  # pytest's own exit code for a crash of the runner
RUNNING_MARK = "practica: running "  # read back by practica.checks.runner (RUNNING_MARK there)
TESTS = Path(__file__).resolve().parent / "tests"


def _close_report_channel() -> None:
    with contextlib.suppress(OSError):
        os.close(REPORT_FD)


def _guard_report_channel() -> bool:
    """Keep descriptor 3 in this process only: not inherited by programs it runs, closed in forked children.

    False when there is no channel (a run outside Practica): descriptor 3 is then left to whoever opens it.
    """
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    try:
        os.set_inheritable(REPORT_FD, False)
    except OSError:
        return False
    os.register_at_fork(after_in_child=_close_report_channel)
    return True


def _keep_sources_in_memory(directory: Path) -> None:
    """Put every Python file of the tests into linecache for good, so tracebacks still show their lines."""
    for path in directory.rglob("*.py"):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        # A None modification time marks an entry linecache never checks against the disk again.
        linecache.cache[str(path)] = (len(text), None, text.splitlines(keepends=True), str(path))


def _real_stderr() -> int:
    """A copy of descriptor 2 made before pytest's capture replaces it (not inherited); -1 when there is none."""
    try:
        return os.dup(2)
    except OSError:
        return -1


class Guard:
    """The plugin object handed to ``pytest.main``."""

    def __init__(self, tests: Path, channel: bool, stderr: int) -> None:
        self.tests = tests
        self.channel = channel
        self.stderr = stderr

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        with contextlib.suppress(OSError):
            os.write(self.stderr, (RUNNING_MARK + nodeid + "\n").encode("utf-8", "replace"))

    def pytest_collection_finish(self, session: Any) -> None:
        if self.tests.is_dir():
            _keep_sources_in_memory(self.tests)
            shutil.rmtree(self.tests, ignore_errors=True)

    @pytest.hookimpl(trylast=True)  # after junitxml (or any reporter) has written the report
    def pytest_sessionfinish(self, session: Any, exitstatus: int) -> None:
        if self.channel:
            _close_report_channel()


def main(args: list[str]) -> None:
    channel = _guard_report_channel()
    if "no:cacheprovider" not in args:
        args = ["-p", "no:cacheprovider", *args]  # the cache would be written into the deleted tests' directory
    code = INTERNAL_ERROR
    stderr = _real_stderr()
    try:
        code = int(pytest.main(args, plugins=[Guard(TESTS, channel, stderr)]))
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
