"""The console's ingestion and dead-letter pages with a real Kafka broker and a real ``chronicles consume``.

The consumer reads a two-partition topic into the database and reports its
positions every few seconds; the console shows each partition's committed
offset, lag and consumption rate from those reports, and the message that
could not be stored as a dead letter with its topic, partition and offset.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.browser.test_chronicles_console import Chronicles, chronicles, sign_in  # noqa: F401
from tests.chronicles.factories import entry
from tests.chronicles.ingest.conftest import kafka_broker, kafka_cluster, kafka_topic, produce  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.kafka]

FIRST, MORE = 40, 60


@pytest.fixture
def consumer(
    chronicles: Chronicles,  # noqa: F811
    kafka_broker: str,  # noqa: F811
    kafka_topic: Callable[[int], str],  # noqa: F811
    tmp_path: Path,
) -> Iterator[tuple[str, str]]:
    """``chronicles consume`` on a topic of two partitions of its own: yields (topic, group)."""
    topic, group = kafka_topic(2), f"console-{uuid.uuid4().hex[:8]}"
    argv = [sys.executable, "-m", "chronicles", "consume", "--bootstrap-servers", kafka_broker]
    env = {**os.environ, "CHRONICLES_DATABASE_URL": chronicles.database_url, "PRACTICA_HOME": str(tmp_path)}
    with open(tmp_path / "consume.log", "wb") as log:
        process = subprocess.Popen([*argv, "--topic", topic, "--group", group], env=env, stdout=log, stderr=log)
    try:
        yield topic, group
    finally:
        process.terminate()
        process.wait(timeout=30)


async def test_partitions_lag_rate_and_kafka_dead_letters_from_a_real_consumer(
    page: Page,
    chronicles: Chronicles,  # noqa: F811
    kafka_broker: str,  # noqa: F811
    consumer: tuple[str, str],
) -> None:
    topic, group = consumer
    first = [json.dumps(entry(app="forum")).encode() for _ in range(FIRST - 1)] + [b'{"app": "forum"']
    produce(kafka_broker, topic, first, partitions=2)
    await page.set_viewport_size({"width": 1400, "height": 900})
    await sign_in(page, chronicles)

    table = page.get_by_role("region", name="Partitions table")
    for partition in (0, 1):  # 20 messages each, all read: lag 0
        cells = table.locator(f'tr[data-partition="{topic}[{partition}] · {group}"] td')
        await expect(cells.nth(3)).to_have_text("20")
        await expect(cells.nth(5)).to_have_text("0")
    lag = page.get_by_role("figure", name="Consumer lag by partition")
    for partition in (0, 1):
        await expect(lag.locator(f'g.series[data-series="{topic}[{partition}] · {group}"] polyline')).to_be_attached()

    produce(kafka_broker, topic, [json.dumps(entry(app="forum")).encode() for _ in range(MORE)], partitions=2)
    rate = page.get_by_role("figure", name="Consumed per second by partition")
    await expect(rate.locator("g.series circle").first).to_be_attached()  # a report after the new messages
    per_app = page.get_by_role("figure", name="Entries per minute by app (last hour)")
    await expect(per_app.locator('g.series[data-series="forum"] polyline')).to_be_attached()
    figures = page.get_by_label("Ingestion figures")
    await expect(figures.get_by_text("Entries, last hour").locator("xpath=following-sibling::dd")).to_have_text(
        str(FIRST - 1 + MORE)
    )

    await page.get_by_role("link", name="Dead letters").click()
    await page.get_by_label("Source").select_option("kafka")
    letters = page.get_by_role("list", name="Dead letters").get_by_role("listitem")
    await expect(letters).to_have_count(1)
    await expect(letters.first).to_contain_text(f"kafka · {topic}[1] @ 19")
