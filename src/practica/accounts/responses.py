"""What routes share besides permissions: the client's address and the refusals' OpenAPI entries.

Refusals themselves are each domain's :class:`~practica.errors.PracticaError`, answered by the web app's
one handler.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from practica.accounts.schemas import Problem, TooManyRequests


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for the refusals a route may answer."""
    return {status: {"model": TooManyRequests if status == 429 else Problem} for status in statuses}
