"""structlog set-up: readable in a terminal, JSON with ``LOG_FORMAT=json``; bounded, secret-free, never blocking.

Standard-library loggers (uvicorn, alembic, procrastinate) go through the
same renderer, and every line logged while a request is handled carries its
``request_id`` (bound by :class:`servicekit.http.ObservabilityMiddleware`).

What a line may cost is bounded, because an attacker chooses what fails:

- tracebacks are plain text (``traceback.format_exception``), never rich's
  with every frame's local variables: those cost seconds and 13,000 lines
  per error, and hold whatever the request held (passwords, tokens);
- a traceback keeps its first and last lines up to :data:`MAX_EXCEPTION_CHARS`,
  any other value :data:`MAX_VALUE_CHARS`, a whole line :data:`MAX_LINE_CHARS`;
- tokens in URLs (``?token=…``, as the gateway's WebSocket and file links
  carry them) and anything shaped like a JWT are replaced by ``[redacted]``,
  whichever logger wrote the line (uvicorn's access and WebSocket lines too);
- lines are written by a thread of their own (:class:`BackgroundLineHandler`):
  a slow reader of stderr never holds up the event loop, and past
  :data:`QUEUE_LINES` waiting lines new ones are dropped (and counted) rather
  than waited for.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import queue
import re
import sys
import threading
import time
from typing import TextIO

import structlog

from servicekit.settings import LogFormat

MAX_EXCEPTION_CHARS = 8_000
MAX_VALUE_CHARS = 2_000
MAX_LINE_CHARS = 16_000
QUEUE_LINES = 10_000
FLUSH_WAIT_S = 5.0
_SECRET_IN_QUERY = re.compile(r"(?i)(^|[?&;,(\s\"'])((?:access_)?token|password|secret)=[^&\s\"'\\]+")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+")


def configure_logging(log_format: LogFormat, level: str = "INFO", service: str | None = None) -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if service:
        shared.insert(0, _add_service(service))
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = BackgroundLineHandler(sys.stderr)
    handler.setFormatter(BoundedFormatter(shared, log_format))
    root = logging.getLogger()
    for old in root.handlers:
        if isinstance(old, BackgroundLineHandler):
            old.close()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


def flush_logs() -> None:
    """Wait (a few seconds at most) until every line logged so far is written."""
    for handler in logging.getLogger().handlers:
        handler.flush()


class BoundedFormatter(structlog.stdlib.ProcessorFormatter):
    """structlog's formatter with plain, capped tracebacks, capped values and secrets redacted."""

    def __init__(self, shared: list[structlog.types.Processor], log_format: LogFormat) -> None:
        self.json = log_format is LogFormat.JSON
        renderer: structlog.types.Processor = (
            structlog.processors.JSONRenderer()
            if self.json
            else structlog.dev.ConsoleRenderer(
                colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
            )
        )
        super().__init__(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,  # plain text, no locals; the console prints it as is
                _bounded_values,
                renderer,
            ],
        )

    def format(self, record: logging.LogRecord) -> str:
        line = redact(super().format(record))
        if len(line) <= MAX_LINE_CHARS:
            return line
        if self.json:
            return json.dumps({"event": shorten(line, MAX_LINE_CHARS - 200), "truncated": True})
        return shorten(line, MAX_LINE_CHARS)


def redact(text: str) -> str:
    """``text`` without the values of ``token=``/``password=`` query parameters and without JWTs."""
    if "=" in text:
        text = _SECRET_IN_QUERY.sub(lambda match: f"{match.group(1)}{match.group(2)}=[redacted]", text)
    if "eyJ" in text:
        text = _JWT.sub("[redacted]", text)
    return text


def shorten(text: str, limit: int) -> str:
    """``text`` when short enough, else its start and (the larger part) its end around a note of what went."""
    if len(text) <= limit:
        return text
    head = limit // 4
    tail = limit - head - 60
    return f"{text[:head]}\n… {len(text) - head - tail} characters left out …\n{text[-tail:]}"


def _bounded_values(_: object, __: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
    """Each string value capped (a traceback more generously); the whole line is capped after rendering."""
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = shorten(value, MAX_EXCEPTION_CHARS if key == "exception" else MAX_VALUE_CHARS)
    return event


class BackgroundLineHandler(logging.Handler):
    """Formats a record in the caller (bounded work) and writes it from a thread of its own.

    ``emit`` never waits for the stream: when :data:`QUEUE_LINES` lines are
    already waiting (the reader of stderr is stuck), the new line is dropped
    and counted, and the count is written once the writer catches up.
    """

    def __init__(self, stream: TextIO, capacity: int = QUEUE_LINES) -> None:
        super().__init__()
        self.stream = stream
        self.lines: queue.Queue[str | None] = queue.Queue(capacity)
        self.dropped = 0
        self._writer = threading.Thread(target=self._write_lines, name="log-writer", daemon=True)
        self._writer.start()
        atexit.register(self.close)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # a record that cannot be formatted must not break the caller
            self.handleError(record)
            return
        try:
            self.lines.put_nowait(line)
        except queue.Full:
            self.dropped += 1

    def flush(self) -> None:
        deadline = time.monotonic() + FLUSH_WAIT_S
        while self.lines.unfinished_tasks and self._writer.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)

    def close(self) -> None:
        if self._writer.is_alive():
            self.flush()
            with contextlib.suppress(queue.Full):
                self.lines.put(None, timeout=1)
            self._writer.join(timeout=1)
        atexit.unregister(self.close)
        super().close()

    def _write_lines(self) -> None:
        while (line := self.lines.get()) is not None:
            self._write(line)
            self.lines.task_done()
        self.lines.task_done()

    def _write(self, line: str) -> None:
        try:
            if self.dropped:
                dropped, self.dropped = self.dropped, 0
                self.stream.write(f"log: {dropped} lines dropped (the log's reader was too slow)\n")
            self.stream.write(line + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass  # stderr closed or gone: nothing better to do with a log line


def _add_service(service: str) -> structlog.types.Processor:
    def add(_: object, __: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
        event.setdefault("service", service)
        return event

    return add
