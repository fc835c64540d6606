"""A learner's code against the check that grades it, sent as a learner sends it: sign in, open the lesson,
save files into the environment, press *Check*; a real worker runs the check, on each runtime.

What stays possible by design (the learner's code runs inside pytest's process: it can read the tests while
pytest imports them, and change the runner's memory) is documented in SECURITY.md, "Learner code".
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from practica.accounts.service import create_user
from practica.accounts.sessions import SESSION_COOKIE, start_session
from practica.checks.models import CheckAttempt
from practica.checks.results import CASE_RESULTS
from practica.jobs.queue import connected, jobs
from practica.jobs.resources import SandboxWorker, WorkerResources, worker_resources_for
from practica.lessons.loading import load
from practica.lessons.publishing import publish
from practica.sandbox import Runtime, create_runtime
from practica.sandbox.podman import PodmanService
from practica.sandbox.settings import SandboxSettings
from practica.settings import PracticaSettings
from practica.web.app import create_app, dispose
from tests.conftest import remove_home, require_tool
from tests.practica.conftest import traversable_home
from tests.practica.lessons.factories import write_course

pytestmark = pytest.mark.sandbox

MARKER = "HIDDEN-TEST-TEXT-5d1c9e"  # in the hidden test file only, never in a line a traceback shows
HIDDEN_TESTS = {
    "test_add.py": f"# {MARKER}: no byte of this file may reach the learner.\n"
    "from solution import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
    "def test_add_negative():\n    assert add(-2, -3) == -5\n",
    "conftest.py": "import sys\nfrom pathlib import Path\n\nsys.path.append(str(Path.cwd()))\n",
    "pytest.ini": "[pytest]\n",
}
CHECK = {
    "command": [
        "python3", "-I", "{pytest}", "-q", "-p", "no:cacheprovider",
        "-o", "junit_logging=all", "--junitxml={report}", "{tests}",
    ],
    "results": {"format": "junit"},
}  # fmt: skip
OLD_CHECK = {
    "command": ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=report.xml", "tests"],
    "results": {"format": "junit", "path": "report.xml"},
    "tests_into": "tests",
}
CSRF = "security-csrf-token-0123456789"
FORGED = (
    '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="0" '
    'skipped="0" tests="2"><testcase classname="test_add" name="test_add" time="0.001"/>'
    '<testcase classname="test_add" name="test_add_negative" time="0.001"/></testsuite></testsuites>'
)
# Runs after pytest (atexit), and in a process of its own that outlives it: every place a report could be read
# from is overwritten, again and again, and every descriptor of every process it can open gets a forged report.
FORGER = f"""
import glob, os, time
FORGED = {FORGED!r}
def forge():
    for target in ["/workspace/report.xml", "/workspace/tests/report.xml", "/tmp/practica-check/report.xml"]:
        try:
            with open(target, "w") as out:
                out.write(FORGED)
        except OSError:
            pass
    for descriptor in [1, 3, *glob.glob("/proc/[0-9]*/fd/*")]:
        try:
            if isinstance(descriptor, int):
                os.write(descriptor, FORGED.encode())
            else:
                with open(descriptor, "w") as out:
                    out.write(FORGED)
        except OSError:
            pass
"""
FORGING_SOLUTION = f"""
import atexit, subprocess, sys
{FORGER}
LOOP = {FORGER!r} + "\\nwhile True:\\n    forge()\\n    time.sleep(0.01)\\n"
# It keeps the exec's standard error open, so it is still there, forging, when the platform reads the report.
subprocess.Popen([sys.executable, "-c", LOOP], start_new_session=True, close_fds=False,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
atexit.register(forge)


def add(a, b):
    return a - b
"""
# A learner's own conftest.py next to where old lessons put the tests: it would turn every failure into a pass.
FORGING_CONFTEST = """
import pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
"""
# Reads every file it can find while the tests run, from this process and from a process it starts, and puts
# the lines that look like tests into the assertion message and the test's output: what the learner sees.
STEALING_SOLUTION = """
import glob, subprocess
from pathlib import Path

PATTERNS = ["/tmp/practica-check/**", "/workspace/**", "/tmp/**", "/proc/*/cwd/**", "/proc/*/root/tmp/**"]


def steal():
    found = set()
    for pattern in PATTERNS:
        for path in glob.glob(pattern, recursive=True):
            try:
                lines = Path(path).read_text(errors="replace").splitlines()
            except OSError:
                continue
            found.update(line for line in lines if "HIDDEN-TEST" in line or "def test_" in line)
    return "\\n".join(sorted(found))


def add(a, b):
    shell = "grep -rhs -e HIDDEN-TEST -e 'def test_' /tmp /workspace /proc/[0-9]*/cwd/ /proc/[0-9]*/root/tmp/"
    print(subprocess.run(["sh", "-c", shell], capture_output=True, text=True).stdout)
    raise AssertionError("stolen: " + steal())
"""
LINGERING_SOLUTION = """
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "LINGER-8e41a7"], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def add(a, b):
    return a + b
