"""One error hierarchy for the portal, mapped to HTTP in one place.

Services raise named errors (`ServiceNotFound`, `ChallengeExpired`); the handlers here turn
them, and every Litestar/unknown exception, into `{"code", "message", "message_th"}` JSON.
Citizens read these messages, so each error carries Thai and English text.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
from typing import Any, ClassVar

import asyncpg
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from backend.lib.logging import DATABASE_DOWN

__all__ = [
    "DB_UNREACHABLE",
    "AuthorizationError",
    "ClientError",
    "ConflictError",
    "DatabaseUnavailableError",
    "NestedTooDeeplyError",
    "NotAuthenticatedError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PortalError",
    "RateLimitedError",
    "UnsupportedMediaError",
    "ValidationFailedError",
    "ValueOutOfRangeError",
    "exception_handlers",
    "http_error_body",
]

log = logging.getLogger("portal.errors")


class PortalError(Exception):
    """Base of every error a client may see. Subclasses set `status_code` and `code`."""

    status_code: ClassVar[int] = 400
    code: str = "bad_request"
    message_en: str = "The request could not be understood."
    message_th: str = "คำขอไม่ถูกต้อง"

    def __init__(
        self,
        message_en: str | None = None,
        message_th: str | None = None,
        *,
        code: str | None = None,
        fields: dict[str, dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if message_en is not None:
            self.message_en = message_en
        if message_th is not None:
            self.message_th = message_th
        elif message_en is not None and type(self).message_en != message_en:
            # A caller-specific English text without Thai: do not show a mismatched Thai line.
            self.message_th = message_en
        if code is not None:
            self.code = code
        self.fields = fields
        self.headers = headers or {}
        super().__init__(self.message_en)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "message": self.message_en,
            "message_th": self.message_th,
        }
        if self.fields:
            body["fields"] = self.fields
        return body


class ClientError(PortalError):
    """Malformed input (400)."""


class NotAuthenticatedError(PortalError):
    status_code = 401
    code = "not_authenticated"
    message_en = "Please sign in."
    message_th = "กรุณาเข้าสู่ระบบ"


class AuthorizationError(PortalError):
    status_code = 403
    code = "forbidden"
    message_en = "You are not allowed to do this."
    message_th = "คุณไม่มีสิทธิ์ทำรายการนี้"


class NotFoundError(PortalError):
    status_code = 404
    code = "not_found"
    message_en = "Not found."
    message_th = "ไม่พบข้อมูล"


class ConflictError(PortalError):
    status_code = 409
    code = "conflict"
    message_en = "This conflicts with the current state."
    message_th = "ขัดแย้งกับสถานะปัจจุบัน"


class PayloadTooLargeError(PortalError):
    status_code = 413
    code = "too_large"
    message_en = "The upload is too large."
    message_th = "ไฟล์มีขนาดใหญ่เกินไป"


class UnsupportedMediaError(PortalError):
    status_code = 415
    code = "unsupported_media_type"
    message_en = "This file type is not accepted."
    message_th = "ไม่รองรับไฟล์ประเภทนี้"


class ValidationFailedError(PortalError):
    """Well-formed but invalid input; `fields` maps a field name to {"en", "th"} messages."""

    status_code = 422
    code = "validation_failed"
    message_en = "Some fields need attention."
    message_th = "กรุณาตรวจสอบข้อมูลที่กรอก"


class RateLimitedError(PortalError):
    status_code = 429
    code = "rate_limited"
    message_en = "Too many attempts. Please wait and try again."
    message_th = "ทำรายการบ่อยเกินไป กรุณารอสักครู่แล้วลองใหม่"

    def __init__(self, retry_after: int, *, limit: str = "", first_refusal: bool = False) -> None:
        super().__init__(headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = retry_after
        # The limit's name (`signin:ip` …) is safe to log, unlike the key it counted (an ID
        # number, an IP); the first refusal of a window is worth auditing, a flood's rest not.
        self.limit = limit
        self.first_refusal = first_refusal


class DatabaseUnavailableError(PortalError):
    """The database cannot be reached now (down, failing over, every connection busy): 503
    with Retry-After. A client retries the same request (with the same Idempotency-Key)."""

    status_code = 503
    code = "database_unavailable"
    message_en = "The service is briefly unavailable. Please try again in a few seconds."
    message_th = "ระบบไม่พร้อมให้บริการชั่วคราว กรุณาลองใหม่ในอีกสักครู่"
    RETRY_AFTER_S = 5

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(self.RETRY_AFTER_S)})


class NestedTooDeeplyError(ClientError):
    code = "invalid_request"
    message_en = "The request body is nested too deeply."
    message_th = "ข้อมูลในคำขอซ้อนกันลึกเกินไป"


_HTTP_CODES: dict[int, tuple[str, str, str]] = {
    400: ("invalid_request", "The request is not valid.", "คำขอไม่ถูกต้อง"),
    401: ("not_authenticated", "Please sign in.", "กรุณาเข้าสู่ระบบ"),
    403: ("forbidden", "You are not allowed to do this.", "คุณไม่มีสิทธิ์ทำรายการนี้"),
    404: ("not_found", "Not found.", "ไม่พบข้อมูล"),
    405: ("method_not_allowed", "This method is not allowed here.", "ไม่อนุญาตวิธีนี้"),
    413: ("too_large", "The request is too large.", "คำขอมีขนาดใหญ่เกินไป"),
    415: ("unsupported_media_type", "This content type is not accepted.", "ไม่รองรับประเภทนี้"),
    429: ("rate_limited", "Too many requests.", "ทำรายการบ่อยเกินไป"),
}


def _json(
    body: dict[str, Any], status: int, headers: dict[str, str] | None = None
) -> Response[Any]:
    return Response(content=body, status_code=status, media_type=MediaType.JSON, headers=headers)


def _portal_error(_: Request[Any, Any, Any], exc: PortalError) -> Response[Any]:
    return _json(exc.body(), exc.status_code, exc.headers)


def http_error_body(exc: HTTPException) -> dict[str, Any]:
    """The portal's body for one of Litestar's own 4xx exceptions."""
    status = exc.status_code
    code, en, th = _HTTP_CODES.get(status, ("client_error", "The request failed.", "คำขอล้มเหลว"))
    body: dict[str, Any] = {"code": code, "message": en, "message_th": th}
    if isinstance(exc, ValidationException):
        # Litestar's own parameter/body validation: say which part was wrong.
        body["message"] = "Some request parameters are not valid."
        if isinstance(exc.extra, list) and exc.extra:
            body["fields"] = {
                str(item.get("key") or item.get("source") or "body"): {
                    "en": str(item.get("message", "")),
                    "th": th,
                }
                for item in exc.extra
                if isinstance(item, dict)
            }
    return body


def _http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= 500:
        return _unexpected(request, exc)
    return _json(http_error_body(exc), exc.status_code, exc.headers)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    body = {
        "code": "internal_error",
        "message": "Something went wrong on our side. Please try again later.",
        "message_th": "ระบบขัดข้อง กรุณาลองใหม่ภายหลัง",
    }
    return _json(body, HTTP_500_INTERNAL_SERVER_ERROR)


class ValueOutOfRangeError(ClientError):
    """A value the database cannot hold, e.g. an id of 30 digits in a URL."""

    code = "value_out_of_range"
    message_en = "A value in the request is out of range or cannot be stored."
    message_th = "ข้อมูลบางค่าในคำขอเกินขอบเขตหรือไม่สามารถบันทึกได้"


def _value_out_of_range(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """SQLite raises OverflowError binding a too-large value, PostgreSQL a DataError (also for
    text it cannot store). The client sent it, so a 400, not a 500."""
    # Only the error's class and SQLSTATE: its text can quote the value the client sent.
    log.info(
        "value refused by the database: %s (SQLSTATE %s)",
        type(exc).__name__,
        getattr(exc, "sqlstate", "") or "-",
    )
    return _portal_error(request, ValueOutOfRangeError())


DB_UNREACHABLE: tuple[type[Exception], ...] = (
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, crashed, starting up
    asyncpg.exceptions.PostgresConnectionError,  # SQLSTATE class 08
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
    # A connection the server ended mid-statement (a stopping server's 57P01) taken up
    # again before asyncpg had consumed the error: "cannot switch to state 12".
    asyncpg.exceptions.InternalClientError,
    # A connection that reached a standby: a demoted primary the proxy has not yet taken out
    # (a switchover, or HAProxy checking less often than the node restarts as a replica).
    asyncpg.exceptions.ReadOnlySQLTransactionError,
    ConnectionError,
    TimeoutError,
    socket.gaierror,  # the database's host name does not resolve (DNS down)
)
"""Failures of reaching the database (refused, reset, a server stopping, starting or failing
over, a standby reached instead of the primary, a pool that gave no connection in time), not
of the request."""


def _database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, sqlite3.OperationalError) and not _sqlite_busy(exc):
        return _unexpected(request, exc)
    if isinstance(exc, sqlite3.OperationalError):
        log.warning(
            "database unavailable on %s %s: SQLite locked", request.method, request.url.path
        )
    else:
        DATABASE_DOWN.failure(f"{request.method} {request.url.path}: {type(exc).__name__}")
    return _portal_error(request, DatabaseUnavailableError())


def _sqlite_busy(exc: sqlite3.OperationalError) -> bool:
    """SQLite's writer lock still held after its busy timeout: "database is locked"."""
    return "locked" in str(exc) or "busy" in str(exc)


def _nested_too_deeply(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """A JSON body nested past the decoder's depth (e.g. 100,000 `[`): the client's, a 400."""
    log.info("request body nested too deeply on %s %s", request.method, request.url.path)
    return _portal_error(request, NestedTooDeeplyError())


def exception_handlers() -> ExceptionHandlersMap:
    return {
        PortalError: _portal_error,
        HTTPException: _http_exception,
        OverflowError: _value_out_of_range,
        asyncpg.DataError: _value_out_of_range,
        RecursionError: _nested_too_deeply,
        sqlite3.OperationalError: _database_unavailable,
        **dict.fromkeys(DB_UNREACHABLE, _database_unavailable),
        Exception: _unexpected,
    }
