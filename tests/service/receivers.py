"""Real receivers on 127.0.0.1 for delivery tests: an HTTP server (webhook/WeCom/DingTalk/Feishu) and SMTP.

Both can be stopped and started again on the same port, to play a receiver that is down and comes back.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HttpReceiver:
    """Records every POST as ``{"path", "query", "headers", "json"}``; answers like the chat robots do."""

    def __init__(self, port: int | None = None, delay: float = 0.0):
        self.port = port or free_port()
        self.delay = delay
        self.received: list[dict] = []
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "HttpReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.delay:
                    time.sleep(receiver.delay)
                parsed = urllib.parse.urlsplit(self.path)
                with receiver._lock:
                    receiver.received.append({"path": parsed.path, "query": dict(urllib.parse.parse_qsl(parsed.query)),
                                              "headers": dict(self.headers), "raw": body,
                                              "json": json.loads(body or b"null")})
                out = b'{"errcode":0,"errmsg":"ok","code":0}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def on(self, path: str) -> list[dict]:
        with self._lock:
            return [r for r in self.received if r["path"] == path]


class SmtpReceiver:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list = []
        self._controller = None

    def start(self) -> "SmtpReceiver":
        from email import message_from_bytes, policy

        from aiosmtpd.controller import Controller

        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                receiver.messages.append(message_from_bytes(envelope.original_content or envelope.content,
                                                                policy=policy.default))
                return "250 OK"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
            self._controller = None
