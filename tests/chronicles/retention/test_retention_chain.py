"""Retention and the tamper-evidence chain: what retention removed is not called missing by ``chronicles verify``."""

from __future__ import annotations

from pathlib import Path

import psycopg

from tests.chronicles.retention.conftest import Chronicles

RECORDED_WHEN_THEY_OCCURRED = (
    "UPDATE entries SET recorded_at = occurred_at WHERE occurred_at < now() - interval '1 day'"
)


def test_verify_passes_after_retention_removed_sealed_entries(
    database: str, chronicles: Chronicles, tmp_path: Path
) -> None:
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(RECORDED_WHEN_THEY_OCCURRED)  # as if ingested on those days, so that the days can be sealed
    sealed = chronicles("seal")
    assert sealed.exit_code == 0, sealed.output
    assert chronicles("verify").exit_code == 0

    retained = chronicles("retention", "--app", "billing", "--older-than", "400d", "--out", str(tmp_path / "out"))
    assert retained.exit_code == 0, retained.output

    verified = chronicles("verify")
    assert verified.exit_code == 0, verified.output
    assert "MISSING" not in verified.output
    with psycopg.connect(database) as conn:  # the practica entries of the shared month are still checked
        kept = conn.execute("SELECT count(*) FROM entries WHERE app = 'practica'").fetchone()
    assert kept == (10,)
    assert "practica" in verified.output
