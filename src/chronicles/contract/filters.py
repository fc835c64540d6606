"""The search filter: what a viewer may ask ``entries`` for, validated at the edge.

Field names are the public GraphQL names (``subjectTypes``, ``feedTagsMatch``)
so a validation error names the field the client wrote. Every identifier
passes the same exact pattern as in the entry message; a list, when given,
holds at least one value (an empty list is refused rather than read as "no
restriction", which would silently widen a search).
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from chronicles.contract.conditions import PayloadCondition
from chronicles.contract.patterns import ActionName, AppName, Gid, Tag, TypeName

MAX_VALUES = 100
MAX_CONDITIONS = 20
MAX_VALUE_BYTES = 8 * 1024
MAX_VALUE_DEPTH = 32


class TagMatch(StrEnum):
    ANY = "ANY"
    ALL = "ALL"


AppList = Annotated[list[AppName], Field(min_length=1, max_length=MAX_VALUES)]
GidList = Annotated[list[Gid], Field(min_length=1, max_length=MAX_VALUES)]
TypeList = Annotated[list[TypeName], Field(min_length=1, max_length=MAX_VALUES)]
ActionList = Annotated[list[ActionName], Field(min_length=1, max_length=MAX_VALUES)]
TagList = Annotated[list[Tag], Field(min_length=1, max_length=MAX_VALUES)]


def _storable(condition: PayloadCondition) -> PayloadCondition:
    check_json_value(condition.value)
    return condition


StorableCondition = Annotated[PayloadCondition, AfterValidator(_storable)]
ConditionList = Annotated[list[StorableCondition], Field(min_length=1, max_length=MAX_CONDITIONS)]


class EntryFilter(BaseModel):
    """Filters that combine with AND; the values of one list combine with OR (feed tags: ANY or ALL)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    apps: AppList | None = None
    subjects: GidList | None = None
    subject_types: TypeList | None = Field(None, alias="subjectTypes")
    actions: ActionList | None = None
    performers: GidList | None = None
    feed_tags: TagList | None = Field(None, alias="feedTags")
    feed_tags_match: TagMatch = Field(TagMatch.ANY, alias="feedTagsMatch")
    occurred_after: AwareDatetime | None = Field(None, alias="occurredAfter")
    occurred_before: AwareDatetime | None = Field(None, alias="occurredBefore")
    payload: ConditionList | None = None

    @model_validator(mode="after")
    def _window(self) -> EntryFilter:
        after, before = self.occurred_after, self.occurred_before
        if after is not None and before is not None and after >= before:
            raise ValueError("occurredAfter must be earlier than occurredBefore")
        return self


def check_json_value(value: Any) -> None:
    """Refuse what PostgreSQL's ``jsonb`` cannot hold (so no stored payload could match it).

    NUL characters, unpaired surrogates and non-finite numbers would otherwise
    reach the database as errors instead of as an answer.
    """
    check_storable(value)
    if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_VALUE_BYTES:
        raise ValueError(f"a value may be at most {MAX_VALUE_BYTES} bytes of JSON")


def check_storable(value: Any, depth: int = 0) -> None:
    """Refuse what ``jsonb`` cannot store: NUL characters, unpaired surrogates, non-finite numbers, deep nesting."""
    if depth > MAX_VALUE_DEPTH:
        raise ValueError(f"a value may nest at most {MAX_VALUE_DEPTH} levels")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite")
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, list):
        for item in value:
            check_storable(item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            check_storable(item, depth + 1)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise ValueError("strings may not contain the NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("strings must be valid Unicode (no unpaired surrogates)") from None


def error_field(error: dict[str, Any], prefix: str = "filter") -> str:
    """``filter.payload[0].path[1]`` from a pydantic error location."""
    location = list(error["loc"])
    # The operation/value check of a condition is a model validator: its location is the condition itself.
    if len(location) == 2 and location[0] == "payload" and error["type"] == "value_error":
        location.append("value")
    name = prefix
    for part in location:
        name += f"[{part}]" if isinstance(part, int) else f".{part}"
    return name


def first_error(error: ValidationError, prefix: str = "filter") -> tuple[str, str]:
    """The first problem of a validation error as (field, message)."""
    detail = error.errors()[0]
    return error_field(dict(detail), prefix), str(detail["msg"]).removeprefix("Value error, ")
