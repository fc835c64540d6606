"""One shape for the paged lists of the admin and authoring APIs: the items, and the cursor of the next page.

A list reads one row more than it answers (:func:`page_of`): that row only
tells that another page exists, so a client never guesses from a full page
(which may well be the last). ``next_after`` is what to pass as ``after`` for
the next page, null on the last one. Each list keeps its own order and cursor
type (an id, a slug, an opaque string); subclasses name them in the OpenAPI
schema (``JobPage``, ``UserPage``, …).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

ItemT = TypeVar("ItemT")
CursorT = TypeVar("CursorT")


class Page(BaseModel, Generic[ItemT, CursorT]):
    items: list[ItemT]
    next_after: CursorT | None = Field(description="Pass as `after` for the next page; null: this page is the last.")


def page_of(
    rows: Sequence[ItemT], limit: int, cursor: Callable[[ItemT], CursorT]
) -> tuple[list[ItemT], CursorT | None]:
    """The first ``limit`` of ``rows`` (read with ``limit + 1``) and the next page's cursor, None when none follows."""
    items = list(rows[:limit])
    return items, (cursor(items[-1]) if len(rows) > limit and items else None)
