"""Internal API: tag rules and templates (create, change, list, delete)."""

from __future__ import annotations

import strawberry
from psycopg import AsyncConnection
from strawberry.scalars import JSON

from chronicles.api.errors import FieldError
from chronicles.api.internal.context import Info
from chronicles.api.internal.types import Backfill, PayloadOperation, TagKind, TagRule, Template, as_dict
from chronicles.rules import service, templates
from chronicles.rules.progress import get_backfill
from chronicles.rules.service import Change


@strawberry.input
class PayloadConditionInput:
    operation: PayloadOperation  # type: ignore[valid-type]
    path: list[str]
    value: JSON | None = None


@strawberry.input
class RuleMatchInput:
    apps: list[str] | None = None
    subject_types: list[str] | None = None
    actions: list[str] | None = None
    payload: list[PayloadConditionInput] | None = None


@strawberry.input
class TagRuleInput:
    name: str
    kind: TagKind  # type: ignore[valid-type]
    tag: str
    match: RuleMatchInput | None = None
    enabled: bool = True


@strawberry.input(description="Fields left out keep their value; `match` is replaced as a whole.")
class TagRulePatch:
    kind: TagKind | None = None  # type: ignore[valid-type]
    tag: str | None = None
    match: RuleMatchInput | None = None
    enabled: bool | None = None


@strawberry.input
class TemplateInput:
    name: str
    app: str
    subject_type: str
    action: str
    text: str


@strawberry.input(description="Fields left out keep their value.")
class TemplatePatch:
    app: str | None = None
    subject_type: str | None = None
    action: str | None = None
    text: str | None = None


@strawberry.type
class TagRulePayload:
    rule: TagRule | None = None
    backfill: Backfill | None = strawberry.field(default=None, description="Queued for the new or changed rule.")
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class TemplatePayload:
    template: Template | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class DeletePayload:
    deleted: bool = False
    errors: list[FieldError] = strawberry.field(default_factory=list)


async def tag_rules(info: Info) -> list[TagRule]:
    async with info.context.transaction() as conn:
        return [TagRule.of(rule) for rule in await service.list_rules(conn)]


async def templates_list(info: Info) -> list[Template]:
    async with info.context.transaction() as conn:
        return [Template.of(template) for template in await templates.list_templates(conn)]


async def create_tag_rule(info: Info, input: TagRuleInput, backfill: bool = True) -> TagRulePayload:
    definition = service.parse_rule(as_dict(input))
    async with info.context.transaction() as conn:
        change = await service.create_rule(conn, definition, backfill_existing=backfill)
        return await _rule_payload(conn, change)


async def update_tag_rule(info: Info, name: str, input: TagRulePatch, backfill: bool = True) -> TagRulePayload:
    async with info.context.transaction() as conn:
        change = await service.update_rule(conn, name, as_dict(input), backfill_existing=backfill)
        return await _rule_payload(conn, change)


async def delete_tag_rule(info: Info, name: str) -> DeletePayload:
    async with info.context.transaction() as conn:
        await service.delete_rule(conn, name)
    return DeletePayload(deleted=True)


async def create_template(info: Info, input: TemplateInput) -> TemplatePayload:
    definition = templates.parse_template(as_dict(input))
    async with info.context.transaction() as conn:
        await templates.create_template(conn, definition)
        return await _template_payload(conn, definition.name)


async def update_template(info: Info, name: str, input: TemplatePatch) -> TemplatePayload:
    async with info.context.transaction() as conn:
        await templates.update_template(conn, name, as_dict(input))
        return await _template_payload(conn, name)


async def delete_template(info: Info, name: str) -> DeletePayload:
    async with info.context.transaction() as conn:
        await templates.delete_template(conn, name)
    return DeletePayload(deleted=True)


async def _rule_payload(conn: AsyncConnection, change: Change) -> TagRulePayload:
    stored = await service.get_rule(conn, change.name)
    progress = await get_backfill(conn, change.backfill_id) if change.backfill_id is not None else None
    return TagRulePayload(
        rule=TagRule.of(stored) if stored else None, backfill=Backfill.of(progress) if progress else None
    )


async def _template_payload(conn: AsyncConnection, name: str) -> TemplatePayload:
    stored = await templates.get_template(conn, name)
    return TemplatePayload(template=Template.of(stored) if stored else None)
