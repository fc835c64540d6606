"""The sliding-window rate limit: hits are not forgotten at a window boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.ratelimit import Limit, hit, seconds_until_allowed

FIVE_A_MINUTE = Limit("test:limit", 5, timedelta(minutes=1))
BOUNDARY = datetime(2026, 12, 6, 11, 22, tzinfo=UTC)


async def test_hits_just_before_a_boundary_still_count_just_after_it(practica_session: AsyncSession) -> None:
    for _ in range(5):
        assert await hit(practica_session, FIVE_A_MINUTE, "someone", at=BOUNDARY - timedelta(milliseconds=100)) is None
    wait = await hit(practica_session, FIVE_A_MINUTE, "someone", at=BOUNDARY + timedelta(milliseconds=100))
    assert wait is not None
    assert 1 <= wait <= 60


async def test_the_previous_windows_hits_fade_as_it_slides_away(practica_session: AsyncSession) -> None:
    for _ in range(5):
        await hit(practica_session, FIVE_A_MINUTE, "someone", at=BOUNDARY - timedelta(seconds=30))
    assert await hit(practica_session, FIVE_A_MINUTE, "someone", at=BOUNDARY + timedelta(seconds=5)) is not None
    assert await hit(practica_session, FIVE_A_MINUTE, "someone", at=BOUNDARY + timedelta(seconds=50)) is None
    assert await hit(practica_session, FIVE_A_MINUTE, "someone else", at=BOUNDARY + timedelta(seconds=20)) is None


@pytest.mark.parametrize(
    ("previous", "current", "into_window", "expected"),
    [
        (0, 5, 0.5, None),
        (5, 1, 0.5, None),  # 2.5 + 1: within
        (5, 3, 0.5, 6.0),  # 5 * (1 - f) + 3 <= 5 once f >= 0.6: a tenth of a minute on
        (10, 1, 0.25, 21.0),  # 10 * (1 - f) + 1 <= 5 once f >= 0.6
        (0, 6, 0.5, 40.0),  # the rest of this window, then 1/6 of the next
    ],
)
def test_the_wait_ends_when_the_estimate_is_back_within_the_limit(
    previous: int, current: int, into_window: float, expected: float | None
) -> None:
    wait = seconds_until_allowed(FIVE_A_MINUTE, previous, current, into_window)
    if expected is None:
        assert wait is None
    else:
        assert wait == pytest.approx(expected)
