"""Internal API fields the operators' console needs: entries per minute, the job queue, a rule change's dry run.

Read-only: the console changes things only through the mutations every
client of the internal API has (``updateTagRule``, ``redriveDeadLetters``, …).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from chronicles.api.internal.context import Info
from chronicles.api.internal.rules import TagRuleInput, TagRulePatch
from chronicles.api.internal.types import Long, as_dict
from chronicles.console import activity, dry_run
from chronicles.errors import InputError


@strawberry.type(description="Entries of one app recorded in one minute (minutes without entries are left out).")
class EntriesPerMinute:
    minute: datetime
    app: str
    entries: int = strawberry.field(graphql_type=Long)


@strawberry.type
class JobCount:
    status: str = strawberry.field(description="procrastinate's: todo, doing, succeeded, failed, cancelled, aborted.")
    count: int = strawberry.field(graphql_type=Long)


@strawberry.type
class FailedJob:
    id: int = strawberry.field(graphql_type=Long)
    task: str
    args: JSON = strawberry.field(description="The task's arguments.")
    attempts: int
    scheduled_at: datetime | None
    failed_at: datetime | None

    @classmethod
    def of(cls, job: activity.FailedJob) -> FailedJob:
        return cls(
            id=job.id,
            task=job.task,
            args=cast(JSON, job.args),
            attempts=job.attempts,
            scheduled_at=job.scheduled_at,
            failed_at=job.failed_at,
        )


@strawberry.type(description="The procrastinate jobs of queue `chronicles` (backfills and other slow work).")
class JobQueue:
    counts: list[JobCount]
    recent_failures: list[FailedJob] = strawberry.field(description="Newest first.")


@strawberry.type
class TagChange:
    entry_id: int = strawberry.field(graphql_type=Long)
    subject: str
    action: str
    tags: list[str] = strawberry.field(description="`kind:tag`, e.g. `feed:lesson:7`.")


@strawberry.type(description="What applying a rule change would re-tag, among the newest `scanned` entries.")
class TagRuleDiff:
    scanned: int = strawberry.field(graphql_type=Long)
    covers_all: bool = strawberry.field(description="Whether the scanned entries are all the stored ones.")
    gained: int = strawberry.field(graphql_type=Long, description="Entries that would gain a tag.")
    lost: int = strawberry.field(graphql_type=Long, description="Entries that would lose a tag.")
    gained_examples: list[TagChange]
    lost_examples: list[TagChange]

    @classmethod
    def of(cls, diff: dry_run.RuleDiff) -> TagRuleDiff:
        return cls(
            scanned=diff.scanned,
            covers_all=diff.covers_all,
            gained=diff.gained,
            lost=diff.lost,
            gained_examples=[TagChange(**vars(example)) for example in diff.gained_examples],
            lost_examples=[TagChange(**vars(example)) for example in diff.lost_examples],
        )


async def entries_per_minute(info: Info, minutes: int = 60) -> list[EntriesPerMinute]:
    if not 1 <= minutes <= activity.MAX_HISTORY_MINUTES:
        raise InputError.one("minutes", f"must be between 1 and {activity.MAX_HISTORY_MINUTES}")
    async with info.context.transaction() as conn:
        counts = await activity.entries_per_minute(conn, minutes)
    return [EntriesPerMinute(minute=count.minute, app=count.app, entries=count.entries) for count in counts]


async def job_queue(info: Info, failures: int = 20) -> JobQueue:
    if not 1 <= failures <= activity.MAX_FAILURES:
        raise InputError.one("failures", f"must be between 1 and {activity.MAX_FAILURES}")
    async with info.context.transaction() as conn:
        queue = await activity.job_queue(conn, failures)
    return JobQueue(
        counts=[JobCount(status=status, count=count) for status, count in queue.counts.items()],
        recent_failures=[FailedJob.of(job) for job in queue.failures],
    )


async def tag_rule_dry_run(info: Info, name: str, input: TagRulePatch, scan: int = 10_000) -> TagRuleDiff:
    """Changes nothing: what ``updateTagRule(name, input)`` would make its backfill add and remove."""
    async with info.context.transaction() as conn:
        return TagRuleDiff.of(await dry_run.diff_rule_change(conn, name, as_dict(input), scan))


async def new_tag_rule_dry_run(info: Info, input: TagRuleInput, scan: int = 10_000) -> TagRuleDiff:
    """Changes nothing: what ``createTagRule(input)`` would make its backfill tag."""
    async with info.context.transaction() as conn:
        return TagRuleDiff.of(await dry_run.diff_new_rule(conn, as_dict(input), scan))
