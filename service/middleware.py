"""ASGI middleware: request body size limit and an access log without secrets or PII."""

from __future__ import annotations

import json
import time

from starlette.exceptions import HTTPException

from .logsafe import get_logger, scrub

log = get_logger("service.access")


class _TooLarge(HTTPException):
    """An HTTPException so that FastAPI's body parsing re-raises it (other errors become a 400)."""

    def __init__(self, limit: int):
        super().__init__(413, f"request body over {limit} bytes")


def _413(limit: int) -> bytes:
    return json.dumps({"error": {"code": "body_too_large", "message": f"request body over {limit} bytes",
                                 "field": None}}).encode()


class BodySizeLimit:
    """Refuse bodies over ``limit`` bytes with 413, by Content-Length or while streaming."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await self._reject(send)
        seen = 0
        started = False

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge(self.limit)
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send)

    async def _reject(self, send):
        body = _413(self.limit)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class AccessLog:
    """One log line per request: method, path, status, ms, key id. Never bodies, headers or query secrets."""

    def __init__(self, app, metrics=None):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        status = 500

        async def send_wrapper(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            dt = time.perf_counter() - t0
            route = scope.get("route")
            path_t = getattr(route, "path", None) or "unmatched"
            if self.metrics is not None:
                self.metrics.observe_request(scope["method"], path_t, status, dt)
            key_id = (scope.get("state") or {}).get("key_id", "-")
            log.info("%s %s %s %.1fms key_id=%s", scope["method"], scrub(scope["path"]), status, dt * 1000, key_id)
