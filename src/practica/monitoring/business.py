"""The platform's business figures per UTC day: sign-ups, active learners, checks, completions, environment hours.

Each reads an index on its time column (migration 0014) over the range asked
for, so a 90-day page costs a few range scans. Authors' previews are no
learner's activity and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_DAILY = text(
    """
    WITH days AS (
        SELECT generate_series(
            (now() AT TIME ZONE 'UTC')::date - (CAST(:days AS integer) - 1),
            (now() AT TIME ZONE 'UTC')::date,
            interval '1 day'
        )::date AS day
    ),
    bounds AS (SELECT min(day)::timestamp AT TIME ZONE 'UTC' AS since FROM days),
    signups AS (
        SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
        FROM users, bounds WHERE created_at >= since GROUP BY 1
    ),
    checks AS (
        SELECT (queued_at AT TIME ZONE 'UTC')::date AS day,
               count(*) FILTER (WHERE status = 'passed') AS passed,
               count(*) FILTER (WHERE status = 'failed') AS failed
        FROM check_attempts, bounds WHERE queued_at >= since AND user_key NOT LIKE 'preview:%' GROUP BY 1
    ),
    active AS (
        SELECT day, count(DISTINCT learner) AS n FROM (
            SELECT (queued_at AT TIME ZONE 'UTC')::date AS day, user_key AS learner
            FROM check_attempts, bounds WHERE queued_at >= since AND user_key NOT LIKE 'preview:%'
            UNION ALL
            SELECT d.day, r.owner_key
            FROM environment_runs AS r JOIN days AS d
              ON r.started_at < (d.day + 1)::timestamp AT TIME ZONE 'UTC'
             AND coalesce(r.stopped_at, now()) > d.day::timestamp AT TIME ZONE 'UTC'
            WHERE r.owner_key NOT LIKE 'preview:%'
        ) AS seen GROUP BY day
    ),
    hours AS (
        SELECT d.day, sum(extract(epoch FROM
                   least(coalesce(r.stopped_at, now()), (d.day + 1)::timestamp AT TIME ZONE 'UTC')
                   - greatest(r.started_at, d.day::timestamp AT TIME ZONE 'UTC'))) / 3600 AS n
        FROM environment_runs AS r JOIN days AS d
          ON r.started_at < (d.day + 1)::timestamp AT TIME ZONE 'UTC'
         AND coalesce(r.stopped_at, now()) > d.day::timestamp AT TIME ZONE 'UTC'
        WHERE r.owner_key NOT LIKE 'preview:%'
        GROUP BY d.day
    ),
    latest AS (
        SELECT DISTINCT ON (course_id) id, course_id FROM course_versions
        WHERE published_at IS NOT NULL ORDER BY course_id, number DESC
    ),
    sizes AS (
        SELECT l.course_id, count(*) AS lessons FROM latest AS l JOIN course_lessons AS cl ON cl.version_id = l.id
        GROUP BY l.course_id
    ),
    recent_pairs AS (
        SELECT DISTINCT user_key, course_id FROM lesson_completions, bounds
        WHERE completed_at >= since AND user_key NOT LIKE 'preview:%'
    ),
    finished AS (
        SELECT max(c.completed_at) AS at
        FROM recent_pairs AS p
        JOIN lesson_completions AS c ON c.user_key = p.user_key AND c.course_id = p.course_id
        JOIN latest AS l ON l.course_id = c.course_id
        JOIN course_lessons AS cl ON cl.version_id = l.id AND cl.slug = c.lesson_slug
        JOIN sizes AS s ON s.course_id = c.course_id
        GROUP BY c.user_key, c.course_id, s.lessons
        HAVING count(*) = s.lessons
    ),
    completions AS (
        SELECT (at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM finished, bounds WHERE at >= since GROUP BY 1
    )
    SELECT days.day, coalesce(signups.n, 0), coalesce(active.n, 0), coalesce(checks.passed, 0),
           coalesce(checks.failed, 0), coalesce(completions.n, 0), coalesce(hours.n, 0)
    FROM days
    LEFT JOIN signups USING (day) LEFT JOIN active USING (day) LEFT JOIN checks USING (day)
    LEFT JOIN completions USING (day) LEFT JOIN hours USING (day)
    ORDER BY days.day
    """
)
_LESSONS = text(
    """
    SELECT a.course_id, a.lesson_slug, max(cl.title), count(*), count(*) FILTER (WHERE a.status = 'passed')
    FROM check_attempts AS a JOIN course_lessons AS cl ON cl.id = a.lesson_id
    WHERE a.queued_at >= ((now() AT TIME ZONE 'UTC')::date - (CAST(:days AS integer) - 1))::timestamp AT TIME ZONE 'UTC'
      AND a.user_key NOT LIKE 'preview:%' AND a.status IN ('passed', 'failed')
    GROUP BY a.course_id, a.lesson_slug
    ORDER BY count(*) DESC, a.course_id, a.lesson_slug
    LIMIT :limit
    """
)


@dataclass(frozen=True)
class DayFigures:
    day: date
    signups: int
    active_learners: int
    checks_passed: int
    checks_failed: int
    course_completions: int
    environment_hours: float


@dataclass(frozen=True)
class LessonFigures:
    course_id: str
    lesson_slug: str
    title: str
    checks: int
    passed: int


async def daily_figures(conn: AsyncConnection, days: int) -> list[DayFigures]:
    """One row per UTC day, the last ``days`` of them up to today (included), zeros where nothing happened."""
    rows = await conn.execute(_DAILY, {"days": days})
    return [
        DayFigures(day, int(signups), int(active), int(passed), int(failed), int(completions), round(float(hours), 2))
        for day, signups, active, passed, failed, completions, hours in rows
    ]


async def lesson_figures(conn: AsyncConnection, days: int, limit: int = 20) -> list[LessonFigures]:
    """The lessons checked most in the range, with how many of their checks passed (platform errors left out)."""
    rows = await conn.execute(_LESSONS, {"days": days, "limit": limit})
    return [
        LessonFigures(course, slug, title, int(checks), int(passed)) for course, slug, title, checks, passed in rows
    ]
