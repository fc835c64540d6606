"""``practica hosts …`` as an operator runs it, against real eval hosts and a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from practica.hosts.engine import engine_client
from practica.sandbox.docker_runtime import ENVIRONMENT_LABEL
from tests.eval_hosts import Certificates, EvalHostLab, new_certificates


def hosts(database: str, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "practica", "hosts", *argv], capture_output=True, text=True, env=env, timeout=120
    )


def _environments_on(lab: EvalHostLab, cert_dir: Path) -> list[str]:
    client = engine_client(lab.url, cert_dir)
    try:
        return [container.name for container in client.containers.list(all=True, filters={"label": ENVIRONMENT_LABEL})]
    finally:
        client.close()


def test_an_operator_adds_lists_drains_and_removes_eval_hosts(
    practica_db_url: str, two_hosts: tuple[EvalHostLab, ...], client_certs: Path
) -> None:
    first, second = two_hosts
    added = hosts(
        practica_db_url, "add", "eval-a", first.url, "--cert-dir", str(client_certs), "--capacity-memory", "16g"
    )
    assert added.returncode == 0, added.stderr
    assert "added eval-a (podman 4" in added.stdout
    assert "16.0 GiB for environments, 200 at most" in added.stdout
    assert "trial environment made, used and removed in" in added.stdout
    assert _environments_on(first, client_certs) == []  # the trial's is gone
    added = hosts(
        practica_db_url, "add", "eval-b", second.url, "--cert-dir", str(client_certs), "--capacity-count", "7",
        "--no-trial",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "trial" not in added.stdout

    listed = hosts(practica_db_url, "list")
    assert listed.returncode == 0, listed.stderr
    rows = {line.split("│")[1].strip(): line for line in listed.stdout.splitlines() if "eval-" in line}
    assert "active" in rows["eval-a"]
    assert "0.0 / 16.0" in rows["eval-a"]
    assert "0 / 200" in rows["eval-a"]
    assert "0 / 7" in rows["eval-b"]
    assert second.url in rows["eval-b"]

    drained = hosts(practica_db_url, "drain", "eval-a")
    assert (drained.returncode, drained.stdout.strip()) == (0, "eval-a is draining")
    assert "draining" in hosts(practica_db_url, "list").stdout
    undone = hosts(practica_db_url, "drain", "eval-a", "--undo")
    assert undone.stdout.strip() == "eval-a is active"

    removed = hosts(practica_db_url, "remove", "eval-b")
    assert (removed.returncode, removed.stdout.strip()) == (0, "removed eval-b")
    assert "eval-b" not in hosts(practica_db_url, "list").stdout


def test_a_host_refusing_the_certificates_is_not_added_and_the_reason_is_told(
    practica_db_url: str, two_hosts: tuple[EvalHostLab, ...], certificates: Certificates, tmp_path: Path
) -> None:
    stranger = certificates.client_dir(tmp_path / "stranger", signed_by=new_certificates().ca)

    refused = hosts(practica_db_url, "add", "eval-a", two_hosts[0].url, "--cert-dir", str(stranger))

    assert refused.returncode == 1
    assert refused.stderr.startswith("practica: eval-a not added: ")
    assert "did not accept the client certificate" in refused.stderr
    assert "no eval hosts" in hosts(practica_db_url, "list").stdout


def test_bad_arguments_are_named_and_nothing_is_stored(practica_db_url: str, client_certs: Path) -> None:
    bad_name = hosts(practica_db_url, "add", "Eval_A", "tcp://10.0.0.1:2376", "--cert-dir", str(client_certs))
    assert bad_name.returncode == 1
    assert "host name 'Eval_A'" in bad_name.stderr

    bad_size = hosts(
        practica_db_url,
        "add",
        "eval-a",
        "tcp://10.0.0.1:2376",
        "--cert-dir",
        str(client_certs),
        "--capacity-memory",
        "lots",
    )
    assert bad_size.returncode == 2
    assert "--capacity-memory" in bad_size.stderr
    assert "'lots' is not a size" in bad_size.stderr

    bad_url = hosts(practica_db_url, "add", "eval-a", "http://10.0.0.1:2376", "--cert-dir", str(client_certs))
    assert bad_url.returncode == 1
    assert "tcp://HOST:PORT over TLS" in bad_url.stderr

    unknown = hosts(practica_db_url, "drain", "nowhere")
    assert unknown.returncode == 1
    assert "no eval host named 'nowhere'" in unknown.stderr
    assert "no eval hosts" in hosts(practica_db_url, "list").stdout
