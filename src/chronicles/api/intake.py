"""``POST /entries``: one entry, a JSON array, or NDJSON (one entry per line), from an authenticated producer.

The answer is ``{"accepted": N, "errors": [{"index", "field", "message"}]}``;
the bad items are also kept as dead letters, so nothing is lost even when a
producer ignores the answer.

Who may write: a producer token (:mod:`chronicles.ingest.producers`) names
the apps whose entries its bearer may write. Missing or invalid: 401. An item
of another app refuses the whole request with 403 and stores nothing (not
even dead letters: a foreign entry kept as one could later be re-driven into
the store). Only ``CHRONICLES_INTAKE_OPEN=true`` lets anyone write anything.

The body is capped at :data:`MAX_BODY_BYTES` while it streams in
(``chronicles.app`` installs the cap); a body that cannot be split into items
is a 400, more than :data:`~chronicles.ingest.bodies.MAX_ITEMS` items a 413
(:mod:`chronicles.api.errors` answers them). What happens to the items is
the Ingestor's business (:mod:`chronicles.ingest.service`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from chronicles.api.services import ServicesDependency
from chronicles.contract.messages import json_schema
from chronicles.errors import ForbiddenError, UnauthenticatedError
from chronicles.ingest.bodies import MAX_ITEMS, Item, json_items, ndjson_items
from chronicles.ingest.parsing import Decoded
from chronicles.ingest.producers import Producer, ProducerTokenError, verify_producer_token
from chronicles.ingest.service import IngestOutcome

PATH = "/entries"
MAX_BODY_BYTES = 16 * 1024 * 1024
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
UNAUTHENTICATED = "a producer token is required (Authorization: Bearer …; see chronicles producer-token)"

log = structlog.get_logger(__name__)
router = APIRouter(tags=["ingest"])
bearer = HTTPBearer(auto_error=False, description="A producer token (`chronicles producer-token --app APP`).")


class ItemError(BaseModel):
    index: int
    field: str | None
    message: str


class IngestAnswer(BaseModel):
    accepted: int
    errors: list[ItemError]


def _request_body_schema() -> dict[str, Any]:
    """What OpenAPI shows (and fuzzers send): the entry contract, alone or in an array; or NDJSON.

    NDJSON is shown as the array of its lines' entries, one JSON entry per line on the wire (OpenAPI 3.1
    has no schema for line-delimited bodies).
    """
    entry = {key: value for key, value in json_schema().items() if not key.startswith("$")}
    batch = {"type": "array", "items": entry, "maxItems": MAX_ITEMS}
    lines = {**batch, "description": "One entry (JSON) per line."}
    return {
        "required": True,
        "content": {"application/json": {"schema": {"anyOf": [entry, batch]}}, NDJSON_TYPES[0]: {"schema": lines}},
    }


RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body cannot be read as JSON or NDJSON; nothing was stored."},
    401: {"description": "No valid producer token."},
    403: {"description": "An item is of an app the token does not name; nothing was stored."},
    413: {"description": f"The body is over {MAX_BODY_BYTES} bytes, or holds over {MAX_ITEMS} entries."},
}


def authenticated_producer(
    services: ServicesDependency, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Producer | None:
    """The producer behind the token; None when the intake is open to anyone."""
    if services.producer_key is None:
        return None
    if credentials is None:
        raise UnauthenticatedError(UNAUTHENTICATED)
    try:
        return verify_producer_token(services.producer_key, credentials.credentials)
    except ProducerTokenError as error:  # the same answer whatever was wrong with it; the reason is logged
        log.info("ingest.token_refused", reason=str(error))
        raise UnauthenticatedError(UNAUTHENTICATED) from None


@router.post(PATH, openapi_extra={"requestBody": _request_body_schema()}, responses=RESPONSES)
async def post_entries(
    request: Request,
    services: ServicesDependency,
    producer: Annotated[Producer | None, Depends(authenticated_producer)],
) -> IngestAnswer:
    items = _items(await request.body(), request.headers.get("content-type", ""))
    _authorize(producer, items)
    async with services.connection() as conn:
        outcome = await services.ingestor.ingest_decoded(conn, items, "http")
    return _answer(outcome)


def _items(body: bytes, content_type: str) -> list[Item]:
    """The body's items; a body that cannot be split is refused as a whole (400, or 413 for too many)."""
    if content_type.split(";")[0].strip().lower() in NDJSON_TYPES:
        return ndjson_items(body)
    return json_items(body)


def _authorize(producer: Producer | None, items: Sequence[Item]) -> None:
    """403 for the first item naming an app the producer may not write (items without an app are checked later)."""
    if producer is None:
        return
    for item in items:
        app = item.document.get("app") if isinstance(item, Decoded) and isinstance(item.document, dict) else None
        if isinstance(app, str) and not producer.may_write(app):
            log.warning("ingest.foreign_app_refused", producer=producer.name, app=app[:64], index=item.index)
            allowed = ", ".join(sorted(producer.apps))
            message = f"item {item.index}: app {app[:64]!r} is not one this producer token may write ({allowed});"
            raise ForbiddenError(f"{message} nothing was stored")


def _answer(outcome: IngestOutcome) -> IngestAnswer:
    errors = [ItemError(index=r.index, field=r.field, message=r.message) for r in outcome.rejections]
    return IngestAnswer(accepted=outcome.accepted, errors=errors)
