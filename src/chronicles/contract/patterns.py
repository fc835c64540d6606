"""Exact patterns for the identifiers in an entry.

A global id names one object of one application: ``gid://APP/TYPE/ID``.
Action names are dotted lower-case words (``lesson.published``). JSON paths
into a payload are lists of plain keys (or array indexes). Everything that
reaches SQL or a template passes one of these first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import StringConstraints

APP_PATTERN = r"^[a-z][a-z0-9_-]{0,62}$"
TYPE_PATTERN = r"^[A-Z][A-Za-z0-9_]{0,62}$"
GID_PATTERN = r"^gid://[a-z][a-z0-9_-]{0,62}/[A-Z][A-Za-z0-9_]{0,62}/[A-Za-z0-9_.:~@-]{1,200}$"
ACTION_PATTERN = r"^[a-z][a-z0-9_]{0,62}(\.[a-z][a-z0-9_]{0,62}){1,4}$"
PATH_SEGMENT_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
TAG_PATTERN = r"^[A-Za-z0-9_.:/@-]{1,200}$"
MAX_PATH_DEPTH = 8

AppName = Annotated[str, StringConstraints(pattern=APP_PATTERN)]
TypeName = Annotated[str, StringConstraints(pattern=TYPE_PATTERN)]
Gid = Annotated[str, StringConstraints(pattern=GID_PATTERN)]
ActionName = Annotated[str, StringConstraints(pattern=ACTION_PATTERN)]
PathSegment = Annotated[str, StringConstraints(pattern=PATH_SEGMENT_PATTERN)]
Tag = Annotated[str, StringConstraints(pattern=TAG_PATTERN)]

_GID = re.compile(r"^gid://(?P<app>[^/]+)/(?P<type>[^/]+)/(?P<id>.+)$")


@dataclass(frozen=True)
class GlobalId:
    app: str
    type: str
    id: str

    @classmethod
    def parse(cls, gid: str) -> GlobalId:
        """Split a gid that already passed :data:`GID_PATTERN`."""
        match = _GID.match(gid)
        if match is None:
            raise ValueError(f"not a global id: {gid!r}")
        return cls(match["app"], match["type"], match["id"])

    def __str__(self) -> str:
        return f"gid://{self.app}/{self.type}/{self.id}"
