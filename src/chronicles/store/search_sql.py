"""The SQL of one search page: fixed fragments composed around a driver, every value a placeholder.

Each shape reads newest first and stops after ``first + 1`` rows:

- subjects, performers, actions, (app, subject type) pairs: per value, a
  walk of the b-tree ``(column(s), occurred_at DESC, id DESC)`` with one
  primary-key probe per row checking every other filter, at most
  ``first + 1`` rows per value, the streams merged.
- feed tags, access tags: the same over the tagging tables' primary keys
  ``(tag, occurred_at, entry_id)``, read backwards, with one primary-key probe
  into entries per tagging row; an entry found under two tags is shown once.
  For feed tags ALL the rarest tag drives and ``feed_tags`` must hold them all.
- payload: one plain statement; the planner sees the values and picks the
  GIN index or a time-ordered walk.

Up to ``UNION_BRANCHES`` values get one ``UNION ALL`` branch each with the
value bound as a constant, so each branch is planned for its own value (a
LATERAL over ``unnest`` is planned once for an average value: a rare action
then walks the time index over the whole table). Longer lists use the LATERAL
form. Access is always enforced: by the driver (access tags) or by
``access_tags && viewer's tags`` on every row.
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
ENTRY_BRANCH = sql.SQL(
    "(SELECT e.* FROM entries AS k CROSS JOIN LATERAL"
    " (SELECT * FROM entries AS e WHERE e.id = k.id AND e.occurred_at = k.occurred_at AND {conditions} OFFSET 0)"
    " AS e"
    " WHERE {column} = {value} AND {window} ORDER BY k.occurred_at DESC, k.id DESC LIMIT {limit})"
)
TAG_BRANCH = sql.SQL(
    "(SELECT e.* FROM {table} AS t CROSS JOIN LATERAL"
    " (SELECT * FROM entries AS e WHERE e.id = t.entry_id AND e.occurred_at = t.occurred_at AND {conditions}"
    " OFFSET 0) AS e"
    " WHERE t.tag = {value} AND {window} ORDER BY t.occurred_at DESC, t.entry_id DESC LIMIT {limit})"
)
UNION = sql.SQL(
    "SELECT {distinct}{columns} FROM ({branches}) AS e ORDER BY e.occurred_at DESC, e.id DESC LIMIT {limit}"
)
LATERAL = sql.SQL(
    "SELECT {distinct}{columns} FROM unnest({values}) AS d(value) CROSS JOIN LATERAL {branch} AS e"
    " ORDER BY e.occurred_at DESC, e.id DESC LIMIT {limit}"
)
DISTINCT = sql.SQL("DISTINCT ON (e.occurred_at, e.id) ")


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
    conditions = _entry_conditions(request, driver, params)
    if driver is Driver.PAYLOAD:
        statement = PLAIN.format(columns=COLUMNS, where=join([*window.on("e", "e.id"), *conditions]), limit=limit)
    else:
        values = _driving_values(request, driver, stats or Statistics())
        statement = _driven(driver, values, params, window, conditions, limit)
    return statement, params.values


def compile_filter(request: SearchRequest) -> tuple[sql.Composed, dict[str, object]]:
    """Everything the request selects (the cursor aside) as one condition on ``entries AS e``, and its values."""
    params = Params()
    window = _Window(replace(request, after=None), params)
    return join([*window.on("e", "e.id"), *_entry_conditions(request, Driver.PAYLOAD, params)]), params.values


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


def _driven(
    driver: Driver,
    values: list[str] | list[tuple[str, str]],
    params: Params,
    window: _Window,
    conditions: list[sql.Composable],
    limit: sql.Composable,
) -> sql.Composed:
    by_tag = driver in TAGGINGS
    distinct = DISTINCT if by_tag and len(values) > 1 else sql.SQL("")

    def branch(value: sql.Composable) -> sql.Composed:
        if by_tag:
            return TAG_BRANCH.format(
                table=TAGGINGS[driver],
                conditions=join(conditions),
                value=value,
                window=join(window.on("t", "t.entry_id")),
                limit=limit,
            )
        return ENTRY_BRANCH.format(
            conditions=join(conditions),
            column=ENTRY_COLUMNS[driver],
            value=value,
            window=join(window.on("k", "k.id")),
            limit=limit,
        )

    def bound(value: str | tuple[str, str]) -> sql.Composable:
        if isinstance(value, tuple):
            return sql.SQL("({}, {})").format(*(params.bind(part, "::text") for part in value))
        return params.bind(value, "::text")

    if len(values) <= UNION_BRANCHES or driver is Driver.APP_TYPE:
        branches = sql.SQL(" UNION ALL ").join([branch(bound(value)) for value in values])
        return UNION.format(distinct=distinct, columns=COLUMNS, branches=branches, limit=limit)
    values_array = params.bind(values, "::text[]")
    return LATERAL.format(
        distinct=distinct, columns=COLUMNS, values=values_array, branch=branch(sql.SQL("d.value")), limit=limit
    )


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
    """Every filter the driver does not already apply, as conditions on ``entries AS e``."""
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
    if driver is not Driver.ACCESS_TAG:
        parts.append(sql.SQL("e.access_tags && {}").format(params.bind(list(request.access_tags), "::text[]")))
    return parts
