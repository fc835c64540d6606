"""The web app's service endpoints against a real PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from practica.settings import PracticaSettings
from practica.web.app import create_app
from servicekit.logging import flush_logs
from servicekit.settings import LogFormat


def make_client(database_url: str, tmp_path: Path, **overrides: object) -> TestClient:
    settings = PracticaSettings(database_url=database_url, practica_home=tmp_path, **overrides)  # type: ignore[arg-type]
    return TestClient(create_app(settings, static_dir=tmp_path / "no-static"))


def test_ping_is_200_when_the_database_answers(practica_db_url: str, tmp_path: Path) -> None:
    with make_client(practica_db_url, tmp_path) as client:
        response = client.get("/ping")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_ping_is_503_when_the_database_is_gone(practica_db_url: str, tmp_path: Path) -> None:
    missing = make_url(practica_db_url).set(database="no_such_database").render_as_string(False)
    with make_client(missing, tmp_path) as client:
        response = client.get("/ping")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_metrics_are_prometheus_text_and_count_requests(practica_db_url: str, tmp_path: Path) -> None:
    with make_client(practica_db_url, tmp_path) as client:
        client.get("/ping")
        response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    assert 'practica_http_requests_total{method="GET",route="/ping",status="200"} 1.0' in response.text


def test_system_status_reports_the_queue(practica_db_url: str, tmp_path: Path) -> None:
    with make_client(practica_db_url, tmp_path) as client:
        response = client.get("/api/system")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "external"
    assert body["queued_jobs"] == 0


def test_every_log_line_of_a_request_carries_its_request_id(
    practica_db_url: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    missing = make_url(practica_db_url).set(database="no_such_database").render_as_string(False)
    with make_client(missing, tmp_path, log_format=LogFormat.JSON) as client:
        capfd.readouterr()
        response = client.get("/ping", headers={"X-Request-ID": "req-42"})
    flush_logs()  # lines are written by a thread of their own
    assert response.headers["X-Request-ID"] == "req-42"
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    warnings = [line for line in lines if line["event"] == "ping.database_unreachable"]
    assert warnings, lines
    assert all(line["request_id"] == "req-42" for line in warnings)


def test_a_request_without_an_id_gets_one(practica_db_url: str, tmp_path: Path) -> None:
    with make_client(practica_db_url, tmp_path) as client:
        response = client.get("/ping")
    assert len(response.headers["X-Request-ID"]) == 32


def test_client_routes_fall_back_to_the_single_page_app(practica_db_url: str, tmp_path: Path) -> None:
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<!doctype html><div id=root></div>")
    settings = PracticaSettings(database_url=practica_db_url, practica_home=tmp_path)
    with TestClient(create_app(settings, static_dir=static)) as client:
        assert "id=root" in client.get("/courses/python/lesson-1").text
        assert client.get("/api/no-such-endpoint").status_code == 404
