"""``practica up``: the whole system in one process group.

Starts (or joins) the embedded PostgreSQL unless database URLs are set,
migrates both products, then runs the job worker, the Practica web app and
Chronicles as child processes. Ctrl-C, SIGTERM or any child dying stops all
of them; the embedded server stops when its last user exits.

As root, the children run as the ``practica`` system user
(:mod:`practica.privileges`); only the sandbox controller, started first,
keeps root, and the gateway and the workers reach the bwrap runtime through
its socket.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx
import structlog
from rich.console import Console

from practica.db.migrate import MIGRATIONS
from practica.first_run import FirstRun, prepare, setup_message
from practica.privileges import SERVICE_USER, ServiceUserError, ensure_service_user, prepare_home, service_interpreter
from practica.sandbox.settings import SandboxSettings
from practica.settings import Environment, PracticaSettings
from servicekit.embedded import embedded_database_url

log = structlog.get_logger(__name__)
READY_TIMEOUT_S = 60.0
STOP_GRACE_S = 10.0
CHRONICLES_PORT = int(os.environ.get("CHRONICLES_PORT", "8001"))
PRACTICA_RULES = Path(__file__).resolve().parents[2] / "chronicles" / "practica-rules.yaml"


@dataclass
class Child:
    name: str
    argv: list[str]
    ping_url: str | None = None
    process: subprocess.Popen[bytes] | None = None
    privileged: bool = False  # keeps root when `practica up` runs as root (the sandbox controller only)


class Supervisor:
    def __init__(self, settings: PracticaSettings, console: Console, *, migrate: bool = True) -> None:
        self.settings = settings
        self.console = console
        self.migrate = migrate
        self.stopping = False
        self.first_run = FirstRun()
        python = [sys.executable, "-m"]
        host = settings.practica_host
        self.children = [
            Child("chronicles", [*python, "chronicles", "serve"], f"http://{host}:{CHRONICLES_PORT}/ping"),
            Child("chronicles-worker", [*python, "chronicles", "worker"]),
            Child("worker", [*python, "practica", "worker"]),
            Child("gateway", [*python, "practica", "gateway"]),
            Child("web", [*python, "practica", "web"], f"http://{host}:{settings.practica_port}/ping"),
        ]
        self.sandbox_off = sandbox_unavailable()
        if self.sandbox_off:
            self.children = [child for child in self.children if child.name != "gateway"]
        self.as_root = os.geteuid() == 0
        self.controller_socket = settings.practica_home / "run" / "sandbox.sock"
        if self.as_root and not self.sandbox_off and SandboxSettings().runtime == "bwrap":
            controller = [*python, "practica", "sandbox-controller", "--user", SERVICE_USER]
            argv = [*controller, "--socket", str(self.controller_socket)]
            self.children.insert(0, Child("sandbox-controller", argv, privileged=True))

    def run(self) -> int:
        if self.sandbox_off:
            self.console.print(f"[yellow]Learner environments are off: {self.sandbox_off}.[/]")
        env = self._child_environment()
        if self.migrate:
            self._migrate(env)
        self._prepare_first_run(env)
        try:
            self._drop_privileges(env)
        except ServiceUserError as error:
            self.console.print(f"[red]{error}[/]", highlight=False, soft_wrap=True)
            return 1
        signal.signal(signal.SIGINT, self._request_stop)
        signal.signal(signal.SIGTERM, self._request_stop)
        try:
            self._start_children(env)
            if not self._wait_until_ready():
                return 1
            self._print_urls()
            return self._watch()
        finally:
            self._stop_children()

    def _drop_privileges(self, env: dict[str, str]) -> None:
        """As root: the service user owns what it writes, and every child but the controller runs as it."""
        if not self.as_root:
            return
        user = ensure_service_user(self.settings.practica_home)
        prepare_home(self.settings.practica_home, user)
        env["HOME"] = str(self.settings.practica_home / "service")
        if any(child.privileged for child in self.children):
            env["PRACTICA_SANDBOX_CONTROLLER"] = str(self.controller_socket)
        python = service_interpreter(user, env, self.settings.practica_home)
        for child in self.children:
            child.argv = [python, *child.argv[1:]]  # every child was [sys.executable, "-m", …]
            if not child.privileged:
                child.argv = [*user.drop(), *child.argv]

    def _start_children(self, env: dict[str, str]) -> None:
        """The controller first: the gateway and the workers need its socket from their start."""
        for child in self.children:
            if child.privileged:
                self.controller_socket.unlink(missing_ok=True)  # a crashed run's, not the new controller's
            child.process = subprocess.Popen(child.argv, env=env)
            if child.privileged:
                self._wait_for_controller(child)

    def _wait_for_controller(self, child: Child) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        with self.console.status("Starting the sandbox controller…"):
            while not self.controller_socket.exists():
                if child.process is None or child.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("practica: the sandbox controller did not start (see its log above)")
                time.sleep(0.1)

    def _child_environment(self) -> dict[str, str]:
        """Children get explicit database URLs: only this process owns the embedded server.

        The server stops when its last registered user exits; registering
        only here keeps that bookkeeping to one process.
        """
        env = dict(os.environ)
        home = self.settings.practica_home
        env["PRACTICA_HOME"] = str(home)
        if self.settings.uses_embedded_database:
            with self.console.status("Starting the embedded PostgreSQL…"):
                env["DATABASE_URL"] = embedded_database_url(home, "practica")
        env.setdefault("CHRONICLES_URL", f"http://{self.settings.practica_host}:{CHRONICLES_PORT}")
        if not env.get("CHRONICLES_DATABASE_URL"):
            env["CHRONICLES_DATABASE_URL"] = embedded_database_url(home, "chronicles")
        return env

    def _migrate(self, env: dict[str, str]) -> None:
        with self.console.status("Migrating Practica…"):
            MIGRATIONS.upgrade(env["DATABASE_URL"])
        with self.console.status("Migrating Chronicles…"):
            subprocess.run([sys.executable, "-m", "chronicles", "migrate"], env=env, check=True)
        if PRACTICA_RULES.exists():  # Practica's activity views read the feeds these rules tag (idempotent)
            with self.console.status("Applying Practica's tag rules to Chronicles…"):
                apply = [sys.executable, "-m", "chronicles", "apply", str(PRACTICA_RULES)]
                subprocess.run(apply, env=env, check=True, stdout=subprocess.DEVNULL)

    def _prepare_first_run(self, env: dict[str, str]) -> None:
        """Sample courses on an empty catalogue, a setup link while no admin exists (:mod:`practica.first_run`)."""
        with self.console.status("Preparing the first run…"):
            self.first_run = prepare(self.settings, env["DATABASE_URL"])
        samples = self.first_run.samples
        if samples.published:
            published = ", ".join(samples.published)
            self.console.print(f"Published the sample courses: {published}", highlight=False, soft_wrap=True)
        for directory, reason in samples.skipped.items():
            self.console.print(
                f"[yellow]Sample course {directory} not published:[/] {reason}", highlight=False, soft_wrap=True
            )
        if self.first_run.setup_token is not None:
            log.info("setup link issued (no admin yet)", path=f"/setup/{self.first_run.setup_token}")

    def _wait_until_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_S
        pending = [child for child in self.children if child.ping_url]
        with self.console.status("Waiting for the services…"):
            while pending and not self.stopping:
                if (dead := self._dead_child()) is not None:
                    self.console.print(f"[red]{dead.name} exited during start-up[/]")
                    return False
                pending = [child for child in pending if not _answers(child.ping_url)]
                if time.monotonic() > deadline:
                    self.console.print(
                        f"[red]not ready after {READY_TIMEOUT_S:.0f} s: {', '.join(c.name for c in pending)}[/]"
                    )
                    return False
                time.sleep(0.2)
        return not self.stopping

    def _print_urls(self) -> None:
        host = self.settings.practica_host
        self.console.print(
            f"\n[bold green]Practica is running.[/]\n"
            f"  Practica    http://{host}:{self.settings.practica_port}\n"
            f"  Chronicles  http://{host}:{CHRONICLES_PORT}  (GraphQL at /graphql)\n"
            f"  Gateway     {'off (' + self.sandbox_off + ')' if self.sandbox_off else _gateway_url()}\n"
            f"  Data        {self.settings.practica_home}\n"
            f"{self._mail_line()}"
            f"{self._setup_lines()}"
            "Press Ctrl-C to stop.\n",
            highlight=False,
            soft_wrap=True,  # a wrapped setup link would not open
        )

    def _setup_lines(self) -> str:
        token = self.first_run.setup_token
        return "" if token is None else setup_message(self.settings, token)

    def _mail_line(self) -> str:
        """Where mail goes without an SMTP server: the first sign-up's confirmation link is read there."""
        if self.settings.practica_smtp_url.get_secret_value():
            return ""
        if self.settings.practica_env is not Environment.DEVELOPMENT:
            return "  Mail        not sent: PRACTICA_SMTP_URL is unset\n"
        return (
            "  Mail        printed in this log (mail.dev); admins also read it at "
            f"http://{self.settings.practica_host}:{self.settings.practica_port}/dev/mail\n"
        )

    def _watch(self) -> int:
        while not self.stopping:
            if (dead := self._dead_child()) is not None:
                code = dead.process.returncode if dead.process else None
                self.console.print(f"[red]{dead.name} stopped unexpectedly (exit {code}); stopping everything[/]")
                return 1
            time.sleep(0.3)
        return 0

    def _dead_child(self) -> Child | None:
        for child in self.children:
            if child.process is not None and child.process.poll() is not None:
                return child
        return None

    def _request_stop(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def _stop_children(self) -> None:
        """The controller last: its environments end with it, after the services that use them."""
        self._stop([c for c in self.children if not c.privileged])
        self._stop([c for c in self.children if c.privileged])
        self.console.print("Stopped.")

    def _stop(self, children: list[Child]) -> None:
        running = [c.process for c in children if c.process is not None and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def sandbox_unavailable() -> str:
    """Why this host cannot run environments, or "" when it can (the gateway is then started)."""
    if SandboxSettings().runtime != "bwrap":
        return ""
    if os.geteuid() != 0:
        return "the bwrap runtime needs root (cgroups, loop mounts, per-environment uids)"
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (apt-get install bubblewrap)"
    return ""


def _gateway_url() -> str:
    return SandboxSettings().gateway_url


def _answers(url: str | None) -> bool:
    if url is None:
        return True
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False
