"""The one refusal of backups: a message an operator can act on, nothing changed."""

from __future__ import annotations


class BackupError(Exception):
    """A backup or restore refused or failed; ``str()`` says what and what to do."""
