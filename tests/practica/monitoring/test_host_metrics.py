"""The eval hosts' figures: down, draining and what is reserved, per host, gone with the host."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from practica.hosts import registry as hosts
from practica.hosts.engine import EngineFacts
from practica.jobs.queue import QUEUES
from practica.monitoring.exporter import SystemMetrics
from tests.practica.monitoring.test_exporter import figure

GIB = 1024**3


async def test_each_hosts_state_and_reservations_are_exported(practica_db_url: str, tmp_path: Path) -> None:
    engine = create_async_engine(practica_db_url)
    registry = CollectorRegistry()
    metrics = SystemMetrics(registry, tmp_path, QUEUES)
    facts = EngineFacts("podman 4.3.1", 64 * GIB, 8)
    async with engine.begin() as conn:
        session = AsyncSession(bind=conn)
        for name in ("eval-a", "eval-b"):
            await hosts.add_host(
                session, name, f"tcp://{name}:2376", Path("/c"), facts, capacity_memory=4 * GIB, capacity_count=4
            )
        await hosts.set_draining(session, "eval-b", True)
        await conn.execute(
            text(
                "INSERT INTO learner_environments (id, owner_key, lesson_key, runtime, host, status, spec)"
                " VALUES ('e1', 'u1', 'l1', 'docker', 'eval-a', 'running', :spec)"
            ),
            {"spec": '{"limits": {"memory": 1073741824}}'},
        )
        await conn.execute(text("UPDATE eval_hosts SET down_since = now() WHERE name = 'eval-a'"))

    await metrics.refresh(engine)

    assert figure(registry, "practica_eval_host_down", host="eval-a") == 1
    assert figure(registry, "practica_eval_host_down", host="eval-b") == 0
    assert figure(registry, "practica_eval_host_draining", host="eval-b") == 1
    assert figure(registry, "practica_eval_host_reserved_fraction", host="eval-a", resource="memory") == 0.25
    assert figure(registry, "practica_eval_host_reserved_fraction", host="eval-a", resource="count") == 0.25

    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM eval_hosts WHERE name = 'eval-b'"))
    await metrics.refresh(engine)
    assert registry.get_sample_value("practica_eval_host_draining", {"host": "eval-b"}) is None
    await engine.dispose()
