"""The alert rules under promtool, and a real Prometheus scraping a running platform."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.browser.conftest import Platform, platform  # noqa: F401 (the fixture `practica up` runs in)
from tests.conftest import free_port, require_tool
from tests.deploy.alert_rules import RULES, alert_rules


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    require_tool(found is not None, "promtool (Debian package prometheus)")
    assert found is not None
    return found


def test_the_alert_rules_are_valid(promtool: str) -> None:
    result = subprocess.run([promtool, "check", "rules", str(RULES / "alerts.yml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


def test_each_alert_fires_on_its_figures_and_not_below(promtool: str) -> None:
    result = subprocess.run(
        [promtool, "test", "rules", "alerts-test.yml"], cwd=RULES, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_rule_fails_its_test(promtool: str, tmp_path: Path) -> None:
    """The rule tests are not vacuous: a wrong threshold is caught."""
    shutil.copy(RULES / "alerts-test.yml", tmp_path)
    (tmp_path / "alerts.yml").write_text((RULES / "alerts.yml").read_text().replace("> 300", "> 3000"))
    result = subprocess.run(
        [promtool, "test", "rules", "alerts-test.yml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "JobQueueStuck" in result.stdout + result.stderr


@pytest.fixture
def prometheus(platform: Platform, tmp_path: Path) -> Iterator[str]:  # noqa: F811
    binary = shutil.which("prometheus")
    require_tool(binary is not None, "prometheus (Debian package prometheus)")
    assert binary is not None
    ports = {
        "web": platform.env["PRACTICA_PORT"],
        "chronicles": platform.env["CHRONICLES_PORT"],
        "gateway": platform.env["PRACTICA_SANDBOX_GATEWAY_PORT"],
    }
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES / "alerts.yml")],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]} for job, port in ports.items()
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    argv = [
        binary,
        f"--config.file={tmp_path / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    with open(tmp_path / "prometheus.log", "wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _query(base: str, expression: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{base}/api/v1/query", params={"query": expression}, timeout=5).json()
    assert answer["status"] == "success", answer
    result: list[dict[str, Any]] = answer["data"]["result"]
    return result


def _eventually(base: str, expression: str, count: int, within: float = 90.0) -> list[dict[str, Any]]:
    """The query's series once there are ``count`` of them (scrapes start a second or so apart)."""
    deadline = time.monotonic() + within
    while True:
        try:
            found = _query(base, expression)
        except (httpx.HTTPError, ValueError):  # not listening yet, or not ready (a plain-text 503)
            found = []
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def _answers(url: str, within: float = 120.0) -> bool:
    """Whether ``url`` answers 200 before ``within`` seconds (a ceiling: it returns at the first answer)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return True
        except httpx.HTTPError:  # not listening yet
            pass
        time.sleep(0.5)
    return False


def test_prometheus_scrapes_every_service_and_loads_the_rules(prometheus: str, platform: Platform) -> None:  # noqa: F811
    gateway = f"http://127.0.0.1:{platform.env['PRACTICA_SANDBOX_GATEWAY_PORT']}"
    assert _answers(f"{gateway}/ping"), "the gateway never answered /ping"  # practica up waits for web only
    up = _eventually(prometheus, "up == 1", 3)
    assert sorted(series["metric"]["job"] for series in up) == ["chronicles", "gateway", "web"]

    queues = _eventually(prometheus, "practica_job_queue_oldest_seconds", 3)
    assert sorted(series["metric"]["queue"] for series in queues) == ["checks", "default", "sandbox"]
    (free,) = _eventually(prometheus, "practica_data_disk_free_bytes", 1)
    assert float(free["value"][1]) > 0
    (pending,) = _eventually(prometheus, "chronicles_dead_letters_pending", 1)
    assert float(pending["value"][1]) == 0
    assert _eventually(prometheus, 'gateway_http_requests_total{route="/ping"}', 1)

    rules = httpx.get(f"{prometheus}/api/v1/rules", timeout=5).json()["data"]["groups"]
    loaded = {rule["name"]: rule["health"] for group in rules for rule in group["rules"]}
    assert sorted(loaded) == sorted(alert_rules())
    assert set(loaded.values()) <= {"ok", "unknown"}
    firing = httpx.get(f"{prometheus}/api/v1/alerts", timeout=5).json()["data"]["alerts"]
    assert [alert for alert in firing if alert["state"] == "firing"] == []
