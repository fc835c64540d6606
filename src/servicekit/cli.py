"""Command-line helpers shared by the ``practica`` and ``chronicles`` commands."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


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
