"""Helpers shared by the products' settings classes.

Each product has one ``pydantic-settings`` class, built in its app factory or
CLI entry point. These helpers turn a validation failure into one line that
names the variable, print a secret-free summary and render the README table.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, SecretStr, ValidationError
from pydantic_settings import BaseSettings
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

_DRIVERLESS = {"postgres", "postgresql"}


class LogFormat(StrEnum):
    CONSOLE = "console"
    JSON = "json"


def _postgres_url(value: str | None) -> str | None:
    """Accept a PostgreSQL URL and pin the psycopg 3 driver."""
    if value is None or value == "":
        return None
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError("is not a database URL (expected postgresql://user:pass@host:port/dbname)") from None
    if url.drivername in _DRIVERLESS or url.drivername == "postgresql+psycopg":
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"uses {url.drivername!r}; only PostgreSQL URLs (postgresql://...) are supported")


S = TypeVar("S", bound=BaseSettings)

PostgresUrl = Annotated[str | None, AfterValidator(_postgres_url)]


class SettingsError(Exception):
    """Settings failed validation; ``str()`` is one line naming the variable."""


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Build ``cls`` from the environment, raising :class:`SettingsError` on bad values."""
    try:
        return cls(**overrides)
    except ValidationError as error:
        raise SettingsError(describe_validation_error(cls, error)) from None


def describe_validation_error(cls: type[BaseSettings], error: ValidationError) -> str:
    first = error.errors()[0]
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    if not first["loc"]:  # a rule across several variables names them itself
        return message + more
    variable = (cls.model_config.get("env_prefix", "") + str(first["loc"][0])).upper()
    return f"{variable}: {message}{more}"


def settings_summary(settings: BaseSettings) -> dict[str, str]:
    """Return each variable's resolved value, with secrets and passwords hidden."""
    prefix = settings.model_config.get("env_prefix", "")
    summary: dict[str, str] = {}
    for name in type(settings).model_fields:
        summary[(prefix + name).upper()] = _redact(getattr(settings, name))
    return summary


def _redact(value: object) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, SecretStr):
        return "********" if value.get_secret_value() else "(unset)"
    text = str(value.value if isinstance(value, StrEnum) else value)
    if "://" in text:
        try:
            return make_url(text).render_as_string(hide_password=True)
        except ArgumentError:
            return text
    return text


def settings_table(cls: type[BaseSettings]) -> str:
    """Render the variables of ``cls`` as a Markdown table for the README."""
    prefix = cls.model_config.get("env_prefix", "")
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in cls.model_fields.items():
        default = field.default
        shown = "(unset)" if default is None else _redact(default) or '""'
        if isinstance(default, SecretStr):
            shown = "(unset)"
        if field.default_factory is not None:
            shown = "(computed)"
        rows.append(f"| `{(prefix + name).upper()}` | `{shown}` | {field.description or ''} |")
    return "\n".join(rows)
