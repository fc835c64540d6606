"""``chronicles seal`` then ``chronicles verify`` against a real database, after tampering with it directly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
from typer.testing import CliRunner, Result

from chronicles.cli import app
from tests.chronicles.integrity.chain_data import APPS, DAYS, PER_APP_AND_DAY, at, fill, of, put


def run(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(app, list(args))


def sealed(cli: CliRunner, db: psycopg.Connection[Any]) -> list[Any]:
    stored = fill(db)
    result = run(cli, "seal")
    assert result.exit_code == 0, result.output
    assert f", {len(stored)} entries sealed, sealed through" in result.output
    assert [line for line in result.output.splitlines() if line.startswith("sealed ")] == [
        f"sealed {day}: {len(APPS) * PER_APP_AND_DAY} entries" for day in DAYS
    ]
    return stored


def test_an_intact_chain_verifies_every_sealed_day_of_every_app(chronicles_cli: CliRunner, db: Any) -> None:
    sealed(chronicles_cli, db)
    result = run(chronicles_cli, "verify")
    assert result.exit_code == 0, result.output
    for name in APPS:
        line = f"{name}: 3 day(s) checked ({DAYS[0]} … {DAYS[-1]}), {len(DAYS) * PER_APP_AND_DAY} entries: intact"
        assert line in result.output


def test_a_payload_altered_with_an_update_is_named(chronicles_cli: CliRunner, db: Any) -> None:
    stored = sealed(chronicles_cli, db)
    target = of(stored, "practica", DAYS[1])[2]
    db.execute("UPDATE entries SET payload = payload || '{\"n\": 99}' WHERE id = %s", (target.id,))
    result = run(chronicles_cli, "verify")
    assert result.exit_code == 1, result.output
    expected = f"practica: 1 day(s) checked ({DAYS[0]} … {DAYS[0]}), 4 entries: ALTERED entry id {target.id} "
    assert expected + f"(sequence_code {target.sequence_code}) on {DAYS[1]}" in result.output
    assert "forum: 3 day(s) checked (2026-03-01 … 2026-03-03), 12 entries: intact" in result.output


def test_a_changed_recorded_at_is_named_as_altered(chronicles_cli: CliRunner, db: Any) -> None:
    stored = sealed(chronicles_cli, db)
    target = of(stored, "forum", DAYS[0])[1]
    db.execute("UPDATE entries SET recorded_at = recorded_at + interval '1 second' WHERE id = %s", (target.id,))
    result = run(chronicles_cli, "verify", "--app", "forum")
    assert result.exit_code == 1, result.output
    assert f"ALTERED entry id {target.id} (sequence_code {target.sequence_code}) on {DAYS[0]}" in result.output
    assert "practica" not in result.output


def test_a_deleted_entry_is_named_as_missing(chronicles_cli: CliRunner, db: Any) -> None:
    stored = sealed(chronicles_cli, db)
    target = of(stored, "forum", DAYS[2])[0]
    db.execute("DELETE FROM entries WHERE id = %s", (target.id,))
    result = run(chronicles_cli, "verify")
    assert result.exit_code == 1, result.output
    assert f"forum: 2 day(s) checked ({DAYS[0]} … {DAYS[1]}), 8 entries: MISSING entry id {target.id} on {DAYS[2]}" in (
        result.output
    )


def test_an_entry_moved_out_of_its_sealed_day_is_named_with_its_new_recorded_at(
    chronicles_cli: CliRunner, db: Any
) -> None:
    stored = sealed(chronicles_cli, db)
    target = of(stored, "practica", DAYS[0])[3]
    db.execute("UPDATE entries SET recorded_at = recorded_at + interval '3 days' WHERE id = %s", (target.id,))
    result = run(chronicles_cli, "verify")
    assert result.exit_code == 1, result.output
    assert f"ALTERED entry id {target.id} (sequence_code {target.sequence_code}) on {DAYS[0]}: still stored" in (
        result.output
    )


def test_a_row_inserted_inside_a_sealed_day_is_named_as_extra(chronicles_cli: CliRunner, db: Any) -> None:
    sealed(chronicles_cli, db)
    forged = put(db, "practica", at(DAYS[1], 12))
    result = run(chronicles_cli, "verify")
    assert result.exit_code == 1, result.output
    assert f"EXTRA entry id {forged.id} (sequence_code {forged.sequence_code}) on {DAYS[1]}" in result.output


def test_a_row_of_a_new_app_inside_a_sealed_day_is_named_as_extra(chronicles_cli: CliRunner, db: Any) -> None:
    sealed(chronicles_cli, db)
    forged = put(db, "billing", at(DAYS[0], 23, 59))
    result = run(chronicles_cli, "verify")
    assert result.exit_code == 1, result.output
    assert f"billing: 0 day(s) checked, 0 entries: EXTRA entry id {forged.id}" in result.output


def test_a_deleted_day_is_detected_entry_by_entry(chronicles_cli: CliRunner, db: Any) -> None:
    stored = sealed(chronicles_cli, db)
    db.execute("DELETE FROM entries WHERE recorded_at >= %s AND recorded_at < %s", (at(DAYS[1], 0), at(DAYS[2], 0)))
    result = run(chronicles_cli, "verify")
    assert result.exit_code == 1, result.output
    for name in APPS:
        assert f"{name}: 1 day(s) checked" in result.output
        assert f"MISSING entry id {of(stored, name, DAYS[1])[0].id} on {DAYS[1]}" in result.output


def test_a_day_deleted_with_its_seals_breaks_the_chain(chronicles_cli: CliRunner, db: Any) -> None:
    sealed(chronicles_cli, db)
    db.execute("DELETE FROM entries WHERE recorded_at >= %s AND recorded_at < %s", (at(DAYS[1], 0), at(DAYS[2], 0)))
    db.execute("DELETE FROM chain_seals WHERE day = %s", (DAYS[1],))
    result = run(chronicles_cli, "verify")
    assert result.exit_code == 1, result.output
    assert f"CHAIN on {DAYS[2]}: its previous head is not the head of sealed day {DAYS[0]}" in result.output


def test_the_first_sealed_day_deleted_with_its_seal_breaks_the_chain(chronicles_cli: CliRunner, db: Any) -> None:
    sealed(chronicles_cli, db)
    db.execute("DELETE FROM entries WHERE recorded_at < %s", (at(DAYS[1], 0),))
    db.execute("DELETE FROM chain_seals WHERE app = 'forum' AND day = %s", (DAYS[0],))
    result = run(chronicles_cli, "verify", "--app", "forum")
    assert result.exit_code == 1, result.output
    assert f"CHAIN on {DAYS[1]}: its previous head is not the head of the start of the chain" in result.output


def test_a_retagged_entry_is_not_a_change(chronicles_cli: CliRunner, db: Any) -> None:
    sealed(chronicles_cli, db)
    db.execute("UPDATE entries SET feed_tags = '{feed:b}', access_tags = '{org:1}'")
    assert run(chronicles_cli, "verify").exit_code == 0


def test_from_and_to_limit_the_days_checked(chronicles_cli: CliRunner, db: Any) -> None:
    stored = sealed(chronicles_cli, db)
    db.execute("DELETE FROM entries WHERE id = %s", (of(stored, "forum", DAYS[0])[0].id,))
    result = run(chronicles_cli, "verify", "--app", "forum", "--from", str(DAYS[1]), "--to", str(DAYS[2]))
    assert result.exit_code == 0, result.output
    assert f"forum: 2 day(s) checked ({DAYS[1]} … {DAYS[2]}), 8 entries: intact" in result.output
    assert run(chronicles_cli, "verify", "--to", str(DAYS[0])).exit_code == 1


def test_an_entry_that_occurred_in_a_sealed_day_but_arrives_now_belongs_to_today(
    chronicles_cli: CliRunner, db: Any
) -> None:
    sealed(chronicles_cli, db)
    late = db.execute(
        "INSERT INTO entries (sequence_code, app, subject, subject_type, action, payload, occurred_at) "
        "VALUES (gen_random_uuid(), 'forum', 'gid://forum/Post/1', 'Post', 'post.created', '{}', %s) RETURNING id",
        (at(DAYS[1], 12),),
    ).fetchone()[0]
    assert "0 day(s), 0 entries sealed" in run(chronicles_cli, "seal").output  # today is not complete yet
    result = run(chronicles_cli, "verify")
    assert result.exit_code == 0, result.output
    assert (
        db.execute("SELECT count(*) FROM chain_seals WHERE first_id <= %s AND last_id >= %s", (late, late)).fetchone()[
            0
        ]
        == 0
    )


def test_bad_options_are_refused_naming_the_option(chronicles_cli: CliRunner, db: Any) -> None:
    sealed(chronicles_cli, db)
    cases = {
        ("--from", "2026-13-01"): "--from: not a day (YYYY-MM-DD): '2026-13-01'",
        ("--to", "yesterday"): "--to: not a day (YYYY-MM-DD): 'yesterday'",
        ("--from", str(DAYS[2]), "--to", str(DAYS[0])): f"--from ({DAYS[2]}) is after --to ({DAYS[0]})",
        ("--app", "nosuch"): "--app: no entries and no seals for app 'nosuch'",
    }
    for args, message in cases.items():
        result = run(chronicles_cli, "verify", *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output


def test_nothing_sealed_yet_is_nothing_to_verify(chronicles_cli: CliRunner, db: Any) -> None:
    put(db, "forum", at(DAYS[0], 1) + timedelta(days=0))
    result = run(chronicles_cli, "verify")
    assert result.exit_code == 0, result.output
    assert "nothing to verify" in result.output


def test_a_seal_whose_head_was_changed_is_named(chronicles_cli: CliRunner, db: Any) -> None:
    sealed(chronicles_cli, db)
    db.execute("UPDATE chain_seals SET head = sha256(head) WHERE app = 'practica' AND day = %s", (DAYS[2],))
    result = run(chronicles_cli, "verify")
    assert result.exit_code == 1, result.output
    assert f"practica: 2 day(s) checked ({DAYS[0]} … {DAYS[1]}), 8 entries: SEAL on {DAYS[2]}" in result.output
