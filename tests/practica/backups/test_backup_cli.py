"""`practica backup create` and `restore` against real PostgreSQL: data back, nothing lost on a refusal."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

import practica
from chronicles.store.migrate import MIGRATIONS as CHRONICLES_MIGRATIONS
from practica.db.migrate import MIGRATIONS
from tests.practica.backups.conftest import Site, edit_manifest


def change_everything(site: Site) -> None:
    """What happens after a backup: a new user, a course deleted, Chronicles' consumer moves on."""
    site.practica("INSERT INTO users (email, display_name, password_hash) VALUES ('grace@example.org', 'Grace', 'y')")
    site.practica("DELETE FROM courses WHERE id = 'databases'")
    site.chronicles("UPDATE consumer_status SET committed_offset = 99")


def emails(site: Site) -> list[object]:
    return [row[0] for row in site.practica("SELECT email FROM users ORDER BY email")]


def courses(site: Site) -> list[object]:
    return [row[0] for row in site.practica("SELECT id FROM courses ORDER BY id")]


def offset(site: Site) -> object:
    return site.chronicles("SELECT committed_offset FROM consumer_status")[0][0]


def assert_changed_data_still_there(site: Site) -> None:
    assert emails(site) == ["ada@example.org", "grace@example.org"]
    assert courses(site) == ["bash-testing"]
    assert offset(site) == 99


def assert_no_leftover_databases(site: Site) -> None:
    for url in (site.practica_url, site.chronicles_url):
        assert site.databases_named(f"{database_name(url)}_restoring_%") == []


def database_name(url: str) -> str:
    return str(make_url(url).database)


def test_restore_brings_back_the_data_of_the_backup(site: Site) -> None:
    backup = site.create()
    change_everything(site)

    result = site.run("restore", "--yes", "--keep-previous", str(backup))

    assert result.returncode == 0, result.stdout + result.stderr
    assert emails(site) == ["ada@example.org"]
    assert courses(site) == ["bash-testing", "databases"]
    assert offset(site) == 41
    assert "restore finished" in result.stdout
    previous = [
        site.databases_named(f"{database_name(url)}_before_restore_%")
        for url in (site.practica_url, site.chronicles_url)
    ]
    assert [len(names) for names in previous] == [1, 1], "--keep-previous keeps the data the restore replaced"
    for names in previous:
        site.drop(names[0])
    assert_no_leftover_databases(site)


