"""What one Practica web process keeps between requests: one typed object, built by ``create_app``.

The settings, the database connections (:class:`~practica.accounts.core.Database`),
the caches of signed-in sessions and of memberships (the accounts layer's part,
:class:`~practica.accounts.core.CoreServices`) and the catalogue's memory of course
versions all live here, in ``app.state.services``; no module keeps any of them in a
global, so two apps in one process (as in the tests) share nothing, and a change
made through an app (a sign-out, a new role, a new member, a publication) is
forgotten by that app's caches at once. Routes take it as a dependency
(:data:`ServicesDependency`); the accounts layer, below this module, takes its part
(:data:`practica.accounts.dependencies.Core`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Self

from fastapi import Depends, Request

from practica.accounts.core import CoreServices, Database
from practica.db.changes import Changes
from practica.lessons.queries import CatalogueCache
from practica.sandbox.settings import SandboxSettings
from practica.settings import PracticaSettings
from servicekit.jobs import libpq_conninfo
from servicekit.settings import load_settings


@dataclass(kw_only=True)
class Services(CoreServices):
    sandbox_settings: SandboxSettings
    changes: Changes
    catalogue: CatalogueCache = field(default_factory=CatalogueCache)

    @classmethod
    def start(
        cls,
        settings: PracticaSettings,
        *,
        pool_size: int | None = None,
        sandbox_settings: SandboxSettings | None = None,
    ) -> Self:
        """Everything a web process needs; ``sandbox_settings`` are read from the environment when not given."""
        database = Database.open(settings, pool_size=pool_size)
        return cls(
            settings=settings,
            database=database,
            sandbox_settings=sandbox_settings or load_settings(SandboxSettings),
            changes=Changes(libpq_conninfo(database.engine.url.render_as_string(False))),
        )

    async def close(self) -> None:
        await self.changes.close()
        await super().close()


def services_of(request: Request) -> Services:
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


ServicesDependency = Annotated[Services, Depends(services_of)]
