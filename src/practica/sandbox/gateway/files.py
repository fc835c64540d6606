"""File operations on an environment's workspace, through the runtime's symlink-safe file API.

    GET    /environments/{id}/files?path=DIR      the directory's entries (JSON)
    GET    /environments/{id}/files?path=FILE     the file's bytes
    PUT    /environments/{id}/files?path=FILE     write the body (parents made); ``mode`` optional, octal
    DELETE /environments/{id}/files?path=PATH     a file, a link or a whole directory
    POST   /environments/{id}/files/rename        {"source": PATH, "target": PATH}

Paths are relative to the workspace; one leaving it is refused (400).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from practica.sandbox.gateway.auth import reader, writer
from practica.sandbox.gateway.state import Gateway, gateway_of
from practica.sandbox.runtime import PathRefusedError
from practica.sandbox.spec import FileEntry
from servicekit.params import NulFreeStr

router = APIRouter(prefix="/environments/{env_id}/files", tags=["files"])
PathQuery = Annotated[NulFreeStr, Query(max_length=4096, description="Path in the workspace.")]
State = Annotated[Gateway, Depends(gateway_of)]


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
    return Response(data, media_type="application/octet-stream")


@router.put("", dependencies=[Depends(writer)], status_code=204)
async def write(
    env_id: str,
    request: Request,
    gateway: State,
    path: PathQuery,
    mode: Annotated[str, Query(pattern=r"^0?[0-7]{3}$")] = "644",
) -> None:
    limit = gateway.settings.max_file_read
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise HTTPException(413, f"files are limited to {limit} bytes")
    await gateway.runtime.write_file(env_id, path, bytes(data), int(mode, 8))


@router.delete("", dependencies=[Depends(writer)], status_code=204)
async def delete(env_id: str, gateway: State, path: PathQuery) -> None:
    await gateway.runtime.delete_file(env_id, path)


@router.post("/rename", dependencies=[Depends(writer)], status_code=204)
async def rename(env_id: str, body: Rename, gateway: State) -> None:
    await gateway.runtime.rename_file(env_id, body.source, body.target)
