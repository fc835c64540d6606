"""Chronicles' dead letters piling up reach the operations webhook once per step of growth.

A real Chronicles (``chronicles serve``, its intake open) takes bad entries, which it keeps as dead letters;
the check reads its ``/metrics`` and queues a report, which a real worker posts to a real HTTP receiver.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

import practica.monitoring.tasks  # noqa: F401  (registers the report task the check queues by name)
from practica.jobs.queue import connected, jobs
from practica.jobs.resources import worker_resources_for
from practica.monitoring.dead_letters import DeadLetterFigures, check_dead_letters, pending_dead_letters
from practica.settings import PracticaSettings
from servicekit.database import make_engine
from tests.conftest import free_port, running_service
from tests.webhook_receiver import Receiver, webhook_receiver

STEP = 20


@pytest.fixture
def chronicles(chronicles_db_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        "CHRONICLES_DATABASE_URL": chronicles_db_url,
        "PRACTICA_HOME": str(tmp_path),
        "CHRONICLES_INTAKE_OPEN": "true",
    }
    argv = [sys.executable, "-m", "chronicles", "serve", "--port", str(port)]
    with running_service(argv, env, f"http://127.0.0.1:{port}", log=tmp_path / "chronicles.log") as base:
        yield base


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as made:
        yield made


@pytest.fixture
async def engine(practica_db_url: str) -> AsyncIterator[AsyncEngine]:
    made = make_engine(practica_db_url, pool_size=2)
    yield made
    await made.dispose()


def send_bad_entries(chronicles: str, count: int, first: int) -> None:
    """``count`` entries Chronicles refuses (no time in ``occurred_at``), each of other bytes: as many letters."""
    entries: list[dict[str, Any]] = [
        {"app": "practica", "subject": "gid://practica/Lesson/1", "action": "lesson.opened", "occurred_at": f"t{n}"}
        for n in range(first, first + count)
    ]
    answer = httpx.post(f"{chronicles}/entries", content=json.dumps(entries), timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 0
    assert len(answer.json()["errors"]) == count


async def run_worker(engine: AsyncEngine, url: str, settings: PracticaSettings) -> None:
    async with connected(jobs, url):
        await jobs.run_worker_async(
            wait=False,
            queues=["default"],
            install_signal_handlers=False,
            additional_context=worker_resources_for(settings, engine).context(),
        )


async def test_growth_past_the_step_is_told_once_per_step(
    chronicles: str, engine: AsyncEngine, practica_db_url: str, receiver: Receiver, tmp_path: Path
) -> None:
    settings = PracticaSettings(
        database_url=practica_db_url,
        practica_home=tmp_path,
        chronicles_url=chronicles,
        practica_ops_webhook_url=SecretStr(receiver.url),
    )
    assert await check_dead_letters(engine, chronicles, STEP) == DeadLetterFigures(0, 0)

    send_bad_entries(chronicles, 25, first=0)
    assert await pending_dead_letters(chronicles) == 25
    assert await check_dead_letters(engine, chronicles, STEP) == DeadLetterFigures(25, 0)
    await run_worker(engine, practica_db_url, settings)
    (told,) = receiver.wait_for(1)
    assert told["username"] == "Practica"
    assert told["text"].startswith("*25 dead letters wait in Chronicles*\n• 25 more since the last report (0)")

    send_bad_entries(chronicles, 5, first=25)  # 30: only 5 more than told, under the step
    assert await check_dead_letters(engine, chronicles, STEP) == DeadLetterFigures(30, 25)
    await run_worker(engine, practica_db_url, settings)
    assert len(receiver.wait_for(2, within=1)) == 1

    send_bad_entries(chronicles, 20, first=30)  # 50: 25 more than told
    assert await check_dead_letters(engine, chronicles, STEP) == DeadLetterFigures(50, 25)
    await run_worker(engine, practica_db_url, settings)
    bodies = receiver.wait_for(2)
    assert len(bodies) == 2
    assert bodies[1]["text"].startswith("*50 dead letters wait in Chronicles*\n• 25 more since the last report (25)")


async def test_an_unanswering_chronicles_is_logged_and_tells_nothing(engine: AsyncEngine, receiver: Receiver) -> None:
    assert await check_dead_letters(engine, f"http://127.0.0.1:{free_port()}", STEP) is None
    assert receiver.wait_for(1, within=0.5) == []
