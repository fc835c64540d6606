"""``deploy/compose.yaml`` brought up as ``make deploy-local`` does, then used through its balancer.

The images come from ``make images`` (cached). The project gets a name and host ports of its own; the
learner's mail goes to a real SMTP server of the test (the containers reach it as host.containers.internal).
Over HTTP through the balancer only: /ping answered by both web replicas, the version in /api/system, then
a learner signs up, confirms by the mailed link, opens a lesson's environment (a container of the eval
host's engine), writes the solution through the gateway, and a check passes; the check's event travels
worker → Kafka → ``chronicles consume`` → the learner's activity. The worker, killed, is started again by its
restart policy and sends the next sign-up's mail. Prometheus scrapes every service with the
repository's alert rules. A rolling deploy (``deploy/deploy.sh``) moves every service to a next version and
back, and rolls a deploy whose gateway never answers back, without one failed request; the operations webhook
(a real HTTP receiver) hears each. Everything, volumes included, is torn down at the end.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.conftest import free_port, require_tool
from tests.deploy.alert_rules import alert_rules
from tests.deploy.images import ROOT, build_images, engine_env, missing_tools, podman
from tests.practica.accounts.conftest import Inbox
from tests.smtp_server import smtp_controller
from tests.webhook_receiver import Receiver, webhook_receiver

# The first test also builds the images (minutes when cold) and brings the topology up.
pytestmark = [pytest.mark.slow, pytest.mark.sandbox, pytest.mark.timeout(1800)]

LESSON = ROOT / "courses" / "python-basics" / "functions"
EMAIL = "ada@example.org"
PASSWORD = "correct horse battery staple"
T = TypeVar("T")


@dataclass
class Topology:
    url: str
    gateway_url: str
    prometheus_url: str
    version: str
    inbox: Inbox
    env: dict[str, str]


def deploy(script: str, env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "deploy" / script), *arguments],
        capture_output=True, text=True, env=env, check=False, timeout=900,
    )  # fmt: skip


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    require_tool(not missing_tools(), f"podman, podman-compose, debootstrap and curl (missing: {missing_tools()})")
    version = build_images()
    inbox = Inbox()
    smtp = smtp_controller(inbox, hostname="0.0.0.0")  # noqa: S104 (the containers connect from their network)
    smtp.start()
    http_port, gateway_port, prometheus_port = free_port(), free_port(), free_port()
    env = {
        **engine_env(),
        "PRACTICA_DEPLOY_PROJECT": f"practica-test-{uuid.uuid4().hex[:8]}",
        "PRACTICA_DEPLOY_DATA": str(tmp_path_factory.mktemp("deploy")),
        "PRACTICA_HTTP_PORT": str(http_port),
        "PRACTICA_GATEWAY_PORT": str(gateway_port),
        "PRACTICA_PROMETHEUS_PORT": str(prometheus_port),
        "PRACTICA_IMAGE_TAG": version,
        "PRACTICA_SMTP_URL": f"smtp://host.containers.internal:{smtp.port}",
    }
    try:
        started = deploy("up.sh", env)
        assert started.returncode == 0, started.stdout + started.stderr
        yield Topology(
            f"http://127.0.0.1:{http_port}", f"http://127.0.0.1:{gateway_port}",
            f"http://127.0.0.1:{prometheus_port}", version, inbox, env,
        )  # fmt: skip
    finally:
        keep_logs(env["PRACTICA_DEPLOY_PROJECT"], env["PRACTICA_DEPLOY_DATA"])
        stopped = deploy("down.sh", env, "--volumes")
        smtp.stop()
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        data = env["PRACTICA_DEPLOY_DATA"]
        assert data not in Path("/proc/mounts").read_text(), "the engine's storage is still mounted"
        assert not Path(data).exists()
        left = podman("ps", "--all", "--filter", f"label=io.podman.compose.project={env['PRACTICA_DEPLOY_PROJECT']}")
        assert env["PRACTICA_DEPLOY_PROJECT"] not in left.stdout


def keep_logs(project: str, data: str) -> None:
    """Every container's log, kept under ``test-results/topology/`` before the topology goes (a failure's story)."""
    directory = ROOT / "test-results" / "topology"
    directory.mkdir(parents=True, exist_ok=True)
    listed = podman("ps", "--all", "--format", "{{.Names}}", "--filter", f"label=io.podman.compose.project={project}")
    for name in listed.stdout.split():
        logs = podman("logs", name)
        (directory / f"{name}.log").write_text(logs.stdout + logs.stderr)
    for replaced in (Path(data) / "logs").glob("*.log"):  # containers a deploy replaced (deploy/deploy.sh)
        shutil.copy(replaced, directory / replaced.name)


def eventually(probe: Callable[[], T | None], timeout_s: float, what: str) -> T:
    """``probe()``'s first value that is not None, asked every second; fails naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (value := probe()) is not None:
            return value
        time.sleep(1)
    raise AssertionError(f"{what}: not within {timeout_s:.0f} s")


