"""Tag rules, compiled once and applied to every entry as it is written.

A rule matches on apps, subject types and actions (each an allow-list; empty
means any) and on payload conditions (all must hold). Its tag is a
placeholder template (``user:{performer}``); when a placeholder has no value
for an entry (no performer, a missing payload key) the rule does not tag it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chronicles.contract.conditions import PayloadCondition
from chronicles.contract.patterns import ActionName, AppName, TypeName
from chronicles.rules.conditions import holds
from chronicles.rules.placeholders import EntryView, Template


class TagKind(StrEnum):
    FEED = "feed"
    ACCESS = "access"


class RuleMatch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    apps: list[AppName] = Field(default_factory=list, max_length=100)
    subject_types: list[TypeName] = Field(default_factory=list, max_length=100)
    actions: list[ActionName] = Field(default_factory=list, max_length=200)
    payload: list[PayloadCondition] = Field(default_factory=list, max_length=20)


class RuleDefinition(BaseModel):
    """A tag rule as an operator writes it (YAML, GraphQL)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$")
    kind: TagKind
    tag: str = Field(min_length=1, max_length=200)
    match: RuleMatch = Field(default_factory=RuleMatch)
    enabled: bool = True

    @field_validator("tag")
    @classmethod
    def _tag_template_parses(cls, tag: str) -> str:
        Template.parse(tag)
        return tag


@dataclass(frozen=True)
class CompiledRule:
    name: str
    kind: TagKind
    tag: Template
    apps: frozenset[str]
    subject_types: frozenset[str]
    actions: frozenset[str]
    payload: tuple[PayloadCondition, ...]

    @classmethod
    def compile(cls, rule: RuleDefinition) -> CompiledRule:
        match = rule.match
        return cls(
            rule.name,
            rule.kind,
            Template.parse(rule.tag),
            frozenset(match.apps),
            frozenset(match.subject_types),
            frozenset(match.actions),
            tuple(match.payload),
        )

    def tag_for(self, entry: EntryView, subject_type: str) -> str | None:
        """The tag this rule gives ``entry``, or None when it does not apply."""
        if self.apps and entry.app not in self.apps:
            return None
        if self.subject_types and subject_type not in self.subject_types:
            return None
        if self.actions and entry.action not in self.actions:
            return None
        if not all(holds(condition, entry.payload) for condition in self.payload):
            return None
        return self.tag.render(entry, missing=lambda _: None)


@dataclass(frozen=True)
class Tags:
    feed: tuple[str, ...]
    access: tuple[str, ...]


class RuleBook:
    """Every enabled rule, ready to tag entries."""

    def __init__(self, rules: Iterable[CompiledRule]) -> None:
        self.rules = tuple(rules)

    def tags_for(self, entry: EntryView, subject_type: str) -> Tags:
        feed: dict[str, None] = {}
        access: dict[str, None] = {}
        for rule in self.rules:
            tag = rule.tag_for(entry, subject_type)
            if tag is not None and tag.isprintable():
                (feed if rule.kind is TagKind.FEED else access)[tag[:200]] = None
        return Tags(tuple(feed), tuple(access))
