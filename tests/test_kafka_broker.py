"""The test broker's cluster id: kafka-storage must never read it as an option."""

from __future__ import annotations

from collections.abc import Iterator

from tests.kafka_broker import _cluster_id


def _draws(*first_bytes: int) -> Iterator[bytes]:
    for first in first_bytes:
        yield bytes([first]) + bytes(15)


def test_an_id_that_would_start_with_a_dash_is_drawn_again() -> None:
    draws = _draws(0xF8, 0xFB, 0x10)

    cluster_id = _cluster_id(lambda size: next(draws))

    assert cluster_id.startswith("E")
    assert len(cluster_id) == 22


def test_the_first_draw_is_kept_when_it_is_safe() -> None:
    draws = _draws(0x00, 0xF8)

    assert _cluster_id(lambda size: next(draws)) == "A" * 22