def test_both_web_replicas_answer_ping_through_the_balancer(topology: Topology) -> None:
    served_by = set()
    with httpx.Client(base_url=topology.url, timeout=10) as client:
        for _ in range(10):
            answer = client.get("/ping")
            assert answer.status_code == 200, answer.text
            served_by.add(answer.headers["X-Served-By"])
    assert served_by == {"web1", "web2"}


def test_the_version_of_the_images_is_in_api_system(topology: Topology) -> None:
    system = httpx.get(f"{topology.url}/api/system", timeout=10)
    assert system.status_code == 200, system.text
    assert system.json()["version"] == topology.version
    assert system.json()["database"] == "external"
    assert system.json()["environment"] == "production"


def test_the_gateway_answers_through_the_balancer(topology: Topology) -> None:
    ping = httpx.get(f"{topology.gateway_url}/ping", timeout=10)
    assert ping.status_code == 200, ping.text
    assert ping.json()["runtime"] == "docker"


class Learner:
    """A browser's view of the API: cookies kept, the CSRF cookie echoed in ``X-CSRF-Token``."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        assert self.client.get("/api/auth/csrf").status_code == 204

    def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        token = self.client.cookies.get("practica_csrf") or ""
        return self.client.post(path, json=body or {}, headers={"X-CSRF-Token": token})

    def get(self, path: str) -> Any:
        answer = self.client.get(path)
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text}"
        return answer.json()


def confirmation_token(inbox: Inbox, email: str = EMAIL) -> str | None:
    for message in inbox.messages:
        if email in str(message["To"]):
            body = message.get_body(("plain",))
            assert body is not None
            if found := re.search(r"/confirm/([A-Za-z0-9_\-]+)", body.get_content()):
                return found.group(1)
    return None


@pytest.fixture
def learner(topology: Topology) -> Iterator[Learner]:
    with httpx.Client(base_url=topology.url, timeout=30) as client:
        yield Learner(client)


def test_a_learner_signs_up_and_passes_a_check_through_the_balancer(topology: Topology, learner: Learner) -> None:
    assert learner.post("/api/auth/signup", {"email": EMAIL, "password": PASSWORD, "display_name": "Ada"}).is_success
    token = eventually(
        lambda: confirmation_token(topology.inbox), 120, f"the confirmation mail (inbox: {topology.inbox.messages})"
    )
    assert learner.post("/api/auth/confirm", {"token": token}).is_success
    assert learner.post("/api/auth/signin", {"email": EMAIL, "password": PASSWORD}).is_success

    lesson = "/api/courses/python-basics/lessons/functions"
    assert "python-basics" in [course["id"] for course in learner.get("/api/courses")]
    opened = learner.post(f"{lesson}/environment")
    assert opened.status_code == 200, opened.text

    def running() -> dict[str, Any] | None:
        environment: dict[str, Any] = learner.get(f"{lesson}/environment")
        assert environment["status"] in {"starting", "running"}, environment
        return environment if environment["status"] == "running" else None

    environment = eventually(running, 180, "the lesson's environment running")
    assert environment["gateway_url"] == topology.gateway_url
    written = httpx.put(
        f"{topology.gateway_url}/environments/{environment['id']}/files",
        params={"path": "functions.py"},
        content=(LESSON / "solution" / "functions.py").read_bytes(),
        headers={"Authorization": f"Bearer {environment['token']}"},
        timeout=30,
    )
    assert written.status_code == 204, written.text

    queued = learner.post(f"{lesson}/checks")
    assert queued.status_code == 202, queued.text

    def finished() -> dict[str, Any] | None:
        check: dict[str, Any] = learner.get(f"/api/checks/{queued.json()['id']}")
        return check if check["status"] not in {"queued", "running"} else None

    check = eventually(finished, 180, "the check's result")
    assert check["status"] == "passed", check
    assert check["tests"], check
    assert {test["status"] for test in check["tests"]} == {"pass"}, check["tests"]

    def passed_in_activity() -> list[str] | None:
        answer = learner.client.get("/api/activity")
        if answer.status_code == 503:  # Chronicles answered the web tier too slowly this once: the page says so
            return None
        assert answer.status_code == 200, f"/api/activity: {answer.status_code} {answer.text}"
        actions = [entry["action"] for entry in answer.json()["entries"]]
        return actions if "check.passed" in actions else None

    eventually(passed_in_activity, 120, "check.passed in the learner's activity (worker → Kafka → Chronicles)")


def test_a_worker_that_dies_is_started_again_and_the_mail_goes_out(topology: Topology, learner: Learner) -> None:
    """The worker's process is killed (as a crash, or its own exit on a lost database, would end it): the restart
    policy starts it again, and a sign-up's confirmation mail, a job of the worker's, arrives."""
    container = f"{topology.env['PRACTICA_DEPLOY_PROJECT']}_worker_1"
    killed = int(podman("inspect", "--format", "{{.State.Pid}}", container).stdout)
    os.kill(killed, signal.SIGKILL)

    def started_again() -> str | None:
        state = podman("inspect", "--format", "{{.State.Running}} {{.State.Pid}} {{.RestartCount}}", container)
        running, pid, restarts = state.stdout.split()
        return state.stdout if running == "true" and int(pid) != killed and int(restarts) > 0 else None

    eventually(started_again, 60, f"{container} running again after its process was killed")
    email = "grace@example.org"
    assert learner.post("/api/auth/signup", {"email": email, "password": PASSWORD, "display_name": "Grace"}).is_success
    eventually(lambda: confirmation_token(topology.inbox, email), 120, f"{email}'s confirmation mail")


def test_prometheus_scrapes_every_service_with_the_alert_rules(topology: Topology) -> None:
    def all_up() -> list[dict[str, Any]] | None:
        answer = httpx.get(f"{topology.prometheus_url}/api/v1/targets", timeout=10).json()
        targets: list[dict[str, Any]] = answer["data"]["activeTargets"]
        return targets if targets and all(target["health"] == "up" for target in targets) else None

    targets = eventually(all_up, 90, "every scrape target up")
    jobs = sorted(target["labels"]["job"] for target in targets)
    assert jobs == ["chronicles", "gateway", "prometheus", "web", "web"]
    rules = httpx.get(f"{topology.prometheus_url}/api/v1/rules", timeout=10).json()["data"]["groups"]
    assert sorted(rule["name"] for group in rules for rule in group["rules"]) == sorted(alert_rules())


BALANCER_TIMEOUT_S = 60


class Traffic(threading.Thread):
    """Requests ``path`` through the balancer without pause, counting failures and the versions seen."""

    def __init__(self, url: str, path: str = "/api/system") -> None:
        super().__init__(daemon=True)
        self.url = url
        self.path = path
        self.stop = threading.Event()
        self.failures: list[str] = []
        self.versions: dict[str, int] = {}

    def run(self) -> None:
        # The balancer's own limits decide what fails (deploy/haproxy.cfg: `timeout server 60s`, then a 504 counted
        # below); a slow answer on a loaded machine is not a failed request. Speed is the benches' business.
        with httpx.Client(base_url=self.url, timeout=BALANCER_TIMEOUT_S + 5) as client:
            while not self.stop.is_set():
                try:
                    answer = client.get(self.path)
                except httpx.HTTPError as error:
                    self.failures.append(repr(error))
                    continue
                if answer.status_code != 200:
                    self.failures.append(f"{answer.status_code} {answer.text[:200]}")
                    continue
                version = str(answer.json().get("version"))
                self.versions[version] = self.versions.get(version, 0) + 1


def versions_answering(url: str, count: int = 10) -> set[str]:
    with httpx.Client(base_url=url, timeout=10) as client:
        return {client.get("/api/system").json()["version"] for _ in range(count)}


# What deploy/deploy.sh replaces, and the image each runs.
SERVICES = {
    "web1": "web", "web2": "web", "worker": "worker", "gateway-standby": "gateway", "gateway": "gateway",
    "chronicles": "chronicles", "chronicles-consumer": "chronicles", "chronicles-worker": "chronicles",
}  # fmt: skip


def image_tags(env: dict[str, str]) -> dict[str, str]:
    """The tag of the image each replaced service's container runs now."""
    tags = {}
    for service in SERVICES:
        inspected = podman("inspect", "--format", "{{.ImageName}}", f"{env['PRACTICA_DEPLOY_PROJECT']}_{service}_1")
        tags[service] = inspected.stdout.strip().rpartition(":")[2] if inspected.returncode == 0 else "(none)"
    return tags


