"""Parameter types for routes: what the database can hold, refused at the edge with the parameter's name.

A Python ``int`` has no upper bound and a ``str`` may hold NUL bytes; a
PostgreSQL ``bigint`` stops at 2**63-1 and ``text`` cannot hold NUL at all.
Between the two, a request that needs no sign-in used to become a driver
error deep inside a query (a 500 and a traceback). Routes declare these
types instead, so FastAPI answers 422 naming the parameter, and the OpenAPI
schema shows the bounds::

    async def get_check(check_id: DbId, ...) -> ...
    async def get_course(course_id: NulFreeStr, ...) -> ...

:class:`servicekit.guard.InputGuard` refuses the same inputs for routes that
do not use these types (yet), and for JSON bodies.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

DB_INT_MAX = 2**63 - 1
DB_INT_MIN = -(2**63)
NUL_MESSAGE = "must not contain NUL bytes"


def no_nul(value: str) -> str:
    """``value``, unless it holds a NUL byte (PostgreSQL text cannot, and no name or path needs one)."""
    if "\x00" in value:
        raise PydanticCustomError("nul_byte", NUL_MESSAGE)
    return value


DbId = Annotated[int, Field(ge=1, le=DB_INT_MAX, description="A row id (1 to 2**63-1).")]
DbInt = Annotated[int, Field(ge=DB_INT_MIN, le=DB_INT_MAX)]
NulFreeStr = Annotated[str, AfterValidator(no_nul)]
