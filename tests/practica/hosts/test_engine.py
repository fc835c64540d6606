"""Reaching an eval host's engine: over TLS both ways, refused with the reason when a certificate is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from practica.hosts.engine import EngineError, engine_address, probe
from tests.eval_hosts import Certificates, EvalHostLab, new_certificates


def test_an_engine_answers_with_the_right_certificates(two_hosts: tuple[EvalHostLab, ...], client_certs: Path) -> None:
    facts = probe(two_hosts[0].url, client_certs)

    assert facts.engine.startswith("podman ")
    assert facts.seccomp, "podman filters system calls"
    assert facts.memory > 0
    assert facts.cpus > 0


def test_a_client_certificate_from_another_ca_is_refused_by_the_engine(
    two_hosts: tuple[EvalHostLab, ...], certificates: Certificates, tmp_path: Path
) -> None:
    stranger = certificates.client_dir(tmp_path / "stranger", signed_by=new_certificates().ca)

    with pytest.raises(EngineError, match=r"did not accept the client certificate .*stranger/cert.pem"):
        probe(two_hosts[0].url, stranger)


def test_an_engine_whose_certificate_this_ca_did_not_sign_is_refused_by_the_client(
    two_hosts: tuple[EvalHostLab, ...], tmp_path: Path
) -> None:
    impostor_ca = new_certificates().client_dir(tmp_path / "other")

    with pytest.raises(EngineError, match=r"certificate is not signed by .*other/ca.pem"):
        probe(two_hosts[0].url, impostor_ca)


def test_the_engine_answers_nobody_without_a_client_certificate(
    two_hosts: tuple[EvalHostLab, ...], client_certs: Path
) -> None:
    host = two_hosts[0]

    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"https://{host.address}:2376/_ping", verify=str(client_certs / "ca.pem"), timeout=10)


def test_a_silent_host_is_named_with_why(two_hosts: tuple[EvalHostLab, ...], client_certs: Path) -> None:
    host = two_hosts[1]
    host.go_silent()

    with pytest.raises(EngineError, match=f"{host.url}: no engine answers: .*refused"):
        probe(host.url, client_certs)


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://10.0.0.1:2376", "tcp://HOST:PORT over TLS or ssh://USER@HOST/ENGINE-SOCKET .got http scheme"),
        ("unix:///run/podman.sock", "got unix scheme"),
        ("10.0.0.1:2376", "got no scheme"),
        ("tcp://10.0.0.1", "expected tcp://HOST:PORT"),
        ("tcp://10.0.0.1:port", "the port is not a number"),
        ("tcp://10.0.0.1:2376/v1.41", "nothing after the port"),
    ],
)
def test_an_engine_url_is_tcp_host_and_port(url: str, complaint: str) -> None:
    with pytest.raises(EngineError, match=complaint):
        engine_address(url)


def test_tcp_urls_become_https() -> None:
    assert engine_address("tcp://eval-1.example:2376") == "https://eval-1.example:2376"


def test_a_certificate_directory_missing_a_file_is_named(tmp_path: Path, certificates: Certificates) -> None:
    partial = certificates.client_dir(tmp_path / "partial")
    (partial / "key.pem").unlink()

    with pytest.raises(EngineError, match=r"partial: missing key.pem"):
        probe("tcp://127.0.0.1:9", partial)
