"""Every error leaves the service as ``{"error": {"code", "message", "field"}}`` with a 4xx/5xx status."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 details: Any = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.details, self.headers = details, headers


def error_body(code: str, message: str, field: str | None = None, details: Any = None) -> dict:
    err: dict[str, Any] = {"code": code, "message": message, "field": field}
    if details is not None:
        err["details"] = details
    return {"error": err}


# pydantic error type -> our stable code
_CODES = {
    "extra_forbidden": "unknown_field",
    "missing": "missing_field",
    "json_invalid": "malformed_json",
    "string_type": "wrong_type",
    "int_type": "wrong_type",
    "int_parsing": "wrong_type",
    "float_type": "wrong_type",
    "float_parsing": "wrong_type",
    "bool_type": "wrong_type",
    "bool_parsing": "wrong_type",
    "list_type": "wrong_type",
    "dict_type": "wrong_type",
    "model_type": "wrong_type",
    "model_attributes_type": "wrong_type",
    "datetime_type": "wrong_type",
    "datetime_parsing": "wrong_type",
    "datetime_from_date_parsing": "wrong_type",
    "string_too_short": "empty_text",
    "string_too_long": "text_too_long",
    "too_short": "empty_batch",
    "too_long": "batch_too_large",
    "literal_error": "invalid_value",
    "enum": "invalid_value",
}


def _field(loc: tuple) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


def _validation_handler(_req: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    items = []
    for e in errors:
        code = _CODES.get(e.get("type", ""), "invalid_value")
        msg = e.get("msg", "invalid")
        if code == "batch_too_large":
            msg = f"batch too large: {msg}"
        items.append({"code": code, "message": msg, "field": _field(tuple(e.get("loc", ())))})
    first = items[0] if items else {"code": "invalid_request", "message": "invalid request", "field": None}
    status = 413 if first["code"] == "batch_too_large" else 422
    return JSONResponse(error_body(first["code"], first["message"], first["field"], details=items), status_code=status)


def _api_error_handler(_req: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse(error_body(exc.code, exc.message, exc.field, exc.details), status_code=exc.status,
                        headers=exc.headers)


def _http_handler(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 401: "unauthorized", 403: "forbidden"}.get(
        exc.status_code, f"http_{exc.status_code}")
    return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(ApiError, _api_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
