"""Practica's system figures as Prometheus gauges, read fresh at each scrape of the web app's ``/metrics``.

They come from the database and the data volume, not from one process's
memory, so every web replica reports the same figures and a worker that
restarts loses none: the alert rules in ``deploy/prometheus/`` take the
``max`` over replicas.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from practica.hosts.registry import HostView, list_hosts
from practica.monitoring.business import DayFigures, LessonFigures, daily_figures, lesson_figures
from practica.monitoring.queries import CHECK_WINDOW_MINUTES, MailFigures, check_waits, mail_figures, queue_figures


class SystemMetrics:
    def __init__(self, registry: CollectorRegistry, home: Path, queues: Sequence[str]) -> None:
        self.home, self.queues = home, list(queues)
        self.queue_ready = Gauge(
            "practica_job_queue_ready", "Jobs ready to run and not yet taken", ["queue"], registry=registry
        )
        self.queue_oldest = Gauge(
            "practica_job_queue_oldest_seconds",
            "How long the oldest ready job has waited (0 for an empty queue)",
            ["queue"],
            registry=registry,
        )
        self.check_wait = Gauge(
            "practica_check_wait_seconds",
            f"Learners' checks finished in the last {CHECK_WINDOW_MINUTES} minutes: queued-to-result time",
            ["quantile"],
            registry=registry,
        )
        self.checks_finished = Gauge(
            "practica_checks_finished_recent",
            f"Learners' checks finished in the last {CHECK_WINDOW_MINUTES} minutes",
            registry=registry,
        )
        self.today = Gauge(
            "practica_business_today",
            "Today's (UTC) figures: signups, active_learners, checks_passed, checks_failed, course_completions, "
            "environment_hours",
            ["figure"],
            registry=registry,
        )
        self.lesson_checks = Gauge(
            "practica_lesson_checks_today",
            "Today's (UTC) checks of the 20 most checked lessons, by outcome",
            ["course", "lesson", "outcome"],
            registry=registry,
        )
        self.mail_recent = Gauge(
            "practica_mail_recent",
            "Mails whose delivery state changed in the last 24 hours, by state (queued, sent, deferred, bounced, "
            "complained, suppressed)",
            ["state"],
            registry=registry,
        )
        self.mail_suppressed = Gauge(
            "practica_mail_suppressed_addresses",
            "Addresses that hard-bounced or complained and get no mail until an admin lifts it",
            registry=registry,
        )
        self.disk_free = Gauge(
            "practica_data_disk_free_bytes", "Free bytes on PRACTICA_HOME's volume", registry=registry
        )
        self.disk_size = Gauge("practica_data_disk_size_bytes", "Size of PRACTICA_HOME's volume", registry=registry)
        self.host_down = Gauge(
            "practica_eval_host_down",
            "1 when the heartbeat marked the eval host down (silent past the timeout), else 0",
            ["host"],
            registry=registry,
        )
        self.host_draining = Gauge(
            "practica_eval_host_draining", "1 when an operator drained the eval host", ["host"], registry=registry
        )
        self.host_reserved = Gauge(
            "practica_eval_host_reserved_fraction",
            "Share of the eval host's capacity its live environments reserve, by resource (memory, count)",
            ["host", "resource"],
            registry=registry,
        )

    async def refresh(self, engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            queues = {figures.queue: figures for figures in await queue_figures(conn)}
            waits = await check_waits(conn)
            (today,) = await daily_figures(conn, 1)
            lessons = await lesson_figures(conn, 1)
            mail = await mail_figures(conn)
            async with AsyncSession(bind=conn) as session:
                hosts = await list_hosts(session)
        for queue in sorted({*self.queues, *queues}):
            figures = queues.get(queue)
            self.queue_ready.labels(queue).set(figures.ready if figures else 0)
            self.queue_oldest.labels(queue).set(figures.oldest_seconds if figures else 0.0)
        self.check_wait.labels("0.5").set(waits.p50_seconds)
        self.check_wait.labels("0.95").set(waits.p95_seconds)
        self.checks_finished.set(waits.finished)
        self._show_business(today, lessons)
        self._show_mail(mail)
        self._show_hosts(hosts)
        if self.home.is_dir():  # no data directory of its own when every database is remote
            usage = shutil.disk_usage(self.home)
            self.disk_free.set(usage.free)
            self.disk_size.set(usage.total)

    def _show_hosts(self, hosts: list[HostView]) -> None:
        for gauge in (self.host_down, self.host_draining, self.host_reserved):
            gauge.clear()  # a removed host must not linger
        for host in hosts:
            self.host_down.labels(host.name).set(1 if host.state == "down" else 0)
            self.host_draining.labels(host.name).set(1 if host.draining else 0)
            self.host_reserved.labels(host.name, "memory").set(host.reserved_memory / host.capacity_memory)
            self.host_reserved.labels(host.name, "count").set(host.reserved_count / host.capacity_count)

    def _show_mail(self, mail: MailFigures) -> None:
        for state, count in mail.recent.items():
            self.mail_recent.labels(state).set(count)
        self.mail_suppressed.set(mail.suppressed)

    def _show_business(self, today: DayFigures, lessons: list[LessonFigures]) -> None:
        for figure, value in asdict(today).items():
            if figure != "day":
                self.today.labels(figure).set(value)
        self.lesson_checks.clear()  # yesterday's lessons must not linger after midnight
        for lesson in lessons:
            self.lesson_checks.labels(lesson.course_id, lesson.lesson_slug, "passed").set(lesson.passed)
            self.lesson_checks.labels(lesson.course_id, lesson.lesson_slug, "failed").set(lesson.checks - lesson.passed)
