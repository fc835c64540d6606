"""Every domain's refusal goes through the web app's one handler: its status, its JSON and its headers.

Each :class:`~practica.errors.PracticaError` subclass is raised from a route of the real app (its
middleware, its handler) and the answer is compared with what the API documents. A subclass without a
case here fails :func:`test_every_refusal_class_has_a_case`, so a new one cannot skip the mapping.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from practica.accounts.errors import AccountError
from practica.accounts.mail_events import MalformedReportError
from practica.accounts.mail_webhook import WebhookAuthError, WebhookOffError
from practica.accounts.ratelimit import RateLimitedError
from practica.admin.errors import AdminError, JobStateError
from practica.authoring.errors import CourseFormatError, DraftError, ImportRefusedError, SourceRefusedError
from practica.checks.errors import CheckCooldownError
from practica.errors import PracticaError, RetryLaterError
from practica.hosts.engine import EngineError
from practica.hosts.registry import HostError, NoRoomError
from practica.learning.errors import ActivityCursorError, ActivityUnavailableError, LearningError, NotVisibleError
from practica.lessons.errors import CourseOwnershipError, ImportSourceError
from practica.lessons.loading import LessonFormatError
from practica.organizations.errors import OrganizationError
from practica.settings import PracticaSettings
from practica.web.app import create_app
from servicekit.yamlfile import Problem

SRC = Path(__file__).resolve().parents[3] / "src" / "practica"
BAD_YAML = LessonFormatError(
    [Problem("course.yaml", 3, "title", "is missing"), Problem("a/lesson.yaml", None, "", "x")]
)


@dataclass(frozen=True)
class Case:
    error: PracticaError
    status: int
    body: dict[str, object]
    headers: dict[str, str] = field(default_factory=dict)


CASES = [
    Case(PracticaError(418, "a teapot", extra={"kind": "tea"}), 418, {"detail": "a teapot", "kind": "tea"}),
    Case(RetryLaterError("slow down", 9), 429, {"detail": "slow down", "retry_after": 9}, {"Retry-After": "9"}),
    Case(AccountError(401, "Sign in first"), 401, {"detail": "Sign in first"}),
    Case(
        RateLimitedError(42),
        429,
        {"detail": "Too many attempts: try again in 42 s", "retry_after": 42},
        {"Retry-After": "42"},
    ),
    Case(OrganizationError(404, "No such organization"), 404, {"detail": "No such organization"}),
    Case(AdminError(404, "no environment e-1"), 404, {"detail": "no environment e-1"}),
    Case(JobStateError(409, "job 7 is doing"), 409, {"detail": "job 7 is doing"}),
    Case(LearningError(409, "open the lesson first"), 409, {"detail": "open the lesson first"}),
    Case(NotVisibleError("no course 'x'"), 404, {"detail": "no course 'x'"}),
    Case(ActivityCursorError("after: is not a `next`"), 422, {"detail": "after: is not a `next`"}),
    Case(ActivityUnavailableError("Chronicles did not answer"), 503, {"detail": "Chronicles did not answer"}),
    Case(
        CheckCooldownError(4.2),
        429,
        {"detail": "wait 5 s before the next check", "retry_after": 5},
        {"Retry-After": "5"},
    ),
    Case(DraftError(413, "archive: at most 8 MB"), 413, {"detail": "archive: at most 8 MB"}),
    Case(ImportRefusedError("archive: cannot be read"), 422, {"detail": "archive: cannot be read"}),
    Case(SourceRefusedError("git_url: names no host"), 422, {"detail": "git_url: names no host"}),
    Case(
        CourseFormatError(BAD_YAML),
        422,
        {
            "detail": "the course has 2 problem(s); nothing was stored: "
            "course.yaml:3: title: is missing; a/lesson.yaml: x",
            "problems": [
                {"file": "course.yaml", "line": 3, "field": "title", "message": "is missing"},
                {"file": "a/lesson.yaml", "line": None, "field": "", "message": "x"},
            ],
        },
    ),
    Case(CourseOwnershipError(403, "course.yaml: id: taken"), 403, {"detail": "course.yaml: id: taken"}),
    Case(ImportSourceError("git clone failed"), 422, {"detail": "git clone failed"}),
    Case(
        MalformedReportError("Message.bounce.bounceType", "missing"),
        422,
        {"detail": "Message.bounce.bounceType: missing", "field": "Message.bounce.bounceType"},
    ),
    Case(
        WebhookAuthError(),
        401,
        {"detail": "the webhook secret is missing or wrong"},
        {"WWW-Authenticate": 'Basic realm="mail-events"'},
    ),
    Case(HostError(409, "eval host 'eval-1' exists"), 409, {"detail": "eval host 'eval-1' exists"}),
    Case(NoRoomError("no eval host has room"), 503, {"detail": "no eval host has room"}),
    Case(
        EngineError("tcp://10.0.0.1:2376: no engine answers"), 502, {"detail": "tcp://10.0.0.1:2376: no engine answers"}
    ),
    Case(
        WebhookOffError(),
        404,
        {"detail": "the mail events webhook is off: set PRACTICA_MAIL_WEBHOOK_SECRET"},
    ),
]


def _subclasses(cls: type[PracticaError]) -> set[type[PracticaError]]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found))


def test_every_refusal_class_has_a_case() -> None:
    missing = _subclasses(PracticaError) - {type(case.error) for case in CASES}
    assert not missing, f"add a case for {sorted(cls.__qualname__ for cls in missing)}"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The real app (never started: the refusals need no database), with a route raising ``CASES[index]``."""
    settings = PracticaSettings(database_url="postgresql+psycopg://errors@localhost/errors")
    app = create_app(settings, static_dir=tmp_path_factory.mktemp("no-static"))
    _first(app, APIRoute("/api/raise/{index}", _raise))
    return TestClient(app)


