"""``chronicles retention`` against the real database: exports, drops a month whole or deletes by batches,
keeps everything else, a dry run, bad input, entries arriving late."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from chronicles.retention.archive import file_sha256, read_entries
from tests.chronicles.retention.conftest import Batch, Chronicles, insert, snapshot

RETAIN = ("retention", "--app", "billing", "--older-than", "400d")


def exported(out: Path, app: str = "billing") -> dict[int, dict[str, object]]:
    """Every exported entry by id, each file checked against its manifest, no id twice."""
    entries: dict[int, dict[str, object]] = {}
    for manifest in sorted((out / app).glob("*.manifest.json")):
        described = json.loads(manifest.read_text())
        data = manifest.with_name(described["file"])
        assert file_sha256(data) == described["sha256"]
        rows = list(read_entries(data))
        assert len(rows) == described["count"]
        for row in rows:
            assert row["id"] not in entries, f"entry {row['id']} exported twice"
            entries[int(row["id"])] = row  # type: ignore[arg-type]
    return entries


def exists(database: str, table: str) -> bool:
    with psycopg.connect(database) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone() == (True,)


def count(database: str, query: str) -> int:
    with psycopg.connect(database) as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0])


def old(entries: dict[int, dict[str, object]], app: str = "billing") -> dict[int, dict[str, object]]:
    return {key: entry for key, entry in entries.items() if entry["app"] == app and str(entry["occurred_at"]) < "2025"}


def test_exports_then_drops_a_month_of_one_app_and_deletes_from_shared_months(
    database: str, chronicles: Chronicles, tmp_path: Path
) -> None:
    before = snapshot(database)
    out = tmp_path / "out"

    result = chronicles(*RETAIN, "--out", str(out))

    assert result.exit_code == 0, result.output
    assert exported(out) == old(before)
    assert sorted(path.name for path in (out / "billing").glob("*.ndjson.gz")) == [
        "2023-06.ndjson.gz",
        "2024-01.ndjson.gz",
        "2024-02.ndjson.gz",
    ]
    for table in ("entries", "feed_taggings", "access_taggings"):
        assert not exists(database, f"{table}_p2024_01")
        assert exists(database, f"{table}_p2024_02")
    after, retained = snapshot(database), old(before)
    assert after == {key: entry for key, entry in before.items() if key not in retained}
    assert {entry["app"] for entry in after.values()} == {"billing", "practica"}
    assert count(database, "SELECT count(*) FROM feed_taggings") == 2 * len(after)
    assert count(database, "SELECT count(*) FROM access_taggings") == len(after)
    assert "1 month(s) dropped whole" in result.output
    assert {path.stat().st_mode & 0o777 for path in (out / "billing").iterdir()} == {0o600}
    assert (out / "billing").stat().st_mode & 0o777 == 0o700


def test_dry_run_lists_and_changes_nothing(database: str, chronicles: Chronicles, tmp_path: Path) -> None:
    before = snapshot(database)

    result = chronicles(*RETAIN, "--out", str(tmp_path / "out"), "--dry-run")

    assert result.exit_code == 0, result.output
    assert "drop partition entries_p2024_01" in result.output
    assert "entries_p2024_02 holds other apps" in result.output
    assert "DEFAULT" in result.output
    assert "dry run" in result.output
    assert snapshot(database) == before
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--app", "billing", "--older-than", "0d"), "--older-than"),
        (("--app", "billing", "--older-than", "abc"), "--older-than"),
        (("--app", "../etc", "--older-than", "400d"), "--app"),
    ],
)
def test_bad_input_is_refused_naming_the_option(
    database: str, chronicles: Chronicles, arguments: tuple[str, ...], message: str
) -> None:
    before = snapshot(database)

    result = chronicles("retention", *arguments)

    assert result.exit_code == 2, result.output
    assert message in result.output
    assert snapshot(database) == before


def test_an_out_that_is_a_file_is_refused(database: str, chronicles: Chronicles, tmp_path: Path) -> None:
    (tmp_path / "out").write_text("")

    result = chronicles(*RETAIN, "--out", str(tmp_path / "out"))

    assert result.exit_code == 2, result.output
    assert "--out" in result.output


def test_an_unknown_app_has_nothing_to_do(database: str, chronicles: Chronicles, tmp_path: Path) -> None:
    before = snapshot(database)

    result = chronicles("retention", "--app", "nobody", "--older-than", "400d", "--out", str(tmp_path / "out"))

    assert result.exit_code == 0, result.output
    assert "nothing to do" in result.output
    assert snapshot(database) == before


def test_entries_arriving_late_are_exported_next_time(database: str, chronicles: Chronicles, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert chronicles(*RETAIN, "--out", str(out)).exit_code == 0
    late = [Batch("billing", "2024-01-20T00:00:00Z", 2), Batch("billing", "2024-02-20T00:00:00Z", 1)]
    insert(database, late)
    arrived = old(snapshot(database))

    result = chronicles(*RETAIN, "--out", str(out))

    assert result.exit_code == 0, result.output
    assert {key: exported(out)[key] for key in arrived} == arrived
    assert (out / "billing" / "2024-01.2.ndjson.gz").exists()
    assert (out / "billing" / "2024-02.2.ndjson.gz").exists()
    assert old(snapshot(database)) == {}


def test_an_export_changed_since_stops_the_run_before_deleting(
    database: str, chronicles: Chronicles, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert chronicles(*RETAIN, "--out", str(out)).exit_code == 0
    insert(database, [Batch("billing", "2024-02-20T00:00:00Z", 1)])
    before = snapshot(database)
    damaged = out / "billing" / "2024-02.ndjson.gz"
    content = bytearray(damaged.read_bytes())
    content[len(content) // 2] ^= 0xFF
    damaged.write_bytes(bytes(content))

    result = chronicles(*RETAIN, "--out", str(out))

    assert result.exit_code == 1, result.output
    assert "does not match the sha256" in result.output
    assert snapshot(database) == before
