"""The worker protocol (no Qt): one JSON object per line on the worker's stdout.

``{"event": "progress", "percent": 0-100, "stage": "...", "events": n}`` (``events``, the log
events read so far, is optional), then either
``{"event": "done", "summary": {...}}`` or ``{"event": "error", "code": "...", "message": "..."}``.
The worker writes lines with :func:`encode`; the runner reads them with :class:`LineReader`,
which ignores (and counts) anything else, including over-long lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_LINE_BYTES = 64 * 1024
MAX_STAGE_CHARS = 40
MAX_MESSAGE_CHARS = 600


@dataclass(frozen=True)
class Progress:
    percent: int | None
    """None when the line carried no usable percent (keep the last one)."""
    stage: str
    events: int | None = None
    """Log events read so far, when the worker says (older workers never do)."""


@dataclass(frozen=True)
class Done:
    summary: dict[str, Any]


@dataclass(frozen=True)
class Error:
    code: str
    message: str


Message = Progress | Done | Error


def encode(message: dict[str, Any]) -> str:
    """One protocol line (with its newline) for ``message``."""
    return json.dumps(message, ensure_ascii=False, default=str) + "\n"


def progress_line(percent: int, stage: str, events: int | None = None) -> str:
    message: dict[str, Any] = {"event": "progress", "percent": percent, "stage": stage}
    if events is not None:
        message["events"] = events
    return encode(message)


def done_line(summary: dict[str, Any]) -> str:
    return encode({"event": "done", "summary": summary})


def error_line(code: str, message: str) -> str:
    return encode({"event": "error", "code": code, "message": message})


def parse_line(line: bytes) -> Message | None:
    """The message on one line, or None if the line is not a protocol line."""
    line = line.strip()
    if not line.startswith(b"{") or len(line) > MAX_LINE_BYTES:
        return None
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):
        return None
    event = message.get("event") if isinstance(message, dict) else None
    if event == "progress":
        try:
            percent: int | None = max(0, min(100, int(message.get("percent"))))
        except (TypeError, ValueError, OverflowError):
            percent = None
        events = message.get("events")
        if not isinstance(events, int) or isinstance(events, bool) or events < 0:
            events = None
        return Progress(percent, str(message.get("stage") or "")[:MAX_STAGE_CHARS], events)
    if event == "done":
        summary = message.get("summary")
        return Done(summary if isinstance(summary, dict) else {})
    if event == "error":
        text = " ".join(str(message.get("message") or "").split())[:MAX_MESSAGE_CHARS]
        return Error(str(message.get("code") or "internal"), text)
    return None


class LineReader:
    """Splits a byte stream into protocol messages; counts the lines it ignores."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._discarding = False
        self.ignored_lines = 0

    def feed(self, data: bytes) -> Iterator[Message]:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > MAX_LINE_BYTES:
                    if not self._discarding:
                        self.ignored_lines += 1
                    self._discarding = True
                    self._buffer.clear()
                return
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if self._discarding:
                self._discarding = False
                continue
            message = parse_line(line)
            if message is None:
                self.ignored_lines += 1
            else:
                yield message
