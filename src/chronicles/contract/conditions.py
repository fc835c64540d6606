"""Payload conditions, shared by tag rules (evaluated in Python) and search (compiled to SQL).

A condition is ``{operation, path, value}``: ``path`` is a list of keys into
the payload, ``value`` a JSON value. Both are data: paths pass an exact
pattern and reach SQL only as bound ``text[]`` parameters.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chronicles.contract.patterns import MAX_PATH_DEPTH, PathSegment

JsonPath = Annotated[list[PathSegment], Field(min_length=1, max_length=MAX_PATH_DEPTH)]


class PayloadOperation(StrEnum):
    EQ = "EQ"
    NOT_EQ = "NOT_EQ"
    IN = "IN"
    CONTAINS = "CONTAINS"
    EXISTS = "EXISTS"
    GT = "GT"
    GTE = "GTE"
    LT = "LT"
    LTE = "LTE"


ORDERING = {PayloadOperation.GT, PayloadOperation.GTE, PayloadOperation.LT, PayloadOperation.LTE}
MAX_IN_VALUES = 100


class PayloadCondition(BaseModel):
    """One test on the value found at ``path`` in an entry's payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    operation: PayloadOperation
    path: JsonPath
    value: Any = None

    @model_validator(mode="after")
    def _value_fits_operation(self) -> PayloadCondition:
        operation, value = self.operation, self.value
        if operation is PayloadOperation.EXISTS:
            if value not in (None, True):
                raise ValueError("EXISTS takes no value")
        elif operation is PayloadOperation.IN:
            if not isinstance(value, list) or not 1 <= len(value) <= MAX_IN_VALUES:
                raise ValueError(f"IN needs a list of 1 to {MAX_IN_VALUES} values")
        elif operation in ORDERING:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError(f"{operation.value} needs a number or a string")
        elif value is None and operation is PayloadOperation.CONTAINS:
            raise ValueError("CONTAINS needs a value")
        return self
