"""``GET /metrics`` reads the figures every consume process stores: consumer lag and pending dead letters."""

from __future__ import annotations

import asyncio

import psycopg
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from chronicles.store.consumer_status import PartitionStatus, record_consumer_status
from tests.chronicles.api.test_intake import db
from tests.chronicles.factories import entry


def samples(client: TestClient, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    text = client.get("/metrics").text
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


async def _report(url: str, group: str, statuses: list[PartitionStatus]) -> None:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await record_consumer_status(conn, group, statuses)


def test_consumer_lag_and_pending_dead_letters_come_from_the_database(chronicles_client: TestClient) -> None:
    assert samples(chronicles_client, "chronicles_dead_letters_pending") == {(): 0}
    assert samples(chronicles_client, "chronicles_consumer_group_lag") == {}

    chronicles_client.post("/entries", json=[entry(), entry(subject="nonsense"), {"app": "practica"}])
    statuses = [PartitionStatus("events", 0, 90, 100), PartitionStatus("events", 1, 50, 50)]
    asyncio.run(_report(db(chronicles_client), "practica-consumers", statuses))

    assert samples(chronicles_client, "chronicles_dead_letters_pending") == {(): 2}
    lags = samples(chronicles_client, "chronicles_consumer_group_lag")
    assert lags == {
        (("group", "practica-consumers"), ("partition", "0"), ("topic", "events")): 10,
        (("group", "practica-consumers"), ("partition", "1"), ("topic", "events")): 0,
    }
