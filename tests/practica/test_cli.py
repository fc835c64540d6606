"""The ``practica`` and ``chronicles`` commands, run as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *argv], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60
    )


@pytest.mark.parametrize(
    ("product", "variable"), [("practica", "DATABASE_URL"), ("chronicles", "CHRONICLES_DATABASE_URL")]
)
def test_config_with_a_bad_database_url_exits_2_with_one_line(product: str, variable: str) -> None:
    result = run(product, "config", env={variable: "nonsense"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{product}: configuration error: {variable}: ")


def test_config_prints_resolved_settings_without_secrets(tmp_path: Path) -> None:
    result = run(
        "practica",
        "config",
        env={
            "PRACTICA_HOME": str(tmp_path),
            "PRACTICA_SECRET_KEY": "s3cret-value",
            "DATABASE_URL": "postgresql://u:pw@h/d",
        },
    )
    assert result.returncode == 0, result.stderr
    assert str(tmp_path) in result.stdout
    assert "s3cret-value" not in result.stdout
    assert "pw@" not in result.stdout
    assert "PRACTICA_PORT" in result.stdout
