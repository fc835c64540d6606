"""Alertmanager with deploy/prometheus/alertmanager.yml posts alerts to the operations webhook (a real receiver)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, require_tool
from tests.webhook_receiver import Receiver, webhook_receiver

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "alertmanager.yml"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as made:
        yield made


@pytest.fixture
def alertmanager(receiver: Receiver, tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("prometheus-alertmanager")
    require_tool(binary is not None, "prometheus-alertmanager (Debian package)")
    assert binary is not None
    (tmp_path / "webhook-url").write_text(receiver.url + "\n")
    config = CONFIG.read_text().replace("/etc/practica/ops-webhook-url", str(tmp_path / "webhook-url"))
    (tmp_path / "alertmanager.yml").write_text(config.replace("group_wait: 30s", "group_wait: 1s"))
    port = free_port()
    argv = [
        binary,
        f"--config.file={tmp_path / 'alertmanager.yml'}",
        f"--storage.path={tmp_path / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    with open(tmp_path / "alertmanager.log", "wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while not _ready(base):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"alertmanager did not start: {(tmp_path / 'alertmanager.log').read_text()[-2000:]}")
        time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/-/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_firing_alert_reaches_the_webhook_as_slack_json(alertmanager: str, receiver: Receiver) -> None:
    alert = {
        "labels": {"alertname": "JobQueueStuck", "queue": "checks", "severity": "page"},
        "annotations": {"summary": "The oldest ready job in queue checks has waited 12m 0s"},
    }
    assert httpx.post(f"{alertmanager}/api/v2/alerts", json=[alert], timeout=5).status_code == 200

    (body,) = receiver.wait_for(1, within=60)
    (attachment,) = body["attachments"]
    assert body["username"] == "Practica alerts"
    assert attachment["title"] == "FIRING: JobQueueStuck"
    assert attachment["text"].strip() == "The oldest ready job in queue checks has waited 12m 0s"
