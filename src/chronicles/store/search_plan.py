"""Which index drives a search: the one expected to walk the fewest rows before a page is full.

A search reads newest first and stops after one page, so its plan walks one
ordered stream (an index ending in ``occurred_at DESC``) and checks the other
filters on each row. The streams: subjects, performers, actions and (app,
subject type) pairs (b-trees on entries), feed and access tags (the tagging
tables). A stream of ``S`` rows whose rows pass the other filters with
probability ``p`` is walked for about ``min(S, page / p)`` rows: a rare action
is walked to its end at once; a common one is cheap when most of its rows
pass. ``p`` is the product of the other filters' shares of all entries (as if
they were independent), all estimated from ``pg_stats`` (see
:mod:`search_stats`). Tags are the exception: tag rules match on apps, subject
types, actions, subjects and performers, so a tag and such a filter are
anything but independent (``public`` may hold no invoice at all, and is then
walked to its end): with one of those filters present, a tag stream is
costed at its full length. A payload containment test is left to the planner
(GIN), which sees its value; its share is guessed. Without statistics (tables
never analysed) a fixed priority decides.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from chronicles.contract.filters import EntryFilter, TagMatch
from chronicles.store.payload_sql import compile_condition
from chronicles.store.search_stats import Statistics
from chronicles.store.sql_params import Params

__all__ = ["Driver", "Statistics", "choose_driver", "driving_tag", "filter_kind"]


class Driver(StrEnum):
    SUBJECT = "subject"
    FEED_TAG = "feed_tag"
    PERFORMER = "performer"
    PAYLOAD = "payload"
    ACTION = "action"
    APP_TYPE = "app_type"
    ACCESS_TAG = "access_tag"


PRIORITY = list(Driver)  # ties, and no statistics: the usually more selective filter first
PAYLOAD_SHARE = 0.001  # guessed share of entries a containment test keeps (PostgreSQL guesses the same)
CONDITION_SHARE = 1 / 3  # PostgreSQL's guess for a comparison it cannot estimate
APP_TYPE_PAIRS = 8  # (app, subject type) pairs walked at most; more and the pair index does not drive
TAG_DRIVERS = {Driver.FEED_TAG, Driver.ACCESS_TAG}


@dataclass(frozen=True)
class Stream:
    """A filter: the rows of each value it could be walked by (none: it cannot drive), and its share of entries."""

    driver: Driver | None
    branches: list[float]
    share: float
    kind: bool = False  # a filter on what the entry is (app, type, action, subject, performer)


def choose_driver(entry_filter: EntryFilter, access_tags: Sequence[str], stats: Statistics, first: int = 25) -> Driver:
    streams = _streams(entry_filter, access_tags, stats)
    if streams is None:
        present = _drivers(entry_filter)
        return next(driver for driver in PRIORITY if driver in present)
    costs: dict[Driver, float] = {}
    for stream in streams:
        if stream.driver is None:
            continue
        if stream.driver is Driver.PAYLOAD:
            costs[stream.driver] = stream.branches[0]
            continue
        others = [other for other in streams if other is not stream]
        if stream.driver in TAG_DRIVERS and any(other.kind for other in others):
            costs[stream.driver] = sum(stream.branches)
            continue
        passing = math.prod(other.share for other in others)
        costs[stream.driver] = sum(min(rows, (first + 1) / max(passing, 1e-12)) for rows in stream.branches)
    return min(costs, key=lambda driver: (costs[driver], PRIORITY.index(driver)))


def _streams(entry_filter: EntryFilter, access_tags: Sequence[str], stats: Statistics) -> list[Stream] | None:
    total = stats.entries

    def stream(driver: Driver, column: str, values: Sequence[str]) -> Stream | None:
        rows = stats.rows(column, values)
        if rows is None or total <= 0:
            return None
        return Stream(driver, rows, min(1.0, sum(rows) / total), kind=driver not in TAG_DRIVERS)

    f = entry_filter
    found = [stream(Driver.ACCESS_TAG, "access_tag", access_tags)]
    for driver, column, values in [
        (Driver.SUBJECT, "subject", f.subjects),
        (Driver.PERFORMER, "performer", f.performers),
        (Driver.ACTION, "action", f.actions),
    ]:
        if values:
            found.append(stream(driver, column, values))
    if f.feed_tags:
        found.append(_feed_tags(stream(Driver.FEED_TAG, "feed_tag", f.feed_tags), f.feed_tags_match, total))
    if f.apps or f.subject_types:
        found.append(_app_type(f, stats))
    if any(stream is None for stream in found):
        return None
    streams = [stream for stream in found if stream is not None]
    conditions = [compile_condition(condition, Params()).indexable for condition in f.payload or ()]
    if any(conditions):
        streams.append(Stream(Driver.PAYLOAD, [max(1.0, PAYLOAD_SHARE * total)], PAYLOAD_SHARE))
    if conditions.count(False):
        streams.append(Stream(None, [], CONDITION_SHARE ** conditions.count(False)))
    return streams


def _feed_tags(any_of: Stream | None, match: TagMatch, total: float) -> Stream | None:
    """Feed tags ALL: walked by the rarest tag, and keeping at most that tag's share."""
    if any_of is None or match is TagMatch.ANY:
        return any_of
    rarest = min(any_of.branches)
    return Stream(Driver.FEED_TAG, [rarest], rarest / total)


