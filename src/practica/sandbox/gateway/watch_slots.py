"""How many file watches the gateway holds: each is an inotify instance, of which a host has few (128 a user)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class WatchLimitError(Exception):
    """Too many file watches are open (for this environment, or in this gateway)."""


class WatchSlots:
    """At most ``per_environment`` watches for one environment and ``total`` in all."""

    def __init__(self, per_environment: int, total: int) -> None:
        self.per_environment = per_environment
        self.total = total
        self.open: Counter[str] = Counter()

    @contextmanager
    def claim(self, env_id: str) -> Iterator[None]:
        if self.open[env_id] >= self.per_environment:
            raise WatchLimitError(f"at most {self.per_environment} file watches per environment")
        if self.open.total() >= self.total:
            raise WatchLimitError("the gateway watches as many workspaces as it can; try again later")
        self.open[env_id] += 1
        try:
            yield
        finally:
            self.open[env_id] -= 1
            if not self.open[env_id]:
                del self.open[env_id]
