"""How the accounts' routes answer refusals: one route class turns the services' exceptions into JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from practica.accounts.errors import AccountError
from practica.accounts.ratelimit import RateLimitedError
from practica.accounts.schemas import Problem, TooManyRequests


class AccountsRoute(APIRoute):
    """Answers :class:`AccountError` with ``{"detail"}`` and :class:`RateLimitedError` with 429 and Retry-After."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except AccountError as error:
                return JSONResponse({"detail": error.detail}, status_code=error.status)
            except RateLimitedError as error:
                return too_many(error.retry_after)

        return handle


def too_many(retry_after: int) -> JSONResponse:
    body = TooManyRequests(detail=f"Too many attempts: try again in {retry_after} s", retry_after=retry_after)
    return JSONResponse(body.model_dump(), status_code=429, headers={"Retry-After": str(retry_after)})


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for the refusals a route may answer."""
    return {status: {"model": TooManyRequests if status == 429 else Problem} for status in statuses}
