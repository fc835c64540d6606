"""Which index drives a search: estimates from pg_stats, and the fixed priority without statistics."""

from __future__ import annotations

import pytest
from psycopg import AsyncConnection

from chronicles.contract.filters import EntryFilter
from chronicles.store.search_plan import Driver, Statistics, choose_driver, driving_tag
from chronicles.store.search_stats import ColumnStats
from tests.chronicles.search_data import RULES, ingest, messages


def _stats(**columns: tuple[float, dict[str, float]]) -> Statistics:
    """Statistics with ``rows`` per table and the most common values of each driving column."""
    stats = Statistics(entries=10_000.0, loaded_at=float("inf"))
    for driver, (distinct, common) in columns.items():
        stats.columns[driver] = ColumnStats(rows=10_000.0, null_share=0.0, distinct=distinct, common=common)
    return stats


def test_the_rarest_filter_drives() -> None:
    stats = _stats(
        subject=(5000.0, {}),
        action=(10.0, {"lesson.published": 0.5, "org.deleted": 0.0005}),
        access_tag=(5000.0, {"public": 0.6}),
        feed_tag=(1000.0, {"lesson:1": 0.2}),
        performer=(50.0, {}),
    )
    rare_action = EntryFilter(actions=["org.deleted"])
    assert choose_driver(rare_action, ["public"], stats) is Driver.ACTION
    assert choose_driver(EntryFilter(actions=["lesson.published"]), ["public"], stats) is Driver.ACTION
    assert choose_driver(EntryFilter(actions=["lesson.published"]), ["user:42"], stats) is Driver.ACCESS_TAG
    assert (
        choose_driver(EntryFilter(subjects=["gid://a/B/1"], actions=["org.deleted"]), ["public"], stats)
        is Driver.SUBJECT
    )
    assert (
        choose_driver(EntryFilter(subjects=["gid://a/B/1", "gid://a/B/2"], actions=["org.deleted"]), ["public"], stats)
        is Driver.SUBJECT
    )
    any_tags = EntryFilter(feed_tags=["lesson:1", "user:7"], performers=["gid://a/U/1"])
    assert choose_driver(any_tags, ["public"], stats) is Driver.PERFORMER  # 2,000 + 10 rows against 200
    all_tags = EntryFilter(feed_tags=["lesson:1", "user:7"], feed_tags_match="ALL", performers=["gid://a/U/1"])
    assert choose_driver(all_tags, ["public"], stats) is Driver.FEED_TAG  # the rarer tag: 10 rows
    assert driving_tag(["lesson:1", "user:7"], stats) == "user:7"
    assert driving_tag(["lesson:1", "user:7"], Statistics()) == "lesson:1"  # no statistics: the first given
    payload = EntryFilter(payload=[{"operation": "EQ", "path": ["flag", "gid"], "value": "gid://a/F/1"}])
    assert choose_driver(payload, ["public"], stats) is Driver.PAYLOAD
    assert choose_driver(payload, ["user:42"], stats) is Driver.ACCESS_TAG  # about 1 row against a guessed 10
    not_indexable = EntryFilter(payload=[{"operation": "GT", "path": ["n"], "value": 1}])
    assert choose_driver(not_indexable, ["public"], stats) is Driver.ACCESS_TAG


def test_tags_are_walked_to_their_end_when_a_filter_on_the_kind_of_entry_is_present() -> None:
    """``public`` tags only published lessons: against invoices it would be read to its end (1,000,000 entries)."""
    stats = _stats(
        app=(3.0, {"practica": 0.7, "forum": 0.2, "billing": 0.1}),
        subject_type=(10.0, {"Check": 0.5, "Invoice": 0.07}),
        access_tag=(5000.0, {"public": 0.014, "org:7": 0.02}),
        action=(10.0, {"check.passed": 0.3}),
    )
    stats.entries = 1_000_000.0
    for column in stats.columns.values():
        object.__setattr__(column, "rows", 1_000_000.0)
    invoices = EntryFilter(apps=["billing"], subject_types=["Invoice"])
    assert choose_driver(invoices, ["org:7", "public"], stats) is Driver.APP_TYPE  # about 765 rows, not 34,000
    assert choose_driver(EntryFilter(), ["org:7", "public"], stats) is Driver.ACCESS_TAG  # 26 of the newest
    # a viewer's own tag (about 190 rows) is read to its end rather than the action walked for visible rows
    assert choose_driver(EntryFilter(actions=["check.passed"]), ["user:57"], stats) is Driver.ACCESS_TAG
    # 34,000 rows of tags against about 765 rows of a common action holding 3.4 % visible entries
    assert choose_driver(EntryFilter(actions=["check.passed"]), ["org:7", "public"], stats) is Driver.ACTION
    many_pairs = EntryFilter(apps=["billing", "forum", "practica"], subject_types=["Invoice", "Check", "Post"])
    assert choose_driver(many_pairs, ["public"], stats) is Driver.ACCESS_TAG  # nine pairs: no pair walk


def test_without_statistics_a_fixed_priority_drives() -> None:
    empty = Statistics(loaded_at=float("inf"))
    everything = EntryFilter(
        subjects=["gid://a/B/1"], feed_tags=["t"], performers=["gid://a/U/1"], actions=["a.b"],
        payload=[{"operation": "EQ", "path": ["a"], "value": 1}],
    )  # fmt: skip
    assert choose_driver(everything, ["x"], empty) is Driver.SUBJECT
    assert choose_driver(EntryFilter(actions=["a.b"], performers=["gid://a/U/1"]), ["x"], empty) is Driver.PERFORMER
    assert choose_driver(EntryFilter(actions=["a.b"]), ["x"], empty) is Driver.ACTION
    assert choose_driver(EntryFilter(), ["x"], empty) is Driver.ACCESS_TAG


async def test_statistics_come_from_pg_stats(chronicles_conn: AsyncConnection) -> None:
    await ingest(chronicles_conn, messages(), *RULES)
    stats = Statistics()
    await stats.refresh(chronicles_conn)
    assert stats.columns == {}  # never analysed: the fixed priority decides
    await chronicles_conn.execute("ANALYZE entries, feed_taggings, access_taggings")
    await stats.refresh(chronicles_conn)
    assert stats.columns == {}  # read at most every few minutes
    await stats.refresh(chronicles_conn, now=stats.loaded_at + 301)
    assert set(stats.columns) == {"subject", "performer", "action", "app", "subject_type", "feed_tag", "access_tag"}
    assert stats.entries == 48
    assert stats.columns["action"].estimate("post.created") == pytest.approx(12)
    assert stats.columns["access_tag"].estimate("public") == pytest.approx(12)
    assert stats.columns["app"].estimate("forum") == pytest.approx(12)
