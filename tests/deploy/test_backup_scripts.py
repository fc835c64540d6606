"""deploy/backup.sh and deploy/restore.sh against the topology's own PostgreSQL container (the compose
`postgres` service alone, under a project of the test's own).

The images are those of `make images` (built here when missing); `PRACTICA_TEST_IMAGE_TAG` names images
already built, to spare the build when only these scripts changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.deploy.images import ROOT, build_images, engine_env, missing_tools, podman

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
COMPOSE = ROOT / "deploy" / "compose.yaml"
SECRETS = ("PRACTICA_SECRET_KEY", "PRACTICA_GATEWAY_KEY", "CHRONICLES_PRODUCER_KEY", "CHRONICLES_SIGNING_KEY")


@dataclass(frozen=True)
class Deployment:
    env: dict[str, str]
    container: str
    backups: Path

    def script(self, name: str, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(ROOT / "deploy" / name), *arguments],
            capture_output=True, text=True, env=self.env, check=False, timeout=300,
        )  # fmt: skip

    def sql(self, database: str, statement: str) -> str:
        result = podman(
            "exec", self.container, "psql", "-h", "/tmp", "-U", "postgres", "-d", database,
            "-v", "ON_ERROR_STOP=1", "-XAtqc", statement,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def backup(self) -> Path:
        made = self.script("backup.sh")
        assert made.returncode == 0, made.stdout + made.stderr
        return max(self.backups.iterdir())


def _wait_for_databases(container: str) -> None:
    """Until the first start's initdb is over and the server answers on both databases."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        started = "initialised" in podman("logs", container).stdout
        probe = podman("exec", container, "psql", "-h", "/tmp", "-U", "postgres", "-d", "chronicles", "-c", "SELECT 1")
        if started and probe.returncode == 0:
            return
        time.sleep(1)
    pytest.fail(f"{container} did not start: {podman('logs', container).stdout[-2000:]}")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    require_tool(not missing_tools(), f"podman, podman-compose, debootstrap and curl (missing: {missing_tools()})")
    tag = os.environ.get("PRACTICA_TEST_IMAGE_TAG") or build_images()
    project = f"practica-backup-{uuid.uuid4().hex[:8]}"
    data = tmp_path_factory.mktemp("deploy")
    env = {
        **engine_env(),
        "PRACTICA_DEPLOY_PROJECT": project,
        "PRACTICA_DEPLOY_DATA": str(data),
        "PRACTICA_IMAGE_TAG": tag,
        "POSTGRES_PASSWORD": uuid.uuid4().hex,
        **{name: uuid.uuid4().hex * 2 for name in SECRETS},
    }
    compose = ["podman-compose", "-p", project, "-f", str(COMPOSE)]
    try:
        started = subprocess.run(
            [*compose, "up", "-d", "postgres"], capture_output=True, text=True, env=env, check=False
        )
        assert started.returncode == 0, started.stdout + started.stderr
        container = f"{project}_postgres_1"
        _wait_for_databases(container)
        yield Deployment(env, container, data / "backups")
    finally:
        subprocess.run([*compose, "down", "--volumes"], capture_output=True, env=env, check=False)
        podman("network", "rm", "-f", f"{project}_default")


@pytest.fixture
def seeded(deployment: Deployment) -> Deployment:
    """Schema revisions this code knows and a row in each database, as `practica prepare` would leave them."""
    for database, revision in (("practica", "0014"), ("chronicles", "0004")):
        deployment.sql(database, f"DROP TABLE IF EXISTS {database}_alembic_version, notes")
        deployment.sql(database, f"CREATE TABLE {database}_alembic_version (version_num text PRIMARY KEY)")
        deployment.sql(database, f"INSERT INTO {database}_alembic_version VALUES ('{revision}')")  # noqa: S608
        deployment.sql(database, "CREATE TABLE notes (body text)")
        deployment.sql(database, f"INSERT INTO notes VALUES ('{database} before')")  # noqa: S608
    for backup in deployment.backups.glob("*") if deployment.backups.exists() else []:
        subprocess.run(["rm", "-rf", str(backup)], check=True)
    return deployment


def change_data(deployment: Deployment) -> None:
    for database in ("practica", "chronicles"):
        deployment.sql(database, f"UPDATE notes SET body = '{database} after'")  # noqa: S608


def notes(deployment: Deployment) -> list[str]:
    return [deployment.sql(database, "SELECT body FROM notes") for database in ("practica", "chronicles")]