def every_service_on(version: str) -> dict[str, str]:
    return dict.fromkeys(SERVICES, version)


def tag_images(version: str, tag: str, context: Path, *, broken: str | None = None) -> None:
    """Images ``tag`` of every replaced service, made of ``version``'s: PRACTICA_VERSION says ``tag``; the image
    named ``broken`` never answers (its process sleeps)."""
    for image in sorted(set(SERVICES.values())):
        lines = [f"FROM localhost/practica/{image}:{version}", f"ENV PRACTICA_VERSION={tag}"]
        if image == broken:
            lines.append('CMD ["sleep", "infinity"]')
        (context / "Containerfile").write_text("\n".join(lines) + "\n")
        made = podman("build", "--quiet", "--tag", f"localhost/practica/{image}:{tag}", str(context))
        assert made.returncode == 0, made.stderr


def titles(receiver: Receiver) -> list[str]:
    return [str(body["text"]).splitlines()[0] for body in receiver.bodies]


def test_a_rolling_deploy_of_every_service_to_the_next_version_and_back_fails_no_request(
    topology: Topology, tmp_path: Path
) -> None:
    """N → N+1 → N, one container at a time, under steady traffic to web and the gateway: not one request
    fails, and each service runs the version deployed; the operations webhook hears each deploy."""
    following = f"{topology.version}-next"
    tag_images(topology.version, following, tmp_path)
    web, gateway = Traffic(topology.url), Traffic(topology.gateway_url, "/ping")
    web.start()
    gateway.start()
    try:
        with webhook_receiver() as receiver:
            env = {**topology.env, "PRACTICA_OPS_WEBHOOK_URL": receiver.url}
            forward = deploy("deploy.sh", env, following)
            assert forward.returncode == 0, forward.stdout + forward.stderr
            assert image_tags(env) == every_service_on(following)
            assert versions_answering(topology.url) == {following}
            back = deploy("deploy.sh", env, topology.version)
            assert back.returncode == 0, back.stdout + back.stderr
            assert image_tags(env) == every_service_on(topology.version)
            assert versions_answering(topology.url) == {topology.version}
        assert titles(receiver) == [
            f"*Deploy of {following} started*", f"*Deploy of {following} finished*",
            f"*Deploy of {topology.version} started*", f"*Deploy of {topology.version} finished*",
        ]  # fmt: skip
    finally:
        web.stop.set()
        gateway.stop.set()
        web.join()
        gateway.join()
        for image in set(SERVICES.values()):
            podman("rmi", f"localhost/practica/{image}:{following}")
    assert web.failures == []
    assert gateway.failures == []
    assert web.versions.get(following, 0) > 0
    assert web.versions.get(topology.version, 0) > 0
    kept = {
        path.name.split(".")[0]: path.read_text()
        for path in (Path(topology.env["PRACTICA_DEPLOY_DATA"]) / "logs").glob("*")
    }
    project = topology.env["PRACTICA_DEPLOY_PROJECT"]
    assert set(kept) == {f"{project}_{service}_1" for service in SERVICES}, "each replaced container's log is kept"
    assert "Uvicorn running" in kept[f"{project}_web1_1"]


