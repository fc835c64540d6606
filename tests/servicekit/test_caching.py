"""Staggered caches: entries live between (1 - spread) x ttl and ttl, at different times."""

from __future__ import annotations

from collections.abc import MutableMapping

from servicekit.caching import staggered_cache


def test_entries_expire_within_the_ttl_at_staggered_times() -> None:
    now = [0.0]
    cache: MutableMapping[int, str] = staggered_cache(1_000, ttl=10.0, spread=0.5, timer=lambda: now[0])
    for user in range(200):
        cache[user] = f"user {user}"

    now[0] = 4.99
    assert len([user for user in range(200) if user in cache]) == 200  # nothing goes before 5 s
    now[0] = 7.5
    still_there = len([user for user in range(200) if user in cache])
    assert 20 < still_there < 180  # met together, forgotten at different moments
    now[0] = 10.0
    assert not [user for user in range(200) if user in cache]  # nothing outlives the ttl
