"""The accounts' site: the web app on a fresh database, a worker run on demand (its fixtures, imported)."""

from __future__ import annotations

from tests.practica.accounts.conftest import site, smtp_server, smtp_site

__all__ = ["site", "smtp_server", "smtp_site"]
