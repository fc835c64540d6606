"""Connections for the public searches: one statement, one round trip.

Through SQLAlchemy's pool a search cost five round trips (the pre-ping, BEGIN,
the ``SET LOCAL`` settings, the query, the ROLLBACK when the connection went
back) and about a millisecond of CPU in pool and greenlet code. These
connections come from a ``psycopg_pool`` pool in autocommit mode and carry
the search settings from the moment they connect (libpq ``options``), so a
search is its query alone:

- ``plan_cache_mode = force_generic_plan`` and no automatic prepares: the
  searches that :func:`~chronicles.store.search.search` prepares (every
  driver but the payload) are planned once per connection and statement
  shape, since their SQL already fixes the index walked; everything else is
  planned for its values (PERFORMANCE.md: a generic plan of a payload
  search turns a millisecond into seconds);
- ``statement_timeout = 5s``: a search never runs away with the database;
- ``jit = off``, ``max_parallel_workers_per_gather = 0``: a page is a few
  dozen rows, workers and JIT compilation cost more than they save.

The pool is servicekit's :class:`~servicekit.reads.PoolReads` (the one
Practica's hot reads use) with these settings as connection options:
connections are not tested as they leave the pool; a read that fails because
the server dropped its connection (a restart) checks the whole pool and runs
once more, reads being safe to repeat.

On a read replica (``CHRONICLES_READ_DATABASE_URL``) a server that cannot be
reached within the pool's timeout is a
:class:`~chronicles.errors.ReplicaUnavailableError` (503, ``UNAVAILABLE``),
never a silent read from the primary: the replica is there to keep the
searches' load off the primary, and an outage must not move it back unseen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from psycopg import AsyncConnection
from psycopg_pool import PoolTimeout

from chronicles.errors import ReplicaUnavailableError
from servicekit.reads import PoolReads

T = TypeVar("T")
SEARCH_OPTIONS = (
    "-c plan_cache_mode=force_generic_plan -c statement_timeout=5s -c jit=off -c max_parallel_workers_per_gather=0"
)
# psycopg prepares nothing on a connection whose threshold is None, not even when asked (``prepare=True``);
# a count of runs never reached leaves the choice to each call.
PREPARED_ONLY_WHEN_ASKED = 2**62
REPLICA_DOWN = "the read replica (CHRONICLES_READ_DATABASE_URL) cannot be reached; try again later"


class SearchPool(PoolReads):
    """Autocommit connections with the search settings; opens on first use, closed by :meth:`close`."""

    def __init__(self, database_url: str, *, max_size: int, application_name: str, replica: bool = False) -> None:
        options = {"prepare_threshold": PREPARED_ONLY_WHEN_ASKED, "options": SEARCH_OPTIONS}
        super().__init__(database_url, max_size=max_size, application_name=application_name, connection_options=options)
        self.replica = replica

    async def read(self, work: Callable[[AsyncConnection[Any]], Awaitable[T]]) -> T:
        """``work`` on a pooled connection (see :meth:`PoolReads.run`); a replica that cannot be reached is
        a :class:`~chronicles.errors.ReplicaUnavailableError`."""
        try:
            return await self.run(work)
        except PoolTimeout as error:
            if not self.replica:
                raise
            raise ReplicaUnavailableError(REPLICA_DOWN) from error
