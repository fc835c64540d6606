"""``practica prepare``: a deployment's one-shot start, run as the compose topology runs it."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest

from practica.deploy.prepare import DatabaseNotReadyError, wait_for_database
from tests.conftest import free_port


def prepare(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "practica", "prepare", "--timeout", "5"],
        capture_output=True, text=True, env={**os.environ, **env}, check=False, timeout=300,
    )  # fmt: skip


def test_prepare_migrates_applies_the_rules_and_publishes_the_samples_once(
    practica_db_url: str, chronicles_db_url: str
) -> None:
    env = {"DATABASE_URL": practica_db_url, "CHRONICLES_DATABASE_URL": chronicles_db_url, "PRACTICA_ENV": "development"}
    first = prepare(env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Published the sample courses: " in first.stdout
    assert "tag rules applied" in first.stdout
    assert "/setup/" in first.stdout  # no admin yet: the one-time link
    with psycopg.connect(chronicles_db_url.replace("+psycopg", "")) as chronicles:
        rules = chronicles.execute("SELECT count(*) FROM tag_rules").fetchone()
    assert rules is not None
    assert rules[0] > 0

    again = prepare(env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Published the sample courses" not in again.stdout  # the catalogue is no longer empty


def test_a_database_that_never_answers_is_named_after_the_wait() -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/practica"
    with pytest.raises(DatabaseNotReadyError, match="did not answer within 0 s"):
        wait_for_database(url, timeout_s=0)
