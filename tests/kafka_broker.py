"""A real single-node Apache Kafka broker (KRaft, broker and controller in one JVM) on loopback.

The jars come from ``make kafka-deps`` (``kafka/pom.xml`` resolved into
``.kafka/lib``). :meth:`KafkaBroker.start` writes ``server.properties`` into
a directory of its own, formats the storage with a fresh cluster id, starts
``kafka.Kafka`` on two free ports and waits until the broker answers a
metadata request. Used by the Kafka tests (one broker per test session) and
by ``bench/chronicles_ingest.py``; it imports nothing from the test suite so
that the benchmark can use it too.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]  # the stubs omit this re-export

ROOT = Path(__file__).resolve().parent.parent
KAFKA_LIB = ROOT / ".kafka" / "lib"
JVM_OPTIONS = ["-Xms128m", "-Xmx512m", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true"]

# Small, single-node settings: every internal topic has one partition and one
# replica, a new group starts at once, and clients may ask for short sessions.
SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{controller_port}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={data}
num.partitions=1
num.network.threads=2
num.io.threads=2
background.threads=2
offsets.topic.num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
auto.create.topics.enable=true
"""

LOG4J2_PROPERTIES = """\
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = out
logger.kafka.name = kafka.server.KafkaRaftServer
logger.kafka.level = INFO
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
"""


class BrokerError(RuntimeError):
    """The broker could not be started; the message ends with the tail of its log."""


def missing_tools() -> list[str]:
    """What is missing to run the broker (empty when it can run)."""
    missing = [tool for tool in ("java",) if shutil.which(tool) is None]
    if not any(KAFKA_LIB.glob("kafka_2.13-*.jar")):
        missing.append("the jars in .kafka/lib")
    return missing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class KafkaBroker:
    directory: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @classmethod
    def start(cls, directory: Path, timeout: float = 60.0) -> KafkaBroker:
        """Format storage in ``directory`` and start a broker there; wait until it answers."""
        directory.mkdir(parents=True, exist_ok=True)
        port, controller_port = free_port(), free_port()
        config = directory / "server.properties"
        config.write_text(SERVER_PROPERTIES.format(port=port, controller_port=controller_port, data=directory / "data"))
        (directory / "log4j2.properties").write_text(LOG4J2_PROPERTIES)
        _java(directory, "kafka.tools.StorageTool", "format", "-t", _cluster_id(), "-c", str(config))
        log = (directory / "broker.log").open("ab")
        process = subprocess.Popen(
            [*_die_with_parent(), *_java_command(directory), "kafka.Kafka", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        broker = cls(directory, port, process)
        try:
            broker.wait_ready(timeout)
        except BaseException:
            broker.stop()
            raise
        return broker

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrokerError(f"the Kafka broker exited with {self.process.returncode}\n{self.log_tail()}")
            if _answers(self.bootstrap):
                return
            time.sleep(0.2)
        raise BrokerError(f"the Kafka broker did not answer within {timeout:.0f} s\n{self.log_tail()}")

    def create_topic(self, name: str, partitions: int = 1) -> None:
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        futures = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
        futures[name].result(timeout=30)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM (a controlled shutdown), then SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        path = self.directory / "broker.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _cluster_id(random_bytes: Callable[[int], bytes] = os.urandom) -> str:
    """A random cluster id in Kafka's form (16 bytes, URL-safe base64, unpadded).

    One id in 64 would start with ``-``, which ``kafka-storage format -t`` reads as an option
    and fails on; Kafka's own ``Uuid.randomUuid`` draws again in that case, and so do we.
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(random_bytes(16)).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _die_with_parent() -> list[str]:
    """A prefix that makes the broker get SIGTERM if the process that started it dies (even by SIGKILL).

    ``setpriv`` (util-linux, always on Debian) sets the parent-death signal
    and execs the JVM. The signal follows the *thread* that started it:
    start brokers from a thread that lives as long as the broker.
    """
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []


def _java_command(directory: Path) -> list[str]:
    return [
        "java",
        *JVM_OPTIONS,
        f"-Dlog4j2.configurationFile={directory / 'log4j2.properties'}",
        "-cp",
        f"{KAFKA_LIB}/*",
    ]


def _java(directory: Path, main_class: str, *arguments: str) -> None:
    result = subprocess.run([*_java_command(directory), main_class, *arguments], capture_output=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).decode(errors="replace")[-3000:]
        raise BrokerError(f"{main_class} {' '.join(arguments[:1])} failed ({result.returncode}):\n{output}")


def _answers(bootstrap: str) -> bool:
    """Whether the broker accepts connections and returns metadata naming itself."""
    host, port = bootstrap.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            pass
    except OSError:
        return False
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 0})
    try:
        return bool(admin.list_topics(timeout=2).brokers)
    except KafkaException:
        return False


_shared: KafkaBroker | None = None


def shared_broker(directory: Path) -> KafkaBroker:
    """One broker per process, however many fixtures (in different test packages) ask for it."""
    global _shared
    if _shared is None or _shared.process.poll() is not None:
        _shared = KafkaBroker.start(directory)
    return _shared


def stop_shared_broker() -> None:
    if _shared is not None:
        _shared.stop()
