"""Command-line helpers shared by the ``practica`` and ``chronicles`` commands."""

from __future__ import annotations

from typing import TypeVar

import typer
from pydantic_settings import BaseSettings
from rich.console import Console
from rich.table import Table

from servicekit.settings import SettingsError, load_settings

S = TypeVar("S", bound=BaseSettings)
_errors = Console(stderr=True)


def settings_or_exit(cls: type[S], command: str) -> S:
    """Load ``cls`` from the environment, or exit 2 with one line naming the bad variable."""
    try:
        return load_settings(cls)
    except SettingsError as error:
        _errors.print(f"{command}: configuration error: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def print_settings(console: Console, title: str, summary: dict[str, str]) -> None:
    """A table on a terminal; ``VARIABLE=value`` lines when piped, for scripts."""
    if not console.is_terminal:
        for variable, value in summary.items():
            console.print(f"{variable}={value}", highlight=False, soft_wrap=True, markup=False)
        return
    table = Table("variable", "value", title=title)
    for variable, value in summary.items():
        table.add_row(variable, value)
    console.print(table)
