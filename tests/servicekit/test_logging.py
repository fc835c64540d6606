"""servicekit.logging: lines are bounded, secret-free, and written without ever making the caller wait."""

from __future__ import annotations

import logging
import threading
from io import StringIO

from servicekit.logging import (
    MAX_EXCEPTION_CHARS,
    MAX_LINE_CHARS,
    BackgroundLineHandler,
    BoundedFormatter,
    redact,
)
from servicekit.settings import LogFormat

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl"


class StuckStream(StringIO):
    """A stderr whose reader stopped reading: every write waits until ``release``."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def write(self, text: str) -> int:
        self.release.wait()
        return super().write(text)


def _record(message: str, *args: object, exc_info: bool = False) -> logging.LogRecord:
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, message, args, None)
    if exc_info:
        try:
            raise RuntimeError("x" * 50_000)
        except RuntimeError as error:
            record.exc_info = (RuntimeError, error, error.__traceback__)
    return record


def test_a_stuck_reader_never_holds_up_the_caller_and_dropped_lines_are_counted() -> None:
    stream = StuckStream()
    handler = BackgroundLineHandler(stream, capacity=10)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for number in range(25):  # one line is in the writer's hands, ten wait, the rest are dropped
        handler.emit(_record("line %d", number))
    assert handler.dropped >= 14
    stream.release.set()
    handler.close()
    written = stream.getvalue()
    assert "line 0\n" in written
    assert "lines dropped" in written


def test_tokens_in_urls_and_jwts_are_redacted_whoever_logs_them() -> None:
    formatter = BoundedFormatter([], LogFormat.CONSOLE)
    websocket = formatter.format(_record('%s - "WebSocket %s" 404', "127.0.0.1", f"/env/1/terminal?token={TOKEN}&x=1"))
    assert TOKEN not in websocket
    assert "token=[redacted]&x=1" in websocket
    assert redact(f"Authorization: Bearer {TOKEN}") == "Authorization: Bearer [redacted]"
    assert (
        redact("CHRONICLES_INGEST_TOKEN=(unset) password=hunter2")
        == "CHRONICLES_INGEST_TOKEN=(unset) password=[redacted]"
    )


def test_a_huge_traceback_and_a_huge_line_are_cut_to_their_caps() -> None:
    for log_format in LogFormat:
        formatter = BoundedFormatter([], log_format)
        line = formatter.format(_record("failed", exc_info=True))
        assert len(line) <= MAX_EXCEPTION_CHARS + 500
        assert "Traceback" in line
        assert "characters left out" in line
        assert len(formatter.format(_record("%s", "y" * 100_000))) <= MAX_LINE_CHARS
