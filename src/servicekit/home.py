"""The data directory (``PRACTICA_HOME``) shared by both products."""

from __future__ import annotations

import os
from pathlib import Path

HOME_VARIABLE = "PRACTICA_HOME"


def data_home() -> Path:
    """Return the data directory: ``$PRACTICA_HOME`` or ``./var``.

    Both CLIs resolve it the same way, so commands run beside ``make run``
    find the same embedded database and signing keys.
    """
    configured = os.environ.get(HOME_VARIABLE)
    return Path(configured).expanduser().resolve() if configured else Path.cwd() / "var"