def test_restore_without_keep_previous_drops_the_replaced_databases(site: Site) -> None:
    backup = site.create()
    change_everything(site)

    result = site.run("restore", "--yes", str(backup / "manifest.json"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert emails(site) == ["ada@example.org"]
    assert site.databases_named(f"{database_name(site.practica_url)}_before_restore_%") == []


def test_the_manifest_describes_each_dump(site: Site) -> None:
    before = datetime.now(UTC)
    backup = site.create()

    manifest = json.loads((backup / "manifest.json").read_text())

    assert manifest["format"] == 1
    assert manifest["app_version"] == practica.__version__
    assert before - timedelta(seconds=1) <= datetime.fromisoformat(manifest["created_at"]) <= datetime.now(UTC)
    server_version = site.practica("SHOW server_version")[0][0]
    assert manifest["postgres_version"] == server_version
    assert manifest["workspaces"] == "not included"
    by_file = {dump["file"]: dump for dump in manifest["dumps"]}
    assert set(by_file) == {"practica.dump", "chronicles.dump"}
    assert sorted(path.name for path in backup.iterdir()) == ["chronicles.dump", "manifest.json", "practica.dump"]
    assert by_file["practica.dump"]["revisions"] == {"practica": MIGRATIONS.known_revisions().heads[0]}
    assert by_file["chronicles.dump"]["revisions"] == {"chronicles": CHRONICLES_MIGRATIONS.known_revisions().heads[0]}
    for name, dump in by_file.items():
        content = (backup / name).read_bytes()
        assert content.startswith(b"PGDMP"), "pg_dump's custom format"
        assert dump["size"] == len(content)
        assert dump["sha256"] == hashlib.sha256(content).hexdigest()
    assert {path.stat().st_mode & 0o777 for path in backup.iterdir()} == {0o600}, "dumps hold password hashes"


def test_verify_passes_a_whole_backup(site: Site) -> None:
    backup = site.create()

    result = site.run("verify", str(backup / "manifest.json"))

    assert result.returncode == 0, result.stderr
    assert "the backup is whole" in result.stdout


def test_a_tampered_dump_is_refused_and_nothing_changes(site: Site) -> None:
    backup = site.create()
    change_everything(site)
    dump = backup / "practica.dump"
    content = bytearray(dump.read_bytes())
    content[len(content) // 2] ^= 0xFF
    dump.write_bytes(bytes(content))

    result = site.run("restore", "--yes", str(backup))

    assert result.returncode == 1
    assert "practica.dump" in result.stderr
    assert "sha256 does not match" in result.stderr
    assert site.run("verify", str(backup)).returncode == 1
    assert_changed_data_still_there(site)
    assert_no_leftover_databases(site)


def test_a_backup_of_a_newer_schema_is_refused(site: Site) -> None:
    head = MIGRATIONS.known_revisions().heads[0]
    site.practica("UPDATE practica_alembic_version SET version_num = '0099'")
    backup = site.create()
    site.practica(f"UPDATE practica_alembic_version SET version_num = '{head}'")  # noqa: S608 (a revision's name)
    change_everything(site)

    result = site.run("restore", "--yes", str(backup))

    assert result.returncode == 1
    assert "practica schema is at revision 0099" in result.stderr
    assert f"its newest is {head}" in result.stderr
    assert_changed_data_still_there(site)
    assert_no_leftover_databases(site)


def test_a_restore_failing_halfway_leaves_the_current_data(site: Site) -> None:
    """Chronicles' dump is cut short (as a full disk would have left it) with a manifest that agrees.

    Practica's dump restores in full first: its new database must go too, and the current
    databases stay as they were.
    """
    site.chronicles(
        "INSERT INTO dead_letters (source, raw, error) "
        "SELECT 'kafka', convert_to(repeat(md5(i::text), 200), 'UTF8'), 'bad' FROM generate_series(1, 2000) AS i"
    )
    backup = site.create()
    change_everything(site)
    dump = backup / "chronicles.dump"
    truncated = dump.read_bytes()[: dump.stat().st_size * 2 // 3]
    dump.write_bytes(truncated)
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["dumps"][1].update(size=len(truncated), sha256=hashlib.sha256(truncated).hexdigest())
    (backup / "manifest.json").write_text(json.dumps(manifest))

    result = site.run("restore", "--yes", str(backup))

    assert result.returncode == 1, result.stdout
    assert "pg_restore" in result.stderr
    assert "restoring practica.dump" in result.stdout, "practica's dump was restored before the failure"
    assert_changed_data_still_there(site)
    assert_no_leftover_databases(site)


def test_a_manifest_with_a_bad_field_is_refused_naming_it(site: Site) -> None:
    backup = site.create()
    edit_manifest(backup, {"sha256": "not a digest"})

    result = site.run("restore", "--yes", str(backup))

    assert result.returncode == 1
    assert "dumps.0.sha256" in result.stderr


def test_restore_of_a_directory_without_a_backup_says_so(site: Site, tmp_path: Path) -> None:
    result = site.run("restore", "--yes", str(tmp_path))

    assert result.returncode == 1
    assert "manifest.json" in result.stderr
    assert "practica backup create" in result.stderr


def test_two_products_in_one_database_are_dumped_and_restored_once(site: Site) -> None:
    shared = Site(site.practica_url, site.practica_url, site.home, site.admin_uri)
    backup = shared.create()
    manifest = json.loads((backup / "manifest.json").read_text())
    shared.practica("DELETE FROM courses")

    result = shared.run("restore", "--yes", str(backup))

    assert result.returncode == 0, result.stdout + result.stderr
    assert [(dump["file"], sorted(dump["revisions"])) for dump in manifest["dumps"]] == [
        ("practica.dump", ["chronicles", "practica"])
    ]
    assert courses(shared) == ["bash-testing", "databases"]
