"""Rate limits kept in PostgreSQL, so every web process counts against the same numbers.

Each limit counts hits per key in fixed windows (one row per key and window,
bumped with an upsert) and judges a hit by a sliding estimate: this window's
hits plus the previous window's, weighted by how much of the previous window
the last ``window`` seconds still cover. A plain fixed window forgets every
hit at its boundary, so a guesser could send twice the limit in a second
across it (and a test that straddled a minute boundary was let through). The
estimate costs one more indexed read per attempt. Keys for email addresses
hold a hash of the address, not the address. Old windows are deleted by the
accounts' purge job.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import RateLimitCounter
from practica.accounts.tokens import token_hash
from practica.errors import RetryLaterError


@dataclass(frozen=True)
class Limit:
    name: str
    hits: int
    window: timedelta

    def key(self, subject: str) -> str:
        return f"{self.name}:{token_hash(subject)[:32]}"


SIGNIN_PER_EMAIL = Limit("signin:email", 5, timedelta(minutes=1))
SIGNIN_PER_IP = Limit("signin:ip", 30, timedelta(minutes=1))
RESET_PER_EMAIL = Limit("reset:email", 3, timedelta(minutes=15))
RESET_PER_IP = Limit("reset:ip", 20, timedelta(minutes=15))
SIGNUP_PER_EMAIL = Limit("signup:email", 3, timedelta(hours=1))
SIGNUP_PER_IP = Limit("signup:ip", 50, timedelta(hours=1))


class RateLimitedError(RetryLaterError):
    """Too many hits: 429, try again after ``retry_after`` seconds (in the answer and its Retry-After header)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many attempts: try again in {retry_after} s", retry_after)


def seconds_until_allowed(limit: Limit, previous: int, current: int, into_window: float) -> float | None:
    """Seconds until the sliding estimate is back within ``limit``, or ``None`` when it already is.

    ``into_window`` is how far (0..1) the current window has run. The estimate
    is ``previous * (1 - into_window) + current``: within this window it falls
    as the previous window's share fades; when this window's hits alone are
    over the limit it has to wait for them to fade in the next one.
    """
    seconds = limit.window.total_seconds()
    if previous * (1 - into_window) + current <= limit.hits:
        return None
    if current <= limit.hits:
        return ((1 - (limit.hits - current) / previous) - into_window) * seconds
    return ((1 - into_window) + (1 - limit.hits / current)) * seconds


async def hit(session: AsyncSession, limit: Limit, subject: str, at: datetime | None = None) -> int | None:
    """Count one hit of ``subject`` (at ``at``, by default now); return the seconds to wait when it is over the
    limit, else ``None``."""
    at = at or datetime.now(UTC)
    seconds = limit.window.total_seconds()
    window_start = datetime.fromtimestamp(math.floor(at.timestamp() / seconds) * seconds, UTC)
    key = limit.key(subject)
    current = (
        await session.execute(
            insert(RateLimitCounter)
            .values(key=key, window_start=window_start, hits=1)
            .on_conflict_do_update(
                index_elements=[RateLimitCounter.key, RateLimitCounter.window_start],
                set_={"hits": RateLimitCounter.hits + 1},
            )
            .returning(RateLimitCounter.hits)
        )
    ).scalar_one()
    previous = await session.scalar(
        select(RateLimitCounter.hits).where(
            RateLimitCounter.key == key, RateLimitCounter.window_start == window_start - limit.window
        )
    )
    into_window = (at - window_start).total_seconds() / seconds
    wait = seconds_until_allowed(limit, previous or 0, current, into_window)
    return None if wait is None else max(1, math.ceil(wait))


async def enforce(session: AsyncSession, checks: Iterable[tuple[Limit, str]]) -> None:
    """Count a hit against every ``(limit, subject)``; raise :class:`RateLimitedError` if any is over."""
    waits = [wait for limit, subject in checks if (wait := await hit(session, limit, subject)) is not None]
    if waits:
        raise RateLimitedError(max(waits))
