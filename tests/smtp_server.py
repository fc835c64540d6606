"""A real SMTP server (aiosmtpd) for tests, given time to start on a loaded machine."""

from __future__ import annotations

from typing import Any

from aiosmtpd.controller import Controller

from tests.conftest import free_port

READY_S = 60.0
"""aiosmtpd waits 5 s for its thread to answer; a fresh clone's CI, with every suite running at once, took longer."""


def smtp_controller(handler: Any, hostname: str = "127.0.0.1") -> Controller:
    """An unstarted controller on a free port: `start()` it, `stop()` it."""
    return Controller(handler, hostname=hostname, port=free_port(), ready_timeout=READY_S)
