"""Secret keys kept in the data directory when none is configured: made once, mode 0600, shared by processes."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


def kept_key(path: Path) -> str:
    """The key stored at ``path``, made (``secrets.token_urlsafe(48)``) on first use.

    The new key is written next to ``path`` and linked into place, so that
    processes starting together agree on one key: whoever links first wins.
    """
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-", suffix=".tmp")  # mode 0600
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(48))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)  # atomic, and fails when the file already exists
        finally:
            os.unlink(temporary)
    return path.read_text(encoding="ascii").strip()
