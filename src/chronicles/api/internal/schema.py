"""``POST /internal/graphql``: operating Chronicles (rules, templates, backfills, dead letters, status).

Guarded by ``Authorization: Bearer <CHRONICLES_ADMIN_TOKEN>`` (see
:mod:`chronicles.api.internal.context`). Mutations that take input answer
with a payload whose ``errors`` name the field at fault
(``{field: "match.actions[0]", message: "…"}``) and change nothing when
there are any; bad arguments of queries are GraphQL errors naming the
argument. No GET, no IDE, bounded body, document size and tokens, depth and aliases.
"""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig

from chronicles.api.documents import BoundedGraphQLRouter, document_limits
from chronicles.api.errors import ChroniclesErrors, Schema, mutation
from chronicles.api.internal import console, ops, rules
from chronicles.api.internal.context import internal_context
from chronicles.api.internal.types import (
    LONG_SCALAR,
    Backfill,
    DeadLetterConnection,
    IngestionStatus,
    Long,
    TagRule,
    Template,
)

PATH = "/internal/graphql"
MAX_BODY_BYTES = 1024 * 1024  # rule definitions and lists of up to 1,000 dead-letter ids
MAX_DOCUMENT_CHARACTERS = 256 * 1024
MAX_TOKENS = 10_000


@strawberry.type
class Query:
    tag_rules: list[TagRule] = strawberry.field(resolver=rules.tag_rules)
    templates: list[Template] = strawberry.field(resolver=rules.templates_list)
    backfills: list[Backfill] = strawberry.field(resolver=ops.backfills, description="Newest first.")
    dead_letters: DeadLetterConnection = strawberry.field(resolver=ops.dead_letters_page)
    ingestion_status: IngestionStatus = strawberry.field(resolver=ops.ingestion_status)
    entries_per_minute: list[console.EntriesPerMinute] = strawberry.field(resolver=console.entries_per_minute)
    job_queue: console.JobQueue = strawberry.field(resolver=console.job_queue)
    tag_rule_dry_run: console.TagRuleDiff = strawberry.field(resolver=console.tag_rule_dry_run)
    new_tag_rule_dry_run: console.TagRuleDiff = strawberry.field(resolver=console.new_tag_rule_dry_run)


@strawberry.type
class Mutation:
    create_tag_rule: rules.TagRulePayload = mutation(rules.create_tag_rule)
    update_tag_rule: rules.TagRulePayload = mutation(rules.update_tag_rule)
    delete_tag_rule: rules.DeletePayload = mutation(rules.delete_tag_rule)
    create_template: rules.TemplatePayload = mutation(rules.create_template)
    update_template: rules.TemplatePayload = mutation(rules.update_template)
    delete_template: rules.DeletePayload = mutation(rules.delete_template)
    start_backfill: ops.BackfillPayload = mutation(ops.start_backfill_for)
    redrive_dead_letters: ops.RedrivePayload = mutation(ops.redrive_dead_letters)
    discard_dead_letters: ops.DiscardPayload = mutation(ops.discard_dead_letters)


def schema() -> Schema:
    return Schema(
        query=Query,
        mutation=Mutation,
        extensions=[
            document_limits(MAX_DOCUMENT_CHARACTERS, MAX_TOKENS),
            lambda: QueryDepthLimiter(max_depth=8),
            lambda: MaxAliasesLimiter(max_alias_count=20),
            ChroniclesErrors,
        ],
        config=StrawberryConfig(scalar_map={Long: LONG_SCALAR}),
    )


def router() -> BoundedGraphQLRouter:
    return BoundedGraphQLRouter(
        schema(),
        path=PATH,
        graphql_ide=None,
        allow_queries_via_get=False,
        context_getter=internal_context,
        tags=["internal"],
    )
