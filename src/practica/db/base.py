"""The declarative base every Practica model derives from: Practica's own metadata, named as servicekit names it."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from servicekit.database import named_metadata


class Base(DeclarativeBase):
    metadata = named_metadata()
