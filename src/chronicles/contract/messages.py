"""The entry message (schema version 1).

``schemas/chronicles/entry.v1.json`` is generated from :class:`EntryMessage`
(``chronicles schema``); a test keeps the two equal.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from chronicles.contract.filters import check_storable
from chronicles.contract.patterns import ActionName, AppName, Gid, GlobalId

MAX_PAYLOAD_BYTES = 64 * 1024
SCHEMA_VERSION = 1


class EntryMessage(BaseModel):
    """One action a user (or the system) performed, as a producer sends it."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Chronicles entry (v1)")

    schema_version: Literal[1] = Field(1, description="Version of this message schema.")
    sequence_code: uuid.UUID | None = Field(
        None, description="Identity of the entry; generated when absent. Resending it never duplicates."
    )
    app: AppName = Field(description="The application that reports the action, e.g. `practica`.")
    subject: Gid = Field(description="What the action was done to: `gid://APP/TYPE/ID`.")
    action: ActionName = Field(description="What happened, dotted: `lesson.published`, `check.passed`.")
    performer: Gid | None = Field(None, description="Who did it (a gid), or null for the system.")
    payload: dict[str, Any] = Field(default_factory=dict, description="Details, a JSON object (at most 64 KiB).")
    occurred_at: AwareDatetime = Field(description="When it happened, by the producer's clock, with a time zone.")

    @field_validator("payload")
    @classmethod
    def _payload_size(cls, payload: dict[str, Any]) -> dict[str, Any]:
        check_storable(payload)  # else the database refuses it, with the other entries of its batch
        size = len(json.dumps(payload, separators=(",", ":")).encode())
        if size > MAX_PAYLOAD_BYTES:
            raise ValueError(f"payload is {size} bytes; at most {MAX_PAYLOAD_BYTES} are allowed")
        return payload

    @field_validator("occurred_at")
    @classmethod
    def _to_utc(cls, occurred_at: datetime) -> datetime:
        return occurred_at.astimezone(UTC)

    @property
    def subject_id(self) -> GlobalId:
        return GlobalId.parse(self.subject)


def json_schema() -> dict[str, Any]:
    schema = EntryMessage.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://practica.dev/schemas/chronicles/entry.v1.json"
    return schema
