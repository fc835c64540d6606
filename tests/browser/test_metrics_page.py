"""The admin Metrics page draws real charts from the database, at 1400×900 and 390×844, in a real Chromium.

A week of history is written straight into the platform's database (sign-ups,
checks of a published lesson, a completion, environment runs) so the charts
have something to draw; how each figure is computed is tested in
``tests/practica/monitoring``.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from playwright.async_api import Page, expect
from sqlalchemy.engine import make_url

from tests.browser.axe import assert_accessible
from tests.browser.conftest import Platform, screenshot
from tests.browser.test_authoring_and_admin import sign_in

pytestmark = [pytest.mark.browser]

COURSE = Path(__file__).resolve().parents[2] / "courses" / "networking"
HISTORY = """
INSERT INTO users (email, display_name, password_hash, created_at)
SELECT 'learner' || n || '@example.org', 'Learner ' || n, 'x', now() - (n % 7) * interval '1 day'
FROM generate_series(1, 20) AS n;
INSERT INTO check_attempts (user_key, course_id, lesson_slug, lesson_id, detail, results, status, verdict,
                            queued_at, finished_at)
SELECT (n % 9)::text, 'networking', cl.slug, cl.id, '', '[]', CASE WHEN n % 3 = 0 THEN 'passed' ELSE 'failed' END,
       CASE WHEN n % 3 = 0 THEN 'passed' ELSE 'failed' END,
       now() - (n % 7) * interval '1 day', now() - (n % 7) * interval '1 day' + interval '3 seconds'
FROM generate_series(1, 60) AS n
JOIN course_lessons AS cl ON cl.position = n % 2;
INSERT INTO lesson_completions (user_key, course_id, lesson_slug, attempt_id, completed_at)
SELECT learner, 'networking', cl.slug, (SELECT min(id) FROM check_attempts), now() - interval '1 day'
FROM course_lessons AS cl, (VALUES ('1'), ('2')) AS learners(learner);
INSERT INTO environment_runs (environment_id, owner_key, started_at, stopped_at)
SELECT 'env-' || n, (n % 9)::text, now() - (n % 7) * interval '1 day' - interval '2 hours',
       now() - (n % 7) * interval '1 day' - interval '30 minutes'
FROM generate_series(1, 14) AS n;
"""


def write_history(platform: Platform) -> None:
    url = make_url(platform.env["DATABASE_URL"]).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(url) as conn:
        conn.execute(HISTORY)


async def test_an_admin_reads_a_weeks_figures_as_charts(page: Page, platform: Platform) -> None:
    imported = platform.practica("course", "import", str(COURSE))
    assert imported.returncode == 0, imported.stderr
    write_history(platform)
    await sign_in(page, platform, "root@example.org", "admin")
    await page.set_viewport_size({"width": 1400, "height": 900})
    await page.goto(f"{platform.url}/admin")
    await page.get_by_role("link", name="Metrics").click()
    week = page.get_by_role("radio", name="7 days")
    await week.click()  # a controlled radio: checked once the URL says so, not at the click
    await expect(week).to_be_checked()
    await expect(page).to_have_url(f"{platform.url}/admin/metrics?days=7")

    totals = page.get_by_label("Totals over the last 7 days")
    await expect(totals.get_by_text("Sign-ups").locator("xpath=following-sibling::dd")).to_have_text("21")
    await expect(totals.get_by_text("Checks", exact=True).locator("xpath=following-sibling::dd")).to_have_text("60")
    for title in ("Sign-ups and active learners", "Checks and pass rate", "Environment hours", "Course completions"):
        chart = page.get_by_role("figure", name=title)
        await expect(chart.locator(".recharts-wrapper > svg.recharts-surface")).to_be_visible()
        await expect(
            chart.locator(".recharts-line-curve, .recharts-bar-rectangle, .recharts-area-area").first
        ).to_be_attached()
    lessons = page.get_by_role("region", name="Most checked lessons")
    await expect(lessons.locator(".recharts-bar-rectangle").first).to_be_attached()
    await screenshot(page, "admin-metrics-1400")
    await assert_accessible(page, "the admin Metrics page at 1400×900")

    await page.set_viewport_size({"width": 390, "height": 844})
    await expect(
        page.get_by_role("figure", name="Checks and pass rate").locator(".recharts-wrapper > svg.recharts-surface")
    ).to_be_visible()
    # The charts follow their containers a frame or two after the window narrows (a ResizeObserver).
    await page.wait_for_function("() => document.documentElement.scrollWidth <= 390")
    await screenshot(page, "admin-metrics-390")
    await assert_accessible(page, "the admin Metrics page at 390×844")
