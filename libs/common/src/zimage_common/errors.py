"""Typed domain errors rendered as {"error", "detail"} by one set of handlers."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

log = structlog.get_logger("zimage.errors")


class ErrorResponse(BaseModel):
    error: str
    detail: str


class AppError(Exception):
    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "InternalError"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class BadRequest(AppError):
    status_code = 400
    code = "BadRequest"


class Unauthorized(AppError):
    status_code = 401
    code = "Unauthorized"

    def __init__(self, detail: str = "Sign in required", *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer", **(headers or {})})


class Forbidden(AppError):
    status_code = 403
    code = "Forbidden"


class NotFound(AppError):
    status_code = 404
    code = "NotFound"


class MethodNotAllowed(AppError):
    status_code = 405
    code = "MethodNotAllowed"

    def __init__(self, allowed: list[str]) -> None:
        super().__init__("Method Not Allowed", headers={"Allow": ", ".join(allowed)})


class Conflict(AppError):
    status_code = 409
    code = "Conflict"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "PayloadTooLarge"


class Unprocessable(AppError):
    status_code = 422
    code = "ValidationError"


class TooManyRequests(AppError):
    status_code = 429
    code = "TooManyRequests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(detail, headers={"Retry-After": str(self.retry_after)})


class ServiceUnavailable(AppError):
    status_code = 503
    code = "ServiceUnavailable"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": "5", **(headers or {})})


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries so the OpenAPI spec lists the errors a route can answer."""
    out: dict[int | str, dict[str, Any]] = {}
    for err in errors:
        entry = out.setdefault(err.status_code, {"model": ErrorResponse, "description": ""})
        entry["description"] = ", ".join(filter(None, [entry["description"], err.code]))
    return out


def error_body(code: str, detail: str) -> dict[str, str]:
    return {"error": code, "detail": detail}


def _json(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, detail), status_code=status, headers=headers)


def describe_validation_errors(errors: list[Any]) -> str:
    parts = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header", "cookie")]
        where = ".".join(loc) or str((err.get("loc") or ["request"])[0])
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        parts.append(f"{where}: {msg}")
    return "; ".join(parts) or "Invalid request"


_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_HTTP_CODES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "ValidationError",
    429: "TooManyRequests",
    503: "ServiceUnavailable",
}


def is_connection_error(exc: BaseException) -> bool:
    """A dependency that cannot be reached, as opposed to a bug."""
    if isinstance(exc, OperationalError | PoolTimeoutError | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    name = type(exc).__name__
    module = type(exc).__module__
    if module.startswith(("redis", "kombu", "amqp")) and name in {
        "ConnectionError",
        "TimeoutError",
        "BusyLoadingError",
        "OperationalError",
        "RecoverableConnectionError",
    }:
        return True
    return name in {"CannotConnectNowError", "ConnectionDoesNotExistError", "InterfaceError"} or (
        isinstance(exc, OSError) and exc.errno is not None
    )


def _path_pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$")


def documented_methods(request: Request) -> list[str]:
    """The methods the app's OpenAPI spec lists for the request's path (a fixed path beats a template)."""
    paths: dict[str, Any] = request.app.openapi().get("paths", {})
    path = request.scope["path"]
    item = paths.get(path)
    items = [item] if item else [i for t, i in paths.items() if "{" in t and _path_pattern(t).match(path)]
    return sorted({method.upper() for i in items for method in i if method in _HTTP_METHODS})


def install_error_handlers(app: FastAPI) -> None:
    async def app_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppError)
        return _json(exc.status_code, exc.code, exc.detail, exc.headers)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return _json(422, "ValidationError", describe_validation_errors(list(exc.errors())))

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "HTTPError")
        detail = exc.detail if isinstance(exc.detail, str) else code
        headers = dict(getattr(exc, "headers", None) or {})
        # Starlette names only the first route that matched the path; the spec knows them all.
        if exc.status_code == 405 and (documented := documented_methods(request)):
            headers["Allow"] = ", ".join(documented)
        return _json(exc.status_code, code, detail, headers)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, ClientDisconnect):  # nobody is left to read the answer
            log.info("client_disconnected", path=request.url.path)
            return _json(400, "ClientDisconnected", "The client went away before sending the whole request")
        if is_connection_error(exc):
            log.warning("dependency_unavailable", path=request.url.path, error=repr(exc)[:300])
            return _json(
                503, "ServiceUnavailable", "A backing service is unavailable; try again shortly", {"Retry-After": "5"}
            )
        log.exception("unhandled_error", path=request.url.path)
        return _json(500, "InternalError", "Unexpected server error; it has been logged")

    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
