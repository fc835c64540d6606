"""The system figures follow the real job queue and the learners' real checks."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry
from sqlalchemy import text

from practica.jobs.queue import QUEUES
from practica.lessons.files import FileData
from practica.monitoring.exporter import SystemMetrics
from practica.sandbox import Runtime
from tests.practica.checks.checking import published_checks
from tests.practica.lessons.factories import write_course

RIGHT = {"solution.py": FileData(b"def add(a, b):\n    return a + b\n")}


def figure(registry: CollectorRegistry, name: str, **labels: str) -> float:
    value = registry.get_sample_value(name, labels)
    assert value is not None, f"{name}{labels} is not exported"
    return value


async def test_queue_age_and_check_waits_follow_what_happens(
    practica_db_url: str, bwrap_runtime: Runtime, checks_home: Path, tmp_path: Path
) -> None:
    course = write_course(tmp_path / "basics", ["add"])
    registry = CollectorRegistry()
    metrics = SystemMetrics(registry, tmp_path, QUEUES)
    async with published_checks(practica_db_url, bwrap_runtime, checks_home, tmp_path, course) as checks:
        await metrics.refresh(checks.engine)
        assert figure(registry, "practica_job_queue_ready", queue="checks") == 0
        assert figure(registry, "practica_job_queue_oldest_seconds", queue="checks") == 0
        assert figure(registry, "practica_job_queue_ready", queue="sandbox") == 0  # every queue is named, even empty
        assert figure(registry, "practica_checks_finished_recent") == 0

        await checks.request(files=RIGHT)
        async with checks.engine.begin() as conn:  # the job was deferred ten minutes ago
            await conn.execute(text("UPDATE procrastinate_events SET at = now() - interval '10 minutes'"))
        await metrics.refresh(checks.engine)
        assert figure(registry, "practica_job_queue_ready", queue="checks") == 1
        assert figure(registry, "practica_job_queue_oldest_seconds", queue="checks") >= 600

        await checks.run_jobs()
        await metrics.refresh(checks.engine)
        assert figure(registry, "practica_job_queue_ready", queue="checks") == 0
        assert figure(registry, "practica_job_queue_oldest_seconds", queue="checks") == 0
        assert figure(registry, "practica_checks_finished_recent") == 1
        assert figure(registry, "practica_check_wait_seconds", quantile="0.95") > 0
        assert figure(registry, "practica_business_today", figure="checks_passed") == 1
        assert figure(registry, "practica_lesson_checks_today", course="basics", lesson="add", outcome="passed") == 1

    assert 0 < figure(registry, "practica_data_disk_free_bytes") <= figure(registry, "practica_data_disk_size_bytes")
