"""Write the README's configuration tables, generated from the settings classes."""

from __future__ import annotations

from pathlib import Path

from chronicles.settings import ChroniclesSettings
from practica.settings import PracticaSettings
from servicekit.settings import settings_table

BEGIN = "<!-- settings:begin -->"
END = "<!-- settings:end -->"


def tables() -> str:
    return "\n".join(
        [
            "### Practica",
            "",
            settings_table(PracticaSettings),
            "",
            "### Chronicles",
            "",
            settings_table(ChroniclesSettings),
        ]
    )


def write_readme(readme: Path) -> None:
    """Replace the text between the settings markers in ``readme``."""
    text = readme.read_text()
    start = text.index(BEGIN) + len(BEGIN)
    end = text.index(END)
    readme.write_text(text[:start] + "\n" + tables() + "\n" + text[end:])


if __name__ == "__main__":
    write_readme(Path(__file__).resolve().parents[1] / "README.md")
