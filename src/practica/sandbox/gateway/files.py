"""File operations on an environment's workspace, through the runtime's symlink-safe file API.

    GET    /environments/{id}/files?path=DIR      the directory's entries (JSON)
    GET    /environments/{id}/files?path=FILE     the file's bytes; ``ETag``: its version (SHA-256, quoted)
    PUT    /environments/{id}/files?path=FILE     write the body (parents made); ``mode`` optional, octal;
                                                  answers the new ``ETag``
    WS     /environments/{id}/files/watch         what changes (:mod:`practica.sandbox.gateway.watch`)
    DELETE /environments/{id}/files?path=PATH     a file, a link or a whole directory
    POST   /environments/{id}/files/rename        {"source": PATH, "target": PATH}

Paths are relative to the workspace; one leaving it is refused (400).

A PUT may be conditional, so that an editor never overwrites what it has
not seen (a terminal's write, a reset): ``If-Match: "VERSION"`` writes only
over that version, ``If-None-Match: *`` only when the file does not exist.
Otherwise 412, nothing written, with the version on disk as ``ETag`` (and
``etag`` in the body, null when the file is missing). Without either header
the PUT writes whatever is there.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from practica.sandbox.files import version_of
from practica.sandbox.gateway.auth import reader, writer
from practica.sandbox.gateway.state import Gateway, gateway_of
from practica.sandbox.runtime import PathRefusedError, VersionConflictError
from practica.sandbox.spec import FileEntry
from servicekit.params import NulFreeStr

router = APIRouter(prefix="/environments/{env_id}/files", tags=["files"])
PathQuery = Annotated[NulFreeStr, Query(max_length=4096, description="Path in the workspace.")]
State = Annotated[Gateway, Depends(gateway_of)]
ENTITY_TAG = re.compile(r'^"([0-9a-f]{64})"$')


class Listing(BaseModel):
    path: str
    entries: list[FileEntry]


class Rename(BaseModel):
    source: NulFreeStr = Field(max_length=4096)
    target: NulFreeStr = Field(max_length=4096)


@router.get("", dependencies=[Depends(reader)], response_model=None)
async def read_or_list(env_id: str, gateway: State, path: PathQuery = ".") -> Listing | Response:
    try:
        return Listing(path=path, entries=await gateway.runtime.list_files(env_id, path))
    except PathRefusedError:
        pass  # not a directory (or not allowed at all: reading says which)
    data = await gateway.runtime.read_file(env_id, path)
    return Response(data, media_type="application/octet-stream", headers=_version_headers(version_of(data)))


def _version_headers(version: str) -> dict[str, str]:
    return {"ETag": f'"{version}"', "Cache-Control": "no-store"}


def _precondition(request: Request) -> tuple[str | None, bool]:
    """``(if_match, create_only)`` from the request's headers; 400 naming a header that makes no sense."""
    if_match, if_none_match = request.headers.get("if-match"), request.headers.get("if-none-match")
    if if_match is not None and if_none_match is not None:
        raise HTTPException(400, "send If-Match or If-None-Match, not both")
    if if_none_match is not None and if_none_match.strip() != "*":
        raise HTTPException(400, "If-None-Match: only * (create, never replace) is understood")
    if if_match is None:
        return None, if_none_match is not None
    matched = ENTITY_TAG.match(if_match.strip())
    if matched is None:
        raise HTTPException(400, 'If-Match must be one ETag this gateway sent ("64 hex digits")')
    return matched.group(1), False


@router.put("", dependencies=[Depends(writer)], status_code=204, response_model=None)
async def write(
    env_id: str,
    request: Request,
    gateway: State,
    path: PathQuery,
    mode: Annotated[str, Query(pattern=r"^0?[0-7]{3}$")] = "644",
) -> Response:
    if_match, create_only = _precondition(request)
    limit = gateway.settings.max_file_read
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise HTTPException(413, f"files are limited to {limit} bytes")
    try:
        version = await gateway.runtime.write_file(
            env_id, path, bytes(data), int(mode, 8), if_match=if_match, create_only=create_only
        )
    except VersionConflictError as conflict:
        return JSONResponse(
            {"detail": str(conflict), "etag": conflict.current},
            status_code=412,
            headers=_version_headers(conflict.current) if conflict.current else {"Cache-Control": "no-store"},
        )
    return Response(status_code=204, headers=_version_headers(version))


@router.delete("", dependencies=[Depends(writer)], status_code=204)
async def delete(env_id: str, gateway: State, path: PathQuery) -> None:
    await gateway.runtime.delete_file(env_id, path)


@router.post("/rename", dependencies=[Depends(writer)], status_code=204)
async def rename(env_id: str, body: Rename, gateway: State) -> None:
    await gateway.runtime.rename_file(env_id, body.source, body.target)
