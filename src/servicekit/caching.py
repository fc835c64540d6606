"""Per-process caches whose entries expire at staggered times.

A web process that remembers every user's session for exactly five seconds
forgets the users it met together at the same moment too, and then asks the
database about all of them at once: a burst of queries, every five seconds,
that shows as the tail of the latency. Each entry here lives a random time
between ``(1 - spread) x ttl`` and ``ttl``, so refreshes are spread out and
nothing is remembered for longer than ``ttl``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from cachetools import TLRUCache

K = TypeVar("K")
V = TypeVar("V")


def staggered_cache(
    maxsize: int, ttl: float, spread: float = 0.5, timer: Callable[[], float] = time.monotonic
) -> TLRUCache[K, V]:
    """At most ``maxsize`` entries, each expiring ``(1 - spread) x ttl`` to ``ttl`` seconds after it is set."""
    shortest = ttl * (1 - spread)

    def expires(_key: Any, _value: Any, now: float) -> float:
        return now + random.uniform(shortest, ttl)  # noqa: S311 - spreading load, not security

    return TLRUCache(maxsize=maxsize, ttu=expires, timer=timer)
