"""The README's configuration tables match the settings classes."""

from __future__ import annotations

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_configuration_tables_are_current() -> None:
    tables = runpy.run_path(str(ROOT / "scripts" / "settings_table.py"))["tables"]()
    readme = (ROOT / "README.md").read_text()
    assert tables in readme, "run `make readme-config` and paste its output into the README"
