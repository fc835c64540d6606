"""Rate limits kept in PostgreSQL, so every web process counts against the same numbers.

Each limit counts hits per key in fixed windows (one row per key and
window, bumped with an upsert). A fixed window lets through at most twice the
limit across a window boundary; for slowing password guessing that is plenty,
and it costs one indexed statement per attempt. Keys for email addresses hold
a hash of the address, not the address. Old windows are deleted by the
accounts' purge job.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
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


async def hit(session: AsyncSession, limit: Limit, subject: str) -> int | None:
    """Count one hit of ``subject``; return the seconds to wait when it is over the limit, else ``None``."""
    seconds = int(limit.window.total_seconds())
    window_start = func.to_timestamp(func.floor(func.extract("epoch", func.now()) / seconds) * seconds)
    statement = (
        insert(RateLimitCounter)
        .values(key=limit.key(subject), window_start=window_start, hits=1)
        .on_conflict_do_update(
            index_elements=[RateLimitCounter.key, RateLimitCounter.window_start],
            set_={"hits": RateLimitCounter.hits + 1},
        )
        .returning(
            RateLimitCounter.hits,
            func.extract("epoch", RateLimitCounter.window_start + limit.window - func.now()),
        )
    )
    hits, remaining = (await session.execute(statement)).one()
    if hits <= limit.hits:
        return None
    return max(1, math.ceil(float(remaining)))


async def enforce(session: AsyncSession, checks: Iterable[tuple[Limit, str]]) -> None:
    """Count a hit against every ``(limit, subject)``; raise :class:`RateLimitedError` if any is over."""
    waits = [wait for limit, subject in checks if (wait := await hit(session, limit, subject)) is not None]
    if waits:
        raise RateLimitedError(max(waits))
