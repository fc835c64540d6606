"""``/api/system``: what the front end shows about the running installation."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from practica import __version__
from practica.services import ServicesDependency

router = APIRouter(tags=["system"])


class SystemStatus(BaseModel):
    version: str
    environment: str
    database: str
    queued_jobs: int


@router.get("/system")
async def system_status(services: ServicesDependency) -> SystemStatus:
    settings = services.settings
    async with services.database.sessions() as session:
        queued = await session.scalar(text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'"))
    return SystemStatus(
        version=__version__,
        environment=settings.practica_env.value,
        database="embedded" if settings.uses_embedded_database else "external",
        queued_jobs=int(queued or 0),
    )
