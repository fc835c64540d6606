"""``chronicles retention`` killed mid-export or mid-delete, then run again: every old entry exported exactly
once, nothing deleted before it was exported, nothing else touched."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.chronicles.retention.conftest import Batch, Chronicles, old_database, snapshot
from tests.chronicles.retention.test_retention import RETAIN, exported, old

LARGE = [
    Batch("billing", "2024-01-01T00:00:00Z", 20_000),  # its own month, dropped whole
    Batch("billing", "2024-02-01T00:00:00Z", 6_000),  # shared with practica: deleted one entry per batch
    Batch("practica", "2024-02-01T00:00:30Z", 500),
    Batch("billing", "now", 3),
]
# When to kill: a data file still under its temporary name; the shared month's manifest (its deletes begin).
TRIGGERS = {"mid-export": "*.ndjson.gz.tmp", "mid-delete": "2024-02.manifest.json"}
PATIENCE = 300.0


def kill_when(process: subprocess.Popen[bytes], directory: Path, pattern: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not any(directory.glob(f"*/{pattern}")):
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, f"no {pattern} in {PATIENCE} s"
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait()
    if process.stderr is not None:
        process.stderr.close()


@pytest.mark.parametrize("moment", list(TRIGGERS))
def test_killed_and_run_again_it_finishes_without_loss_or_duplicate(
    chronicles_db_url: str, chronicles: Chronicles, tmp_path: Path, moment: str
) -> None:
    database = old_database(chronicles.database_url.replace("postgresql+psycopg", "postgresql"), LARGE)
    before, out = snapshot(database), tmp_path / "out"
    retained = old(before)
    kept = {key: entry for key, entry in before.items() if key not in retained}
    process = chronicles.start(*RETAIN, "--out", str(out), "--batch-size", "1")

    kill_when(process, out, TRIGGERS[moment])

    assert process.returncode == -signal.SIGKILL
    interrupted, saved = snapshot(database), exported(out)
    assert all(key in interrupted or key in saved for key in retained), "deleted before it was exported"
    assert {key: entry for key, entry in interrupted.items() if key not in retained} == kept

    result = chronicles(*RETAIN, "--out", str(out), "--batch-size", "500")

    assert result.exit_code == 0, result.output
    assert exported(out) == retained
    assert snapshot(database) == kept