def test_a_deploy_whose_gateway_never_answers_is_rolled_back_without_a_failed_request(
    topology: Topology, tmp_path: Path
) -> None:
    """The web replicas and the worker move first; the gateway's standby then never answers /ping: each of
    them gets its previous image back, the script exits non-zero naming the service, and the webhook hears it."""
    broken = f"{topology.version}-broken"
    tag_images(topology.version, broken, tmp_path, broken="gateway")
    traffic = Traffic(topology.url)
    traffic.start()
    try:
        with webhook_receiver() as receiver:
            env = {**topology.env, "PRACTICA_OPS_WEBHOOK_URL": receiver.url, "PRACTICA_DEPLOY_READY_TIMEOUT": "20"}
            failed = deploy("deploy.sh", env, broken)
            assert failed.returncode == 1, failed.stdout + failed.stderr
            assert "FAILED: gateway-standby was not ready" in failed.stderr
            assert "rolled back" in failed.stderr
            assert image_tags(env) == every_service_on(topology.version)
            assert versions_answering(topology.url) == {topology.version}
        assert titles(receiver) == [
            f"*Deploy of {broken} started*",
            f"*Deploy of {broken} failed*",
            f"*Deploy of {broken} rolled back*",
        ]
        assert "gateway-standby was not ready" in receiver.bodies[1]["text"]
    finally:
        traffic.stop.set()
        traffic.join()
        for image in set(SERVICES.values()):  # --force: the failed deploy's `practica prepare` container used it
            podman("rmi", "--force", f"localhost/practica/{image}:{broken}")
    assert traffic.failures == []
    assert traffic.versions.get(broken, 0) > 0, "the web replicas ran the new version before the rollback"
