"""``/api/system``: what the front end shows about the running installation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

from practica import __version__

router = APIRouter(tags=["system"])


class SystemStatus(BaseModel):
    version: str
    environment: str
    database: str
    queued_jobs: int


@router.get("/system")
async def system_status(request: Request) -> SystemStatus:
    settings = request.app.state.settings
    async with request.app.state.sessions() as session:
        queued = await session.scalar(text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'"))
    return SystemStatus(
        version=__version__,
        environment=settings.practica_env.value,
        database="embedded" if settings.uses_embedded_database else "external",
        queued_jobs=int(queued or 0),
    )