async def _raise(index: int) -> None:
    raise CASES[index].error


def _first(app: FastAPI, route: APIRoute) -> None:
    """Put ``route`` before the single-page app's catch-all."""
    app.router.routes.insert(0, route)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[type(case.error).__qualname__ for case in CASES])
def test_a_refusal_answers_its_status_detail_and_headers(client: TestClient, index: int) -> None:
    case = CASES[index]
    response = client.get(f"/api/raise/{index}")
    assert (response.status_code, response.json()) == (case.status, case.body)
    assert {name: response.headers.get(name) for name in case.headers} == case.headers
    if not case.headers:
        assert "retry-after" not in response.headers


def _route_modules() -> list[Path]:
    return sorted({*SRC.glob("*/routes.py"), *SRC.glob("*/*_routes.py")})


def test_the_route_modules_are_found() -> None:
    names = {f"{path.parent.name}/{path.name}" for path in _route_modules()}
    assert {"accounts/routes.py", "organizations/routes.py", "admin/routes.py"} <= names
    assert {"authoring/routes.py", "learning/routes.py"} <= names


def test_a_domain_has_one_route_module() -> None:
    assert [path.name for path in _route_modules() if path.name != "routes.py"] == []


@pytest.mark.parametrize("path", _route_modules(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_routes_hold_no_storage_code(path: Path) -> None:
    """Routes call their domain's queries and services: none imports SQLAlchemy or psycopg to read or write itself."""
    tree = ast.parse(path.read_text(), filename=str(path))
    imported = [
        (node.lineno, name)
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in ([alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""])
        if name.split(".")[0] in {"sqlalchemy", "psycopg", "psycopg_pool"}
    ]
    assert imported == [], f"{path.name}: storage imports {imported}: move the statement to queries.py or service.py"


@pytest.mark.parametrize("path", _route_modules(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_routes_catch_no_exceptions_and_build_no_refusals(path: Path) -> None:
    """Services raise their domain's refusals and the app answers them: a route neither catches nor builds one."""
    tree = ast.parse(path.read_text(), filename=str(path))
    tries = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Try | ast.TryStar)]
    built = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Name | ast.Attribute)
        and (node.id if isinstance(node, ast.Name) else node.attr) in {"HTTPException", "JSONResponse"}
    ]
    assert (tries, built) == ([], []), f"{path.name}: try blocks at lines {tries}, hand-built refusals at {built}"


@pytest.mark.parametrize("path", _route_modules(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_routes_compare_no_roles(path: Path) -> None:
    """Who may call a route is its domain's ``permissions`` module's business, not the route body's."""
    tree = ast.parse(path.read_text(), filename=str(path))
    compared = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and any(isinstance(part, ast.Attribute) and part.attr == "role" for part in [node.left, *node.comparators])
    ]
    assert compared == [], f"{path.name}: role checks at lines {compared}: use the domain's permissions module"