"""


@dataclass
class Site:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    resources: WorkerResources
    runtime: Runtime
    app: Any

    async def run_jobs(self) -> None:
        async with connected(jobs, self.url):
            await jobs.run_worker_async(
                wait=False,
                queues=["sandbox", "checks"],
                install_signal_handlers=False,
                additional_context=self.resources.context(),
            )

    async def learner(self, email: str) -> httpx.AsyncClient:
        async with self.sessions() as session, session.begin():
            user = await create_user(session, email, "a long password", email.split("@")[0])
            token = await start_session(session, user.id)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://testserver")
        client.cookies.set(SESSION_COOKIE, token)
        client.cookies.set("practica_csrf", CSRF)
        client.headers["X-CSRF-Token"] = CSRF
        return client

    async def submit(self, files: dict[str, str]) -> tuple[dict[str, Any], CheckAttempt]:
        """Open the lesson as a new learner, save ``files`` into the environment, check: the API's answer and row."""
        async with await self.learner(f"mallory-{len(files)}-{os.urandom(4).hex()}@example.org") as client:
            opened = await client.post("/api/courses/basics/lessons/add/environment")
            assert opened.status_code == 200, opened.text
            await self.run_jobs()
            environment = (await client.get("/api/courses/basics/lessons/add/environment")).json()
            assert environment["status"] == "running", environment
            for path, text in files.items():
                await self.runtime.write_file(environment["id"], path, text.encode())
            queued = await client.post("/api/courses/basics/lessons/add/checks")
            assert queued.status_code == 202, queued.text
            await self.run_jobs()
            answer: dict[str, Any] = (await client.get(f"/api/checks/{queued.json()['id']}")).json()
        async with self.sessions() as session:
            attempt = await session.get(CheckAttempt, answer["id"])
        assert attempt is not None
        return answer, attempt


@pytest.fixture(scope="module")
def sandbox_home() -> Iterator[Path]:
    home = traversable_home("practica-security-checks-")
    yield home
    remove_home(home)


@pytest.fixture(scope="module", params=["bwrap", "docker"])
async def runtime(request: pytest.FixtureRequest, sandbox_home: Path) -> AsyncIterator[Runtime]:
    """Each runtime checks as the worker would (docker: through a podman service of the test's own)."""
    require_tool(os.geteuid() == 0, "root (cgroups, loop mounts, per-environment uids)")
    uid_base = 6_000_000 + (os.getpid() % 1000) * 1000
    settings = SandboxSettings(home=sandbox_home, uid_base=uid_base, uid_count=1000)
    with ExitStack() as stack:
        if request.param == "docker":
            require_tool(shutil.which("podman") is not None and shutil.which("runc") is not None, "podman and runc")
            service = stack.enter_context(PodmanService(sandbox_home / "podman"))
            settings = settings.model_copy(update={"docker_url": service.url})
        else:
            require_tool(shutil.which("bwrap") is not None, "bubblewrap")
        made = create_runtime(settings, request.param)
        yield made
        for info in await made.list_environments():
            await made.remove(info.id)
        await made.close()


