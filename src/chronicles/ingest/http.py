"""``POST /entries``: one entry, a JSON array, or NDJSON (one entry per line).

The answer is ``{"accepted": N, "errors": [{"index", "field", "message"}]}``;
the bad items are also kept as dead letters, so nothing is lost even when a
producer ignores the answer.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from fastapi import APIRouter, Header, HTTPException, Request
from pydantic import BaseModel

from chronicles.ingest.parsing import RawMessage
from chronicles.ingest.service import Ingestor, IngestOutcome

MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_ITEMS = 10_000
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")

router = APIRouter(tags=["ingest"])


class ItemError(BaseModel):
    index: int
    field: str | None
    message: str


class IngestAnswer(BaseModel):
    accepted: int
    errors: list[ItemError]


@router.post("/entries")
async def post_entries(
    request: Request, authorization: str | None = Header(default=None), content_type: str | None = Header(default=None)
) -> IngestAnswer:
    _authorize(request, authorization)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(413, f"the body is over {MAX_BODY_BYTES} bytes; send smaller batches")
    ingestor: Ingestor = request.app.state.ingestor
    async with request.app.state.engine.connect() as connection:
        conn = (await connection.get_raw_connection()).driver_connection
        if (content_type or "").split(";")[0].strip() in NDJSON_TYPES:
            outcome = await ingestor.ingest_raw(conn, _ndjson_lines(body), "http")
        else:
            outcome = await ingestor.ingest_documents(conn, _json_items(body), "http")
    return _answer(outcome)


def _authorize(request: Request, authorization: str | None) -> None:
    token = request.app.state.settings.chronicles_ingest_token.get_secret_value()
    if not token:
        return
    offered = (authorization or "").removeprefix("Bearer ").strip()
    if not secrets.compare_digest(offered.encode(), token.encode()):
        raise HTTPException(401, "a valid ingest token is required (Authorization: Bearer …)")


def _ndjson_lines(body: bytes) -> list[RawMessage]:
    lines = [line for line in body.splitlines() if line.strip()]
    _check_count(len(lines))
    return [RawMessage(line, "http") for line in lines]


def _json_items(body: bytes) -> list[tuple[Any, RawMessage]]:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HTTPException(400, f"the body is not JSON ({error}); send an object, an array or NDJSON") from None
    items = document if isinstance(document, list) else [document]
    _check_count(len(items))
    return [(item, RawMessage(json.dumps(item).encode(), "http")) for item in items]


def _check_count(count: int) -> None:
    if count > MAX_ITEMS:
        raise HTTPException(413, f"{count} entries in one request; at most {MAX_ITEMS}")


def _answer(outcome: IngestOutcome) -> IngestAnswer:
    errors = [ItemError(index=r.index, field=r.field, message=r.message) for r in outcome.rejections]
    return IngestAnswer(accepted=outcome.accepted, errors=errors)