def _app_type(entry_filter: EntryFilter, stats: Statistics) -> Stream | None:
    """Apps and subject types: a share of entries; a driver (one walk per pair) when both are given."""
    apps = stats.rows("app", entry_filter.apps) if entry_filter.apps else []
    types = stats.rows("subject_type", entry_filter.subject_types) if entry_filter.subject_types else []
    if apps is None or types is None or stats.entries <= 0:
        return None
    shares = [sum(rows) / stats.entries for rows in (apps, types) if rows]
    pairs = [min(app, kind) for app in apps for kind in types]  # a type mostly belongs to one app
    driver = Driver.APP_TYPE if pairs and len(pairs) <= APP_TYPE_PAIRS else None
    return Stream(driver, pairs if driver else [], min(1.0, *shares), kind=True)


def _drivers(entry_filter: EntryFilter) -> set[Driver]:
    f = entry_filter
    present = {Driver.ACCESS_TAG}
    lists = {Driver.SUBJECT: f.subjects, Driver.PERFORMER: f.performers, Driver.ACTION: f.actions}
    present |= {driver for driver, values in {**lists, Driver.FEED_TAG: f.feed_tags}.items() if values}
    if f.apps and f.subject_types and len(f.apps) * len(f.subject_types) <= APP_TYPE_PAIRS:
        present.add(Driver.APP_TYPE)
    if any(compile_condition(condition, Params()).indexable for condition in f.payload or ()):
        present.add(Driver.PAYLOAD)
    return present


def driving_tag(tags: Sequence[str], stats: Statistics) -> str:
    """Of feed tags that must all be present, the one with the fewest rows (the first given, without statistics)."""
    rows = stats.rows("feed_tag", tags)
    return tags[0] if rows is None else min(zip(rows, range(len(tags)), tags, strict=True))[2]


def filter_kind(entry_filter: EntryFilter) -> str:
    """The label of a search in the latency histogram: the first kind of filter it uses."""
    kinds = [
        ("subject", entry_filter.subjects),
        ("feed_tag", entry_filter.feed_tags),
        ("performer", entry_filter.performers),
        ("payload", entry_filter.payload),
        ("action", entry_filter.actions),
        ("app_type", entry_filter.apps or entry_filter.subject_types),
        ("time", entry_filter.occurred_after or entry_filter.occurred_before),
    ]
    return next((kind for kind, present in kinds if present), "access_only")
