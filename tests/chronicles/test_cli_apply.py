"""``chronicles apply``, ``chronicles backfills``: rules and templates as code, against a real PostgreSQL."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chronicles import cli
from chronicles.cli import app
from tests.chronicles.conftest import libpq
from tests.chronicles.factories import entry
from tests.chronicles.operating import sync_rows

EXAMPLE = Path(__file__).resolve().parents[2] / "chronicles" / "practica-rules.yaml"
GOOD = """\
tag_rules:
  - name: job-history
    kind: feed                      # feed | access
    tag: "job:{subject.id}"
    match:
      apps: [plat]
      subject_types: [Job]
      actions: [job.approved, job.updated]
      payload: [{operation: EXISTS, path: [flag, gid]}]
  - name: job-access
    kind: access
    tag: "user:{performer}"
templates:
  - name: job-approved
    app: plat
    subject_type: Job
    action: job.approved
    text: "{performer} approved {subject}"
"""


@pytest.fixture
def chronicles_cli(chronicles_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CHRONICLES_DATABASE_URL", chronicles_db_url)
    monkeypatch.setenv("PRACTICA_HOME", str(tmp_path))
    return CliRunner()


def write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def snapshot(url: str) -> list[Any]:
    return [
        sync_rows(libpq(url), "SELECT name, kind, tag, match, enabled, revision FROM tag_rules ORDER BY name"),
        sync_rows(libpq(url), "SELECT name, app, subject_type, action, text FROM templates ORDER BY name"),
        sync_rows(libpq(url), "SELECT id, status FROM backfills ORDER BY id"),
    ]


def test_apply_creates_then_a_second_run_changes_nothing(
    chronicles_cli: CliRunner, chronicles_db_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path, GOOD)
    first = chronicles_cli.invoke(app, ["apply", str(path)])
    assert first.exit_code == 0, first.output
    assert "created   tag rule job-history" in first.stdout
    assert "created   template job-approved" in first.stdout
    assert "3 created, 0 updated, 0 unchanged, 0 deleted" in first.stdout
    stored = snapshot(chronicles_db_url)
    assert [row[0] for row in stored[0]] == ["job-access", "job-history"]
    assert stored[0][1][3]["payload"] == [{"operation": "EXISTS", "path": ["flag", "gid"], "value": None}]

    again = chronicles_cli.invoke(app, ["apply", str(path)])
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated, 3 unchanged, 0 deleted" in again.stdout
    assert snapshot(chronicles_db_url) == stored  # no revision bumped, no backfill queued


def test_a_changed_rule_is_reported_field_by_field_and_queues_a_backfill(
    chronicles_cli: CliRunner, chronicles_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chronicles_cli.invoke(app, ["apply", str(write(tmp_path, GOOD))], catch_exceptions=False)
    with psycopg.connect(libpq(chronicles_db_url)) as conn:  # one stored entry: a backfill with work to do
        conn.execute(
            "INSERT INTO entries (sequence_code, app, subject, subject_type, action, payload, occurred_at)"
            " VALUES (gen_random_uuid(), 'plat', 'gid://plat/Job/1', 'Job', 'job.approved', '{}', now())"
        )
    changed = GOOD.replace('tag: "job:{subject.id}"', 'tag: "jobs:{subject.id}"').replace("job.updated]", "job.closed]")
    result = chronicles_cli.invoke(app, ["apply", str(write(tmp_path, changed))])
    assert result.exit_code == 0, result.output
    assert "updated   tag rule job-history  (tag, match.actions)  backfill #3" in result.stdout
    assert "chronicles backfills --watch" in result.stdout
    assert sync_rows(libpq(chronicles_db_url), "SELECT revision FROM tag_rules WHERE name = 'job-history'") == [(2,)]
    statuses = [status for _, status in snapshot(chronicles_db_url)[2]]
    assert statuses[-1] == "queued"
    monkeypatch.setattr(cli.console, "width", 160)  # a wide terminal: one row per backfill
    listing = chronicles_cli.invoke(app, ["backfills"])
    assert listing.exit_code == 0, listing.output
    row = next(line for line in listing.stdout.splitlines() if "job-history" in line)
    assert "queued" in row
    assert "0/1 0%" in row


def test_a_bad_file_names_the_line_and_the_field_and_changes_nothing(
    chronicles_cli: CliRunner, chronicles_db_url: str, tmp_path: Path
) -> None:
    chronicles_cli.invoke(app, ["apply", str(write(tmp_path, GOOD))], catch_exceptions=False)
    before = snapshot(chronicles_db_url)
    bad = GOOD.replace('tag: "user:{performer}"', 'tag: "user:{performer}:v2"')  # a good change…
    bad = bad.replace(
        "actions: [job.approved, job.updated]", "actions: [job.approved, Job Updated]"
    )  # …and two bad ones
    bad = bad.replace('text: "{performer} approved {subject}"', 'text: "{performer.name} approved {subject}"')
    path = write(tmp_path, bad, "bad.yaml")
    result = chronicles_cli.invoke(app, ["apply", str(path)])
    assert result.exit_code == 1
    assert f"{path}:8: tag_rules.0.match.actions.1: String should match pattern" in result.stderr
    assert f"{path}:18: templates.0.text: unknown placeholder {{performer.name}}" in result.stderr
    assert "nothing was changed" in result.stderr
    assert snapshot(chronicles_db_url) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tag_rules:\n  - name: a\n    kind: feed\n    tag: [unclosed\n", "bad.yaml:5: is not valid YAML"),
        (
            "tag_rules:\n  - name: a\n    kind: feed\n    tag: x\n    colour: red\n",
            "bad.yaml:5: tag_rules.0.colour: Extra",
        ),
        (
            "tag_rules:\n  - {name: a, kind: feed, tag: x}\n  - {name: a, kind: access, tag: y}\n",
            "bad.yaml:3: tag_rules.1.name: the same name as tag_rules.0",
        ),
        (
            "templates:\n  - {name: a, app: p, subject_type: T, action: a.b, text: x}\n"
            "  - {name: b, app: p, subject_type: T, action: a.b, text: y}\n",
            "bad.yaml:3: templates.1.action: the same (app, subject_type, action) as templates.0",
        ),
        ("rules: []\n", "bad.yaml:1: rules: Extra inputs are not permitted"),
    ],
)
def test_file_level_problems_name_the_line(
    chronicles_cli: CliRunner, chronicles_db_url: str, tmp_path: Path, text: str, expected: str
) -> None:
    result = chronicles_cli.invoke(app, ["apply", str(write(tmp_path, text, "bad.yaml"))])
    assert result.exit_code == 1
    assert expected in result.stderr.replace(str(tmp_path) + "/", "")
    assert snapshot(chronicles_db_url) == [[], [], []]


def test_a_template_clashing_with_a_stored_one_is_refused_with_its_line(
    chronicles_cli: CliRunner, chronicles_db_url: str, tmp_path: Path
) -> None:
    chronicles_cli.invoke(app, ["apply", str(write(tmp_path, GOOD))], catch_exceptions=False)
    before = snapshot(chronicles_db_url)
    other = "tag_rules: []\ntemplates:\n  - name: approved-again\n    app: plat\n    subject_type: Job\n"
    other += "    action: job.approved\n    text: hi\n"
    result = chronicles_cli.invoke(app, ["apply", str(write(tmp_path, other, "other.yaml"))])
    assert result.exit_code == 1
    assert "other.yaml:6: templates.0.action: template 'job-approved' already renders plat Job job.approved" in (
        result.stderr
    )
    assert snapshot(chronicles_db_url) == before


def test_dry_run_reports_and_changes_nothing_and_prune_deletes(
    chronicles_cli: CliRunner, chronicles_db_url: str, tmp_path: Path
) -> None:
    chronicles_cli.invoke(app, ["apply", str(write(tmp_path, GOOD))], catch_exceptions=False)
    before = snapshot(chronicles_db_url)
    smaller = GOOD.split("  - name: job-access")[0] + "templates: []\n"
    path = write(tmp_path, smaller, "smaller.yaml")
    dry = chronicles_cli.invoke(app, ["apply", str(path), "--prune", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "deleted   tag rule job-access" in dry.stdout
    assert "deleted   template job-approved" in dry.stdout
    assert "dry run" in dry.stdout
    assert snapshot(chronicles_db_url) == before

    kept = chronicles_cli.invoke(app, ["apply", str(path)])  # without --prune nothing is deleted
    assert "0 deleted" in kept.stdout
    pruned = chronicles_cli.invoke(app, ["apply", str(path), "--prune"])
    assert pruned.exit_code == 0, pruned.output
    assert "0 created, 0 updated, 1 unchanged, 2 deleted" in pruned.stdout
    assert [row[0] for row in snapshot(chronicles_db_url)[0]] == ["job-history"]


def test_the_shipped_practica_rules_apply_cleanly_twice_and_tag_practica_events(
    chronicles_cli: CliRunner, chronicles_db_url: str, chronicles_client: TestClient
) -> None:
    first = chronicles_cli.invoke(app, ["apply", str(EXAMPLE)])
    assert first.exit_code == 0, first.output
    assert "14 created, 0 updated, 0 unchanged, 0 deleted" in first.stdout
    again = chronicles_cli.invoke(app, ["apply", str(EXAMPLE), "--no-backfill"])
    assert "0 created, 0 updated, 14 unchanged, 0 deleted" in again.stdout

    check = entry(
        check_passed=True,
        subject="gid://practica/Check/41",
        performer="gid://practica/User/7",
        payload={"lesson": {"id": "py-1", "title": "Pipes"}, "tests": {"passed": 3, "total": 3}, "org": "acme"},
    )
    assert chronicles_client.post("/entries", json=check).json()["accepted"] == 1
    [(feed, access)] = sync_rows(libpq(chronicles_db_url), "SELECT feed_tags, access_tags FROM entries")
    assert sorted(feed) == ["check:41", "lesson:py-1", "org:acme", "user:gid://practica/User/7"]
    assert sorted(access) == ["org:acme", "user:gid://practica/User/7"]
