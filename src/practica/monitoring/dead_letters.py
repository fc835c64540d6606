"""Dead letters piling up in Chronicles, told to the operations webhook once per step of growth.

Chronicles keeps what it could not store as dead letters for an operator to redrive or discard; its
``/metrics`` (the public face Prometheus scrapes, so Practica reads no table of Chronicles') says how many
wait. Every few minutes the worker reads that figure and compares it with the last one it noted: grown by
``PRACTICA_OPS_DEAD_LETTERS_STEP`` or more, one message says how many wait and how many came since (a
thousand bad messages make one post, not a thousand); fallen (an operator redrove or discarded them), the
lower figure becomes the new baseline, silently. The figure noted is the argument of the report job each
decision queues (procrastinate's job table is the memory: no table of its own); without one, the baseline
is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import structlog
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from practica.jobs.queue import defer_by_name_in_transaction, jobs
from practica.monitoring.notify import OpsMessage

log = structlog.get_logger(__name__)
PENDING_METRIC = "chronicles_dead_letters_pending"
REPORT_TASK = "practica.monitoring.report_dead_letters"
_LAST_NOTED = text(
    "SELECT (args->>'pending')::bigint FROM procrastinate_jobs WHERE task_name = :task ORDER BY id DESC LIMIT 1"
)


@dataclass(frozen=True)
class DeadLetterFigures:
    pending: int
    previous: int

    def grew_by(self, step: int) -> bool:
        return self.pending - self.previous >= step

    def message(self) -> OpsMessage:
        return OpsMessage(
            f"{self.pending} dead letters wait in Chronicles",
            [
                f"{self.pending - self.previous} more since the last report ({self.previous})",
                "an operator redrives or discards them (Chronicles' internal API: deadLetters)",
            ],
        )


async def pending_dead_letters(chronicles_url: str, *, timeout_s: float = 10.0) -> int | None:
    """The dead letters Chronicles says wait, from its ``/metrics``; None when it does not answer."""
    try:
        async with httpx.AsyncClient(timeout=timeout_s) as client:
            answer = await client.get(f"{chronicles_url.rstrip('/')}/metrics")
            answer.raise_for_status()
    except httpx.HTTPError as error:
        log.warning("ops.dead_letters_unknown", error=str(error) or type(error).__name__)
        return None
    for family in text_string_to_metric_families(answer.text):
        if family.name == PENDING_METRIC and family.samples:
            return int(max(sample.value for sample in family.samples))
    log.warning("ops.dead_letters_unknown", error=f"{PENDING_METRIC} is not in Chronicles' /metrics")
    return None


async def check_dead_letters(engine: AsyncEngine, chronicles_url: str, step: int) -> DeadLetterFigures | None:
    """Compare Chronicles' pending dead letters with the last figure noted; queue a report when they grew by
    ``step`` or more (told) or fell (noted only). The figures, or None when Chronicles did not say."""
    pending = await pending_dead_letters(chronicles_url)
    if pending is None:
        return None
    async with AsyncSession(engine) as session, session.begin():
        figures = DeadLetterFigures(pending, int(await session.scalar(_LAST_NOTED, {"task": REPORT_TASK}) or 0))
        if figures.grew_by(step) or pending < figures.previous:
            await defer_by_name_in_transaction(
                session, jobs, REPORT_TASK, pending=pending, previous=figures.previous, tell=figures.grew_by(step)
            )
    return figures
