"""Requests that stalled a process with a 500: out-of-range ids and NUL bytes, on every route; bounded error logs.

``GET /api/courses/a%00b`` and ``GET /api/checks/9223372036854775808`` needed no sign-in, answered 500
and held the process 4–6 s while a traceback with every frame's locals (~13,000 lines) was rendered.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from chronicles.app import create_app as create_chronicles_app
from chronicles.settings import ChroniclesSettings
from practica.accounts.models import Role
from practica.sandbox import create_runtime
from practica.sandbox.gateway import create_gateway_app
from practica.sandbox.gateway.ports import is_published_port
from practica.sandbox.settings import SandboxSettings
from servicekit.logging import MAX_EXCEPTION_CHARS, MAX_LINE_CHARS
from servicekit.params import DB_INT_MAX
from tests.practica.authoring.site import Site
from tests.security.web_fixtures import (  # noqa: F401  (fixtures)
    GATEWAY_KEY,
    bwrap_runtime,
    checks_home,
    site_fixture,
    web_process,
)

TOO_BIG = str(DB_INT_MAX + 1)
NUL = "a\x00b"
CANARY = "canary-only-a-frames-locals-would-show"
SIGNING_KEY = "a-chronicles-signing-key-of-the-security-tests"
ENTRIES = "query Search($filter: EntryFilter) { entries(filter: $filter, first: 5) { edges { node { action } } } }"


def test_the_reported_requests_are_refused_at_once_naming_the_parameter(practica_db_url: str, tmp_path: Path) -> None:
    with web_process(practica_db_url, tmp_path) as web:
        spent_before = web.cpu_seconds()
        courses = httpx.get(f"{web.url}/api/courses/a%00b", timeout=30)
        checks = httpx.get(f"{web.url}/api/checks/{TOO_BIG}", timeout=30)
        ping = httpx.get(f"{web.url}/ping", timeout=30)
        spent = web.cpu_seconds() - spent_before
    assert (courses.status_code, courses.json()["detail"][0]["loc"]) == (422, ["path", "course_id"])
    assert courses.json()["detail"][0]["msg"] == "must not contain NUL bytes"
    assert (checks.status_code, checks.json()["detail"][0]["loc"]) == (422, ["path", "check_id"])
    assert ping.status_code == 200
    assert spent < 2, f"three requests cost the service {spent:.2f} s of CPU (each used to cost it 4-6 s)"
    assert "Traceback" not in web.text()


def _value(schema: dict[str, Any], hostile: bool) -> str:
    integer = "integer" in json.dumps(schema)
    if hostile:
        return TOO_BIG if integer else NUL
    return "1" if integer else "x"


def _requests(app: FastAPI) -> Iterator[tuple[str, str, dict[str, Any], list[str | int]]]:
    """(method, url, extra, expected loc) for every parameter and JSON body of every operation of ``app``."""
    schema = app.openapi()
    for template, operations in schema["paths"].items():
        if is_published_port(template):
            continue  # a learner's server: what it receives is its business (the guard leaves it alone)
        for method, operation in operations.items():
            parameters = [p for p in operation.get("parameters", []) if p["in"] in ("path", "query")]
            for target in parameters:
                path, query = template, {}
                for parameter in parameters:
                    value = _value(parameter["schema"], parameter is target)
                    if parameter["in"] == "path":
                        path = path.replace("{" + parameter["name"] + "}", quote(value, safe=""))
                    elif parameter is target:
                        query[parameter["name"]] = value
                yield method, path, {"params": query}, [target["in"], target["name"]]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                path = template
                for parameter in parameters:
                    if parameter["in"] == "path":
                        path = path.replace("{" + parameter["name"] + "}", _value(parameter["schema"], False))
                yield method, path, {"json": _hostile_body(schema, body["schema"])}, ["body"]


def _hostile_body(schema: dict[str, Any], body: dict[str, Any]) -> dict[str, str]:
    reference = body.get("$ref") or next((option["$ref"] for option in body.get("anyOf", []) if "$ref" in option), "")
    model = schema["components"]["schemas"][reference.rsplit("/", 1)[-1]] if reference else body
    return {name: NUL for name in model.get("properties", {"value": {}})}


async def _sweep(client: httpx.AsyncClient, app: FastAPI) -> list[str]:
    """Every hostile request; what did not answer 422 naming the parameter."""
    wrong = []
    sent = 0
    for method, path, extra, loc in _requests(app):
        response = await client.request(method.upper(), path, **extra)
        sent += 1
        detail = response.json().get("detail") if response.headers.get("content-type") == "application/json" else None
        named = isinstance(detail, list) and detail and detail[0]["loc"][: len(loc)] == loc
        if response.status_code != 422 or not named:
            wrong.append(f"{method.upper()} {path} {extra}: {response.status_code} {response.text[:200]}")
    assert sent > 0
    return wrong


async def test_every_route_of_the_web_app_refuses_them_naming_the_parameter(site: Site) -> None:
    admin = await site.client("root@example.org", Role.ADMIN)  # signed in with every right: nothing else refuses
    assert await _sweep(admin, site.app) == []
    assert await site.scalar("SELECT count(*) FROM course_drafts") == 0
    assert await site.scalar("SELECT count(*) FROM organizations") == 0


@pytest.fixture
async def gateway_client(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    settings = SandboxSettings(home=tmp_path, gateway_key=GATEWAY_KEY)
    runtime = create_runtime(settings, "bwrap")
    app = create_gateway_app(settings, runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as client:
        yield client, app
    await runtime.close()


async def test_every_route_of_the_gateway_refuses_them(gateway_client: tuple[httpx.AsyncClient, FastAPI]) -> None:
    client, app = gateway_client
    assert await _sweep(client, app) == []
    terminal = await client.get("/environments/x/terminal", params={"token": "t", "session": NUL})
    assert terminal.status_code == 422  # not a WebSocket upgrade, but the guard answers before any route


async def test_chronicles_refuses_nul_bytes_naming_the_parameter(chronicles_db_url: str, tmp_path: Path) -> None:
    settings = ChroniclesSettings(
        chronicles_database_url=chronicles_db_url, practica_home=tmp_path, chronicles_signing_key=SIGNING_KEY
    )
    app = create_chronicles_app(settings)
    viewer = jwt.encode({"access_tags": ["org:1"], "exp": time.time() + 60}, SIGNING_KEY, algorithm="HS256")
    condition = {"operation": "EQ", "path": ["note"], "value": NUL}
    search = {"query": ENTRIES, "variables": {"filter": {"payload": [condition]}}}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://chronicles.test") as client:
        in_query = await client.get("/graphql", params={"query": NUL})
        in_body = await client.post("/graphql", json=search, headers={"Authorization": f"Bearer {viewer}"})
    await app.state.engine.dispose()
    assert (in_query.status_code, in_query.json()["detail"][0]["loc"]) == (422, ["query", "query"])
    (problem,) = in_body.json()["errors"]  # a JSON body is GraphQL's to judge: an error naming the field
    assert problem["extensions"] == {"code": "BAD_USER_INPUT", "field": "filter.payload[0].value"}


@pytest.mark.parametrize("log_format", ["console", "json"])
def test_a_forced_500_logs_a_plain_bounded_traceback_without_locals(
    practica_db_url: str, tmp_path: Path, log_format: str
) -> None:
    missing = make_url(practica_db_url).set(database="no_such_database").render_as_string(False)
    with web_process(missing, tmp_path, LOG_FORMAT=log_format) as web:  # /ping answers 503, it still starts
        response = httpx.get(f"{web.url}/api/system", headers={"X-Canary": CANARY}, timeout=30)
    assert response.status_code == 500
    text = web.text()
    assert "no_such_database" in text  # the error is logged…
    assert "Traceback" in text
    assert CANARY not in text  # …without the request (a local of every ASGI frame) or any other local
    assert "locals" not in text.lower()
    error = text[text.index("Exception in ASGI application") :]
    record = error.split("\n20")[0] if log_format == "console" else error.split("\n")[0]
    assert len(record) <= MAX_EXCEPTION_CHARS + 2000
    if log_format == "json":
        line = next(line for line in text.splitlines() if "Exception in ASGI application" in line)
        assert len(line) <= MAX_LINE_CHARS
        assert len(json.loads(line)["exception"]) <= MAX_EXCEPTION_CHARS
