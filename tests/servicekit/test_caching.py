"""RefreshAheadCache: at most ttl old, reloaded in the background once due, never stored after a forget."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from servicekit.caching import RefreshAheadCache


class Source:
    """What the cache reads from: counts its loads; each load can be held until ``release``."""

    def __init__(self, value: str | None = "v1") -> None:
        self.value, self.loads = value, 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def load(self) -> str | None:
        self.loads += 1
        await self.gate.wait()
        return self.value


def clock() -> tuple[list[float], Callable[[], float]]:
    now = [0.0]
    return now, lambda: now[0]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_value_is_loaded_once_and_remembered_until_it_is_due() -> None:
    now, timer = clock()
    cache: RefreshAheadCache[str, str] = RefreshAheadCache(100, ttl=10.0, timer=timer)
    source = Source()
    assert await cache.get_or_load("k", source.load) == "v1"
    now[0] = 4.9  # refresh times fall between 5 and 8 s
    assert [await cache.get_or_load("k", source.load) for _ in range(3)] == ["v1"] * 3
    assert source.loads == 1
    assert cache.get("k") == "v1"


async def test_past_its_refresh_time_a_read_answers_at_once_and_one_reload_runs_behind() -> None:
    now, timer = clock()
    cache: RefreshAheadCache[str, str] = RefreshAheadCache(100, ttl=10.0, timer=timer)
    source = Source()
    await cache.get_or_load("k", source.load)
    source.value, now[0] = "v2", 8.0
    source.gate.clear()  # the reload is slow

    answers = [await cache.get_or_load("k", source.load) for _ in range(10)]

    assert answers == ["v1"] * 10  # nobody waited for the reload
    await settle()
    assert source.loads == 2  # one reload for ten reads
    source.gate.set()
    await settle()
    assert await cache.get_or_load("k", source.load) == "v2"


async def test_a_value_older_than_the_ttl_is_never_answered() -> None:
    now, timer = clock()
    cache: RefreshAheadCache[str, str] = RefreshAheadCache(100, ttl=10.0, timer=timer)
    source = Source()
    await cache.get_or_load("k", source.load)
    source.value, now[0] = "v2", 10.0
    assert cache.get("k") is None
    assert await cache.get_or_load("k", source.load) == "v2"  # loaded in the request


async def test_a_load_answering_none_forgets_the_key() -> None:
    now, timer = clock()
    cache: RefreshAheadCache[str, str] = RefreshAheadCache(100, ttl=10.0, timer=timer)
    source = Source()
    await cache.get_or_load("k", source.load)
    source.value, now[0] = None, 8.0  # the session ended meanwhile
    assert await cache.get_or_load("k", source.load) == "v1"
    await settle()
    assert cache.get("k") is None


async def test_a_reload_begun_before_a_forget_does_not_bring_the_value_back() -> None:
    now, timer = clock()
    cache: RefreshAheadCache[str, str] = RefreshAheadCache(100, ttl=10.0, timer=timer)
    source = Source()
    await cache.get_or_load("k", source.load)
    now[0] = 8.0
    source.gate.clear()
    await cache.get_or_load("k", source.load)  # starts the reload, which has read the old row
    cache.forget("k")  # signed out meanwhile
    source.gate.set()
    await settle()
    assert cache.get("k") is None


async def test_forget_where_drops_the_matching_values() -> None:
    cache: RefreshAheadCache[str, str] = RefreshAheadCache(100, ttl=10.0)
    for key, value in (("a", "ann"), ("b", "bob"), ("c", "ann")):
        await cache.get_or_load(key, Source(value).load)
    cache.forget_where(lambda value: value == "ann")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, "bob", None)


async def test_without_background_reloads_a_due_value_is_kept_until_the_ttl() -> None:
    now, timer = clock()
    cache: RefreshAheadCache[str, str] = RefreshAheadCache(100, ttl=10.0, timer=timer)
    source = Source()
    await cache.get_or_load("k", source.load, in_background=False)
    source.value, now[0] = "v2", 9.0
    assert await cache.get_or_load("k", source.load, in_background=False) == "v1"
    await settle()
    assert source.loads == 1
    now[0] = 10.0
    assert await cache.get_or_load("k", source.load, in_background=False) == "v2"


async def test_a_failing_reload_keeps_the_value_until_the_ttl() -> None:
    now, timer = clock()
    cache: RefreshAheadCache[str, str] = RefreshAheadCache(100, ttl=10.0, timer=timer)
    await cache.get_or_load("k", Source().load)

    async def broken() -> str:
        raise ConnectionError("database restarting")

    now[0] = 8.0
    assert await cache.get_or_load("k", broken) == "v1"
    await settle()
    assert cache.get("k") == "v1"
    now[0] = 10.0
    assert cache.get("k") is None


async def test_close_stops_the_reloads_under_way() -> None:
    now, timer = clock()
    cache: RefreshAheadCache[str, str] = RefreshAheadCache(100, ttl=10.0, timer=timer)
    source = Source()
    assert await cache.get_or_load("k", source.load) == "v1"
    now[0], source.value = 8.0, "v2"  # due for a reload, which waits at the gate
    source.gate.clear()
    assert await cache.get_or_load("k", source.load) == "v1"
    await settle()
    assert source.loads == 2
    await cache.close()
    source.gate.set()
    await settle()
    assert cache.get("k") == "v1"  # the reload ended without storing anything
