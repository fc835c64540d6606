"""The SQL of one search page: fixed fragments composed around a driver, every value a placeholder.

Each shape reads newest first and stops after ``first + 1`` rows:

- subjects, performers, actions, (app, subject type) pairs: per value, a
  walk of the b-tree ``(column(s), occurred_at DESC, id DESC)``, which
  carries the entry's access tags and so skips what the viewer may not see,
  with one primary-key probe per row checking every other filter, at most
  ``first + 1`` rows per value, the streams merged. When there is no other
  filter, the walks give keys only and just the page's entries are read.
- feed tags, access tags: the same over the tagging tables' primary keys
  ``(tag, occurred_at, entry_id)``, read backwards (a feed tagging carries
  its entry's access tags, so the walk skips what the viewer may not see),
  with one primary-key probe into entries per tagging row passed (keys first
  for access tags with no other filter); an entry found under two tags is
  shown once.
  For feed tags ALL the rarest tag drives and ``feed_tags`` must hold them all.
- payload: one plain statement; the planner sees the values and picks the
  GIN index or a time-ordered walk.

Up to ``UNION_BRANCHES`` values get one ``UNION ALL`` branch each, a walk
of the driving index per value, the walks merged in time order (a LATERAL
over ``unnest`` is planned as one loop for an average value: a rare action
then walked the time index over the whole table). Longer lists use the
LATERAL form. Every statement but a payload one runs on a generic plan
(:mod:`search`): the branches' shape, not the values, decides the walk, which
``test_search_plans`` checks for each kind, rare values included. Access is
always enforced: by the driver (access tags) or by ``access_tags && viewer's
tags`` on every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import LiteralString

from psycopg import sql

from chronicles.contract.filters import EntryFilter, TagMatch
from chronicles.store.cursor import Position
from chronicles.store.payload_sql import compile_condition
from chronicles.store.search_plan import Driver, driving_tag
from chronicles.store.search_stats import Statistics
from chronicles.store.sql_params import Params, join

UNION_BRANCHES = 8
COLUMNS = sql.SQL(
    "e.id, e.sequence_code, e.app, e.subject, e.subject_type, e.action, e.performer, e.payload, "
    "e.occurred_at, e.recorded_at, e.feed_tags, e.access_tags"
)
ENTRY_COLUMNS = {
    Driver.SUBJECT: sql.SQL("k.subject"),
    Driver.PERFORMER: sql.SQL("k.performer"),
    Driver.ACTION: sql.SQL("k.action"),
    Driver.APP_TYPE: sql.SQL("(k.app, k.subject_type)"),
}
TAGGINGS = {Driver.FEED_TAG: sql.SQL("feed_taggings"), Driver.ACCESS_TAG: sql.SQL("access_taggings")}
PLAIN = sql.SQL("SELECT {columns} FROM entries AS e WHERE {where} ORDER BY e.occurred_at DESC, e.id DESC LIMIT {limit}")
# The lookup names the row's occurred_at too: entries are partitioned by month, and so the probe reads one
# partition's primary key (run-time pruning) instead of every month's. In both branches OFFSET 0 keeps the
# planner from flattening the lookup: whatever it estimates for the
# other filters (a jsonb_typeof() test counts as 0.5 %), the driving index is walked in order, each row
# costs one primary-key probe, and the walk stops after one page.
# The walk also screens on the index's copy of the access tags (revision 0008): an entry the viewer may
# not see is skipped in the index, and only those shown are fetched (the lookup checks access again).
ENTRY_BRANCH = sql.SQL(
    "(SELECT e.* FROM entries AS k CROSS JOIN LATERAL"
    " (SELECT * FROM entries AS e WHERE e.id = k.id AND e.occurred_at = k.occurred_at AND {conditions} OFFSET 0)"
    " AS e"
    " WHERE {column} = {value} AND k.access_tags && {access} AND {window}"
    " ORDER BY k.occurred_at DESC, k.id DESC LIMIT {limit})"
)
TAG_BRANCH = sql.SQL(
    "(SELECT e.* FROM {table} AS t CROSS JOIN LATERAL"
    " (SELECT * FROM entries AS e WHERE e.id = t.entry_id AND e.occurred_at = t.occurred_at AND {conditions}"
    " OFFSET 0) AS e"
    " WHERE t.tag = {value}{tag_access} AND {window} ORDER BY t.occurred_at DESC, t.entry_id DESC LIMIT {limit})"
)
# A feed tagging's copy of its entry's access tags (revision 0009) screens the walk as the key indexes' do.
# A copy an older release left NULL passes the screen, and the lookup checks that entry's access: feed
# searches therefore look each entry up (never keys first), or such an entry would make a page short.
# An access tagging is the access.
TAG_ACCESS = {
    Driver.FEED_TAG: sql.SQL(" AND (t.access_tags && {access} OR t.access_tags IS NULL)"),
    Driver.ACCESS_TAG: sql.SQL(""),
}
UNION = sql.SQL(
    "SELECT {distinct}{columns} FROM ({branches}) AS e ORDER BY e.occurred_at DESC, e.id DESC LIMIT {limit}"
)
LATERAL = sql.SQL(
    "SELECT {distinct}{columns} FROM unnest({values}) AS d(value) CROSS JOIN LATERAL {branch} AS e"
    " ORDER BY e.occurred_at DESC, e.id DESC LIMIT {limit}"
)
DISTINCT = sql.SQL("DISTINCT ON (e.occurred_at, e.id) ")
# Keys first: when the entry has nothing to pass but the viewer's access (screened in the walk of a key
# index, or the very tags of an access-tag walk), the branches give keys only, their merge keeps one
# page of them, and only that page's entries are read: one lookup per entry shown instead of one per
# entry each branch found.
KEY_BRANCH = sql.SQL(
    "(SELECT k.id, k.occurred_at FROM entries AS k"
    " WHERE {column} = {value} AND k.access_tags && {access} AND {window}"
    " ORDER BY k.occurred_at DESC, k.id DESC LIMIT {limit})"
)
TAG_KEY_BRANCH = sql.SQL(
    "(SELECT t.entry_id AS id, t.occurred_at FROM {table} AS t"
    " WHERE t.tag = {value} AND {window} ORDER BY t.occurred_at DESC, t.entry_id DESC LIMIT {limit})"
)
KEYS_UNION = sql.SQL(
    "SELECT {distinct}k.id, k.occurred_at FROM ({branches}) AS k ORDER BY k.occurred_at DESC, k.id DESC LIMIT {limit}"
)
KEYS_LATERAL = sql.SQL(
    "SELECT {distinct}k.id, k.occurred_at FROM unnest({values}) AS d(value) CROSS JOIN LATERAL {branch} AS k"
    " ORDER BY k.occurred_at DESC, k.id DESC LIMIT {limit}"
)
KEY_DISTINCT = sql.SQL("DISTINCT ON (k.occurred_at, k.id) ")
BRANCHES = {  # (keys first, driven by tags): the template of one branch
    (False, False): ENTRY_BRANCH,
    (False, True): TAG_BRANCH,
    (True, False): KEY_BRANCH,
    (True, True): TAG_KEY_BRANCH,
}
VIEWER_MAY_READ = sql.SQL("e.access_tags && {}")  # the entry carries one of the viewer's access tags
PAGE_OF_KEYS = sql.SQL(
    "SELECT {columns} FROM ({keys}) AS k CROSS JOIN LATERAL"
    " (SELECT * FROM entries AS e WHERE e.id = k.id AND e.occurred_at = k.occurred_at AND {conditions} OFFSET 0)"
    " AS e ORDER BY e.occurred_at DESC, e.id DESC"
)


@dataclass(frozen=True)
class SearchRequest:
    filter: EntryFilter
    access_tags: Sequence[str]
    first: int
    after: Position | None = None


def compile_search(
    request: SearchRequest, driver: Driver, stats: Statistics | None = None
) -> tuple[sql.Composed, dict[str, object]]:
    """The statement (fixed fragments and placeholders only) and its bound values."""
    params = Params()
    limit = params.bind(request.first + 1)
    window = _Window(request, params)
    access = params.bind(list(request.access_tags), "::text[]")
    filters = _entry_conditions(request, driver, params)
    access_check: list[sql.Composable] = []
    if driver is not Driver.ACCESS_TAG:
        access_check.append(VIEWER_MAY_READ.format(access))
    if driver is Driver.PAYLOAD:
        where = join([*window.on("e", "e.id"), *filters, *access_check])
        statement = PLAIN.format(columns=COLUMNS, where=where, limit=limit)
    else:
        values = _driving_values(request, driver, stats or Statistics())
        statement = _driven(driver, values, params, _Screen(window, filters, access_check, access, limit))
    return statement, params.values


def compile_filter(request: SearchRequest) -> tuple[sql.Composed, dict[str, object]]:
    """Everything the request selects (the cursor aside) as one condition on ``entries AS e``, and its values."""
    params = Params()
    window = _Window(replace(request, after=None), params)
    access = VIEWER_MAY_READ.format(params.bind(list(request.access_tags), "::text[]"))
    return join([*window.on("e", "e.id"), *_entry_conditions(request, Driver.PAYLOAD, params), access]), params.values


def _driving_values(request: SearchRequest, driver: Driver, stats: Statistics) -> list[str] | list[tuple[str, str]]:
    entry_filter = request.filter
    if driver is Driver.APP_TYPE:
        apps, types = sorted(set(entry_filter.apps or ())), sorted(set(entry_filter.subject_types or ()))
        return [(app, kind) for app in apps for kind in types]
    if driver is Driver.FEED_TAG and entry_filter.feed_tags_match is TagMatch.ALL:
        return [driving_tag(entry_filter.feed_tags or (), stats)]
    values = {
        Driver.SUBJECT: entry_filter.subjects,
        Driver.PERFORMER: entry_filter.performers,
        Driver.ACTION: entry_filter.actions,
        Driver.FEED_TAG: entry_filter.feed_tags,
        Driver.ACCESS_TAG: request.access_tags,
    }[driver]
    return sorted(set(values or ()))


@dataclass(frozen=True)
class _Screen:
    """What every branch of a driven search applies besides its driving value."""

    window: _Window
    filters: list[sql.Composable]  # on the entry looked up, the viewer's access aside
    access_check: list[sql.Composable]  # the viewer's access on the entry looked up (none for access tags)
    access: sql.Composable  # the viewer's access tags
    limit: sql.Composable


def _driven(driver: Driver, values: list[str] | list[tuple[str, str]], params: Params, screen: _Screen) -> sql.Composed:
    keys_first = not screen.filters and driver is not Driver.FEED_TAG
    by_tag = driver in TAGGINGS
    several = by_tag and len(values) > 1
    fragments = {
        "table": TAGGINGS.get(driver),
        "column": ENTRY_COLUMNS.get(driver),
        "conditions": join([*screen.filters, *screen.access_check]),
        "access": screen.access,
        "tag_access": TAG_ACCESS[driver].format(access=screen.access) if by_tag else sql.SQL(""),
        "window": join(screen.window.on("t", "t.entry_id") if by_tag else screen.window.on("k", "k.id")),
        "limit": screen.limit,
        "distinct": (KEY_DISTINCT if keys_first else DISTINCT) if several else sql.SQL(""),
        "columns": COLUMNS,
    }
    template = BRANCHES[keys_first, by_tag]

    def bound(value: str | tuple[str, str]) -> sql.Composable:
        if isinstance(value, tuple):
            return sql.SQL("({}, {})").format(*(params.bind(part, "::text") for part in value))
        return params.bind(value, "::text")

    if len(values) <= UNION_BRANCHES or driver is Driver.APP_TYPE:
        branches = sql.SQL(" UNION ALL ").join([template.format(value=bound(value), **fragments) for value in values])
        merged = (KEYS_UNION if keys_first else UNION).format(branches=branches, **fragments)
    else:
        values_array = params.bind(values, "::text[]")
        branch = template.format(value=sql.SQL("d.value"), **fragments)
        merged = (KEYS_LATERAL if keys_first else LATERAL).format(values=values_array, branch=branch, **fragments)
    return PAGE_OF_KEYS.format(keys=merged, **fragments) if keys_first else merged


class _Window:
    """The time range and the cursor, bound once and applied to whichever table drives."""

    def __init__(self, request: SearchRequest, params: Params) -> None:
        after, before = request.filter.occurred_after, request.filter.occurred_before
        self.after = params.bind(after, "::timestamptz") if after is not None else None
        self.before = params.bind(before, "::timestamptz") if before is not None else None
        position = request.after
        self.cursor = None
        if position is not None:
            self.cursor = (params.bind(position.occurred_at, "::timestamptz"), params.bind(position.id, "::bigint"))

    def on(self, alias: LiteralString, id_column: LiteralString) -> list[sql.Composable]:
        table, row_id = sql.SQL(alias), sql.SQL(id_column)
        parts: list[sql.Composable] = []
        if self.after is not None:
            parts.append(sql.SQL("{}.occurred_at >= {}").format(table, self.after))
        if self.before is not None:
            parts.append(sql.SQL("{}.occurred_at < {}").format(table, self.before))
        if self.cursor is not None:
            parts.append(sql.SQL("({}.occurred_at, {}) < ({}, {})").format(table, row_id, *self.cursor))
        return parts


def _entry_conditions(request: SearchRequest, driver: Driver, params: Params) -> list[sql.Composable]:
    """Every filter the driver does not already apply, as conditions on ``entries AS e``, access aside."""
    entry_filter, parts = request.filter, list[sql.Composable]()
    lists = [
        (Driver.SUBJECT, sql.SQL("e.subject"), entry_filter.subjects),
        (Driver.PERFORMER, sql.SQL("e.performer"), entry_filter.performers),
        (Driver.ACTION, sql.SQL("e.action"), entry_filter.actions),
        (None, sql.SQL("e.app"), entry_filter.apps),
        (None, sql.SQL("e.subject_type"), entry_filter.subject_types),
    ]
    for by, column, values in lists:
        if values and by is not driver and not (by is None and driver is Driver.APP_TYPE):
            parts.append(sql.SQL("{} = ANY({})").format(column, params.bind(list(values), "::text[]")))
    parts.extend(compile_condition(condition, params).sql for condition in entry_filter.payload or ())
    feed_tags, match = entry_filter.feed_tags, entry_filter.feed_tags_match
    if feed_tags and (driver is not Driver.FEED_TAG or match is TagMatch.ALL):
        operator = sql.SQL("@>" if match is TagMatch.ALL else "&&")
        parts.append(sql.SQL("e.feed_tags {} {}").format(operator, params.bind(list(feed_tags), "::text[]")))
    return parts