def test_backup_writes_the_manifest_of_practica_backup_create(seeded: Deployment) -> None:
    backup = seeded.backup()

    manifest = json.loads((backup / "manifest.json").read_text())

    label = '{{index .Config.Labels "org.opencontainers.image.version"}}'
    web = f"localhost/practica/web:{seeded.env['PRACTICA_IMAGE_TAG']}"
    assert manifest["app_version"] == podman("image", "inspect", web, "--format", label).stdout.strip()
    assert manifest["postgres_version"].startswith("15.")
    assert manifest["workspaces"] == "not included"
    assert [(d["file"], d["revisions"]) for d in manifest["dumps"]] == [
        ("practica.dump", {"practica": "0014"}),
        ("chronicles.dump", {"chronicles": "0004"}),
    ]
    for dump in manifest["dumps"]:
        content = (backup / dump["file"]).read_bytes()
        assert content.startswith(b"PGDMP")
        assert dump["size"] == len(content)
        assert dump["sha256"] == hashlib.sha256(content).hexdigest()
    checked = subprocess.run(
        [sys.executable, "-m", "practica", "backup", "verify", str(backup)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr


def test_restore_brings_back_the_data_of_the_backup(seeded: Deployment) -> None:
    backup = seeded.backup()
    change_data(seeded)

    restored = seeded.script("restore.sh", "--yes", "--no-start", str(backup))

    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert notes(seeded) == ["practica before", "chronicles before"]
    assert seeded.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE '%restor%'") == "0"


def test_a_tampered_dump_is_refused_and_nothing_changes(seeded: Deployment) -> None:
    backup = seeded.backup()
    change_data(seeded)
    dump = backup / "chronicles.dump"
    content = bytearray(dump.read_bytes())
    content[len(content) // 2] ^= 0xFF
    dump.write_bytes(bytes(content))

    restored = seeded.script("restore.sh", "--yes", "--no-start", str(backup))

    assert restored.returncode == 1
    assert "sha256 does not match" in restored.stderr
    assert notes(seeded) == ["practica after", "chronicles after"]


def test_a_backup_of_a_newer_schema_is_refused(seeded: Deployment) -> None:
    seeded.sql("practica", "UPDATE practica_alembic_version SET version_num = '0099'")
    backup = seeded.backup()
    change_data(seeded)

    restored = seeded.script("restore.sh", "--yes", "--no-start", str(backup))

    assert restored.returncode == 1
    assert "practica schema is at revision 0099" in restored.stderr
    assert notes(seeded) == ["practica after", "chronicles after"]


def test_a_restore_failing_halfway_leaves_the_current_data(seeded: Deployment) -> None:
    backup = seeded.backup()
    change_data(seeded)
    dump = backup / "chronicles.dump"
    cut = dump.read_bytes()[: dump.stat().st_size // 2]
    dump.write_bytes(cut)
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["dumps"][1].update(size=len(cut), sha256=hashlib.sha256(cut).hexdigest())
    (backup / "manifest.json").write_text(json.dumps(manifest))

    restored = seeded.script("restore.sh", "--yes", "--no-start", str(backup))

    assert restored.returncode == 1
    assert "current databases are unchanged" in restored.stderr
    assert notes(seeded) == ["practica after", "chronicles after"]
    assert seeded.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE '%restor%'") == "0"


RECOVERED = "/tmp/recovered"
RECOVERY_SETTINGS = """
restore_command = 'cp /var/lib/postgresql/data/wal-archive/%f %p'
recovery_target_time = '{target}'
recovery_target_action = 'promote'
archive_mode = off
"""


def wait_until_archived(deployment: Deployment, segment: str) -> None:
    deadline = time.monotonic() + 180
    while deployment.sql("postgres", "SELECT last_archived_wal FROM pg_stat_archiver") < segment:
        assert time.monotonic() < deadline, f"WAL segment {segment} was not archived"
        time.sleep(1)


def recover(deployment: Deployment, base: Path, target: str) -> subprocess.CompletedProcess[str]:
    """README's recovery steps, into a directory of the container beside the live server (port 5433)."""
    unpack = f"rm -rf {RECOVERED} && mkdir -m 700 {RECOVERED} && tar xzf - -C {RECOVERED}"
    with base.open("rb") as archive:
        subprocess.run(["podman", "exec", "-i", deployment.container, "sh", "-c", unpack], stdin=archive, check=True)
    settings = RECOVERY_SETTINGS.format(target=target)
    configure = f"cat >>{RECOVERED}/postgresql.auto.conf && touch {RECOVERED}/recovery.signal && mkdir -p /tmp/r"
    subprocess.run(
        ["podman", "exec", "-i", deployment.container, "sh", "-c", configure], input=settings, text=True, check=True
    )
    options = "-p 5433 -k /tmp/r -c listen_addresses='' -c max_connections=200"
    return podman(
        "exec", deployment.container, "/usr/lib/postgresql/15/bin/pg_ctl", "-D", RECOVERED, "-o", options,
        "-l", "/tmp/recovered.log", "-w", "start",
    )  # fmt: skip


def test_point_in_time_recovery_from_a_base_backup_and_the_archived_wal(seeded: Deployment) -> None:
    refused = seeded.script("basebackup.sh")
    assert refused.returncode == 1
    assert "--enable-archiving" in refused.stderr
    made = seeded.script("basebackup.sh", "--enable-archiving")
    assert made.returncode == 0, made.stdout + made.stderr
    (base,) = seeded.backups.glob("base-*.tar.gz")
    checked = subprocess.run(["sha256sum", "-c", f"{base.name}.sha256"], cwd=base.parent, check=False)
    assert checked.returncode == 0
    seeded.sql("practica", "INSERT INTO notes VALUES ('after the base backup')")
    target = seeded.sql("practica", "SELECT now()")
    seeded.sql("practica", "INSERT INTO notes VALUES ('after the moment recovered to')")
    wait_until_archived(seeded, seeded.sql("postgres", "SELECT pg_walfile_name(pg_switch_wal())"))

    started = recover(seeded, base, target)
    try:
        assert started.returncode == 0, (
            started.stderr + podman("exec", seeded.container, "cat", "/tmp/recovered.log").stdout
        )
        recovered = podman(
            "exec", seeded.container, "psql", "-h", "/tmp/r", "-p", "5433", "-U", "postgres", "-d", "practica",
            "-XAtc", "SELECT body FROM notes ORDER BY body",
        )  # fmt: skip
    finally:
        podman("exec", seeded.container, "/usr/lib/postgresql/15/bin/pg_ctl", "-D", RECOVERED, "-m", "fast", "stop")
        podman("exec", seeded.container, "rm", "-rf", RECOVERED)
    assert recovered.stdout.splitlines() == ["after the base backup", "practica before"]