def _course(directory: Path, check: dict[str, Any]) -> Path:
    course = write_course(directory, ["add"])
    lesson_dir = course / "add"
    lesson = yaml.safe_load((lesson_dir / "lesson.yaml").read_text())
    lesson.update(check=check, limits={"time_s": 20})
    (lesson_dir / "lesson.yaml").write_text(yaml.safe_dump(lesson, sort_keys=False))
    shutil.rmtree(lesson_dir / "tests")
    (lesson_dir / "tests").mkdir()
    for name, text in HIDDEN_TESTS.items():
        (lesson_dir / "tests" / name).write_text(text)
    return course


async def _site(url: str, runtime: Runtime, home: Path, tmp_path: Path, check: dict[str, Any]) -> Site:
    engine = create_async_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        await publish(session, load(_course(tmp_path / "basics", check)), "basics", performer=None)
    settings = PracticaSettings(database_url=url, practica_home=tmp_path, practica_check_cooldown=0)
    sandbox = SandboxSettings(home=home, gateway_url="http://gateway.test")
    resources = worker_resources_for(settings, engine, SandboxWorker(sandbox, runtime))
    app = create_app(settings, static_dir=tmp_path / "no-static", sandbox_settings=sandbox)
    return Site(url, engine, sessions, resources, runtime, app)


@pytest.fixture
async def site(practica_db_url: str, runtime: Runtime, sandbox_home: Path, tmp_path: Path) -> AsyncIterator[Site]:
    made = await _site(practica_db_url, runtime, sandbox_home, tmp_path, CHECK)
    yield made
    await dispose(made.app)
    await made.engine.dispose()


@pytest.fixture
async def old_site(practica_db_url: str, runtime: Runtime, sandbox_home: Path, tmp_path: Path) -> AsyncIterator[Site]:
    """The same lesson in an old lesson.yaml: report file named in the command, tests copied into the workspace."""
    made = await _site(practica_db_url, runtime, sandbox_home, tmp_path, OLD_CHECK)
    yield made
    await dispose(made.app)
    await made.engine.dispose()


def _everything_shown(answer: dict[str, Any], attempt: CheckAttempt) -> str:
    return json.dumps(answer) + CASE_RESULTS.dump_json(attempt.results).decode() + (attempt.detail or "")


async def test_a_submission_cannot_forge_a_pass(site: Site) -> None:
    """atexit hooks, a process left behind, every descriptor it can reach, a conftest.py of its own: still failed."""
    answer, attempt = await site.submit({"solution.py": FORGING_SOLUTION, "conftest.py": FORGING_CONFTEST})
    assert (answer["status"], answer["verdict"]) == ("failed", "failed"), answer
    assert sorted((test["name"].split("::")[-1], test["status"]) for test in answer["tests"]) == [
        ("test_add", "fail"),
        ("test_add_negative", "fail"),
    ]
    assert "forged" not in _everything_shown(answer, attempt)


async def test_an_old_lesson_yaml_cannot_be_forged_through_its_report_file(old_site: Site) -> None:
    """``--junitxml=report.xml`` now writes to the platform's channel: rewriting the file or adding to the channel
    after pytest changes nothing (old lessons keep their tests in the workspace; see SECURITY.md)."""
    answer, _attempt = await old_site.submit({"solution.py": FORGING_SOLUTION})
    assert answer["status"] != "passed", answer
    assert answer["verdict"] != "passed", answer


async def test_a_submission_cannot_read_the_hidden_tests(site: Site) -> None:
    answer, attempt = await site.submit({"solution.py": STEALING_SOLUTION})
    assert answer["status"] == "failed", answer
    shown = _everything_shown(answer, attempt)
    assert "stolen: " in shown  # the attempt ran and reported what it found
    assert MARKER not in shown
    assert MARKER not in json.dumps([case.output for case in attempt.results])


async def test_nothing_a_check_starts_outlives_it(site: Site) -> None:
    answer, _attempt = await site.submit({"solution.py": LINGERING_SOLUTION})
    assert answer["status"] == "passed", answer
    assert _host_processes_naming("LINGER-8e41a7") == []
    purposes = [info.spec.labels.get("purpose") for info in await site.runtime.list_environments()]
    assert "check" not in purposes, purposes  # the check's environment is gone, the learner's own stays


def _host_processes_naming(marker: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            continue
    return found
