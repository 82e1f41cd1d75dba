"""Structured logging: one JSON object per line, with the request id of the current request."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import random
import sys
import time
from typing import Any

import msgspec

__all__ = [
    "ACCESS",
    "DATABASE_DOWN",
    "AccessLog",
    "BurstLog",
    "configure_logging",
    "request_id_var",
]

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        # Fields passed with `extra=` become top-level keys.
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        record.request_id = request_id_var.get()
        return super().format(record)


class AccessLog:
    """The access log: one line per request, the same JSON object JsonFormatter would write
    for `portal.access`, made without the logging machinery (a LogRecord, a formatter that
    walks its attributes, json.dumps, a locked write and flush per line cost a quarter of a
    dashboard answered from memory; scripts/bench_dashboard.py). The lines a turn of the
    event loop produces go out in one write at its end. Requests answered 2xx/3xx are written
    with probability `sample` (ACCESS_LOG_SAMPLE); errors always."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("portal.access")
        self.as_json = True
        self.sample = 1.0
        self._pending: list[bytes] = []
        self._second = -1
        self._stamp = ""
        self._stream: Any = sys.stderr

    def configure(self, as_json: bool, sample: float, stream: Any) -> None:
        """`stream`: where the `portal` logger's lines go (its handler's)."""
        self.as_json, self.sample, self._stream = as_json, sample, stream

    def __call__(self, method: str, path: str, status: int, seconds: float) -> None:
        if status < 400 and self.sample < 1.0 and random.random() >= self.sample:  # noqa: S311 (sampling, not secrets)
            return
        if not self.logger.isEnabledFor(logging.INFO):
            return
        ms = round(seconds * 1000, 2)
        if not self.as_json:
            self.logger.info("%s %s %s", method, path, status, extra={"status": status, "ms": ms})
            return
        now = time.time()
        if int(now) != self._second:
            self._second = int(now)
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self._second))
        entry = {
            "ts": f"{self._stamp}.{int(now % 1 * 1000):03d}Z",
            "level": "info",
            "logger": "portal.access",
            "msg": f"{method} {path} {status}",
            "request_id": request_id_var.get(),
            "status": status,
            "ms": ms,
        }
        self._pending.append(msgspec.json.encode(entry))
        if len(self._pending) == 1:
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # no loop (a test calling the middleware's code directly)
                self.flush()

    def flush(self) -> None:
        lines, self._pending = self._pending, []
        if not lines:
            return
        data = b"\n".join(lines) + b"\n"
        stream = self._stream
        binary = getattr(stream, "buffer", None)
        try:
            if binary is not None:
                stream.flush()  # anything the text layer holds goes first
                binary.write(data)
                binary.flush()
            else:
                stream.write(data.decode())
        except (OSError, ValueError):  # stderr closed (a stop): nothing to be done
            pass


ACCESS = AccessLog()
"""The process's access log (configured with the others by `configure_logging`)."""


def configure_logging(level: str, as_json: bool, access_sample: float = 1.0) -> None:
    """Route the `portal` logger to stderr; idempotent (safe when the app is built twice)."""
    logger = logging.getLogger("portal")
    logger.setLevel(level.upper())
    logger.propagate = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if as_json
        else PlainFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    logger.handlers[:] = [handler]
    ACCESS.configure(as_json, access_sample, handler.stream)
    pool_log = logging.getLogger("asyncpg.pool")
    pool_log.filters[:] = [_pool_reconnects]


class BurstLog:
    """One line for a burst of like failures (a database that went away fails every request
    until it is back), not one per failure: the first failure is logged, then a count every
    `every_s` while it lasts, and one line when it ends (`success`). A failure after
    `every_s` of quiet starts a new burst. No stacks: the cause is outside the process."""

    def __init__(self, logger: logging.Logger, what: str, every_s: float = 60.0) -> None:
        self._log, self._what, self._every_s = logger, what, every_s
        self._since: float | None = None
        self._logged_at = self._last = 0.0
        self._count = 0

    def failure(self, detail: str) -> None:
        now = time.monotonic()
        if self._since is None or now - self._last > self._every_s:
            self._since, self._logged_at, self._count = now, now, 0
            self._log.warning("%s: %s (further failures are counted)", self._what, detail)
        elif now - self._logged_at >= self._every_s:
            self._logged_at = now
            self._log.warning(
                "%s: still failing, %d failures in %.0f s: %s",
                self._what,
                self._count + 1,
                now - self._since,
                detail,
            )
        self._count += 1
        self._last = now

    def success(self) -> None:
        if self._since is None:
            return
        self._log.warning(
            "%s: over after %d failures in %.1f s",
            self._what,
            self._count,
            time.monotonic() - self._since,
        )
        self._since = None

    def reset(self) -> None:
        """Forget a burst under way without a line (a new app in the same process, tests)."""
        self._since, self._count = None, 0


DATABASE_DOWN = BurstLog(logging.getLogger("portal.db"), "database unavailable")
"""Shared by requests, `/readyz`, the worker and asyncpg's pool: one line per outage."""


def _pool_reconnects(record: logging.LogRecord) -> bool:
    """asyncpg's pool logs each failed reconnect with a stack: counted in the outage's line
    instead."""
    if record.exc_info and record.exc_info[1] is not None:
        DATABASE_DOWN.failure(f"connection pool: {type(record.exc_info[1]).__name__}")
        return False
    return True
