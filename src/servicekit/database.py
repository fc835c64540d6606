"""Async SQLAlchemy engines and sessions with psycopg 3, and the metadata every product's models use."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def make_engine(
    url: str,
    *,
    pool_size: int = 5,
    application_name: str = "practica",
    custom_plans: bool = False,
    pre_ping: bool = True,
    max_overflow: int | None = None,
) -> AsyncEngine:
    """An engine on psycopg 3.

    ``custom_plans`` is for search-heavy services: psycopg prepares a statement
    after five runs and PostgreSQL may then switch to a generic plan that
    cannot see the parameters (a payload ``@>`` search goes from 1 ms to
    seconds; see PERFORMANCE.md). It turns server-side prepares off and asks
    for custom plans.

    ``pre_ping`` tests each connection as it leaves the pool (a round trip per
    checkout). Hot request paths turn it off: a connection broken by a
    server restart then fails one request, and SQLAlchemy drops the whole pool.

    ``max_overflow`` connections beyond ``pool_size`` (default: twice as many)
    are closed when handed back: under steady load that is a connect per
    request, so a busy service sizes ``pool_size`` for its load and overflows
    little.
    """
    connect_args: dict[str, object] = {"connect_timeout": 5, "application_name": application_name}
    if custom_plans:
        connect_args["prepare_threshold"] = None
        connect_args["options"] = "-c plan_cache_mode=force_custom_plan"
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size * 2 if max_overflow is None else max_overflow,
        pool_pre_ping=pre_ping,
        connect_args=connect_args,
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def named_metadata() -> MetaData:
    """A product's own MetaData, naming constraints and indexes as its migrations do (never the database's)."""
    return MetaData(naming_convention=NAMING_CONVENTION)
