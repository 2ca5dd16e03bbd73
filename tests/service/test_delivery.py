"""Layer 5: the outbox delivers to real receivers on loopback, loses nothing, and dead-letters after N tries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections import Counter

import pytest
from sqlalchemy import select

from service.models import OutboxMessage
from service.outbox import backoff_seconds

from .receivers import HttpReceiver, SmtpReceiver, free_port

CHURN = "我要注销账户，再也不用你们了，换别家"


@pytest.fixture
def backend():
    return "sqlite"


def channel_config(http: HttpReceiver, smtp_port: int) -> list[dict]:
    return [
        {"name": "hook", "type": "webhook", "url": http.url + "/hook", "secret": "hook-secret"},
        {"name": "wecom", "type": "wecom", "url": http.url + "/wecom?key=wk"},
        {"name": "ding", "type": "dingtalk", "url": http.url + "/ding?access_token=dt", "secret": "SECding"},
        {"name": "feishu", "type": "feishu", "url": http.url + "/feishu", "secret": "fs-secret"},
        {"name": "mail", "type": "email", "smtp_host": "127.0.0.1", "smtp_port": smtp_port,
         "from": "alerts@example.cn", "to": ["lead@example.cn"]},
    ]


def drain(svc, until, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        svc.app.state.outbox_worker.run_once()
        if until():
            return True
        time.sleep(0.05)
    return False


def outbox_rows(svc) -> list[OutboxMessage]:
    with svc.app.state.db.session() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_backoff_grows_exponentially_with_jitter():
    import random

    rng = random.Random(1)
    values = [backoff_seconds(n, 1.0, 60.0, rng) for n in range(1, 9)]
    for n, v in enumerate(values, start=1):
        full = min(60.0, 2 ** (n - 1))
        assert full * 0.5 <= v <= full
    assert len({round(backoff_seconds(3, 1.0, 60.0, rng), 6) for _ in range(20)}) > 1  # jitter


def test_receivers_down_then_back_get_every_alert_exactly_once_per_channel(make_service):
    http, smtp = HttpReceiver(), SmtpReceiver()
    svc = make_service(channels=channel_config(http, smtp.port), outbox_backoff_base_seconds=0.05,
                       outbox_backoff_max_seconds=0.2, outbox_max_attempts=1000, delivery_timeout_seconds=2)
    alert_ids = [svc.post("/v1/feedback", {"text": CHURN + "!" * i}).json()["alerts"][0]["id"] for i in range(3)]
    rows = outbox_rows(svc)
    assert len(rows) == 15 and Counter(r.channel for r in rows) == {c: 3 for c in
                                                                    ("hook", "wecom", "ding", "feishu", "mail")}
    # everything is down: every attempt fails and is rescheduled
    svc.app.state.outbox_worker.run_once()
    rows = outbox_rows(svc)
    assert all(r.status == "pending" and r.attempts == 1 and r.last_error for r in rows)
    assert all(r.next_attempt_at > r.created_at for r in rows)
    time.sleep(0.3)
    svc.app.state.outbox_worker.run_once()  # still down: a second failed attempt each
    assert all(r.attempts >= 2 for r in outbox_rows(svc))

    http.start(), smtp.start()
    try:
        assert drain(svc, lambda: all(r.status == "delivered" for r in outbox_rows(svc)))
        for _ in range(3):  # more rounds must not send anything again
            svc.app.state.outbox_worker.run_once()
        time.sleep(0.2)
        per_channel = {"hook": http.on("/hook"), "wecom": http.on("/wecom"), "ding": http.on("/ding"),
                       "feishu": http.on("/feishu")}
        for name, got in per_channel.items():
            ids = sorted(int(r["headers"]["X-Feedback-Delivery"].split("-")[1]) for r in got)
            expected = sorted(r.id for r in outbox_rows(svc) if r.channel == name)
            assert ids == expected, name  # each message exactly once
        assert sorted(r["json"]["alert"]["id"] for r in per_channel["hook"]) == sorted(alert_ids)
        for aid in alert_ids:  # the robot texts name the alert
            for name in ("wecom", "ding", "feishu"):
                assert sum(f"#{aid}\n" in str(r["json"]) or f"#{aid}\\n" in str(r["json"]) for r in per_channel[name]) == 1
        mail_ids = sorted(m["X-Feedback-Delivery"] for m in smtp.messages)
        assert mail_ids == sorted(f"outbox-{r.id}" for r in outbox_rows(svc) if r.channel == "mail")
        assert "lead@example.cn" in smtp.messages[0]["To"] and "预警" in smtp.messages[0]["Subject"]
        check_signatures(per_channel)
    finally:
        http.stop(), smtp.stop()


def check_signatures(per_channel: dict) -> None:
    for r in per_channel["hook"]:
        ts = r["headers"]["X-Feedback-Timestamp"]
        want = "sha256=" + hmac.new(b"hook-secret", f"{ts}.".encode() + r["raw"], hashlib.sha256).hexdigest()
        assert r["headers"]["X-Feedback-Signature"] == want
    for r in per_channel["ding"]:
        ts = r["query"]["timestamp"]
        want = base64.b64encode(hmac.new(b"SECding", f"{ts}\nSECding".encode(), hashlib.sha256).digest()).decode()
        assert r["query"]["sign"] == want and r["query"]["access_token"] == "dt"
        assert r["json"]["msgtype"] == "markdown"
    for r in per_channel["feishu"]:
        ts = r["json"]["timestamp"]
        want = base64.b64encode(hmac.new(f"{ts}\nfs-secret".encode(), b"", hashlib.sha256).digest()).decode()
        assert r["json"]["sign"] == want and r["json"]["msg_type"] == "text"
    for r in per_channel["wecom"]:
        assert r["query"]["key"] == "wk" and r["json"]["msgtype"] == "markdown"


def test_dead_letter_after_n_tries_and_redelivery(make_service):
    http = HttpReceiver()
    svc = make_service(channels=[{"name": "hook", "type": "webhook", "url": http.url + "/hook"}],
                       outbox_backoff_base_seconds=0.01, outbox_backoff_max_seconds=0.02, outbox_max_attempts=3)
    svc.post("/v1/feedback", {"text": CHURN})
    assert drain(svc, lambda: outbox_rows(svc)[0].status == "dead", timeout=10)
    row = outbox_rows(svc)[0]
    assert row.attempts == 3 and "ConnectError" in row.last_error
    dead = svc.get("/v1/outbox", params={"status": "dead"}).json()["items"]
    assert [d["id"] for d in dead] == [row.id]
    for _ in range(3):  # dead stays dead
        svc.app.state.outbox_worker.run_once()
    assert outbox_rows(svc)[0].status == "dead"
    http.start()
    try:
        r = svc.post(f"/v1/outbox/{row.id}/redeliver", None)
        assert r.status_code == 200 and r.json()["status"] == "pending"
        assert drain(svc, lambda: outbox_rows(svc)[0].status == "delivered", timeout=10)
        assert len(http.on("/hook")) == 1
        assert svc.post("/v1/outbox/99999/redeliver", None).status_code == 404
    finally:
        http.stop()


def test_a_robot_that_answers_an_error_code_is_retried(make_service):
    """WeCom/DingTalk answer HTTP 200 with errcode != 0 on a bad signature: that is a failure."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import threading

    class Refuse(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            out = b'{"errcode":310000,"errmsg":"sign not match"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *a):
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        svc = make_service(channels=[{"name": "ding", "type": "dingtalk", "url": f"http://127.0.0.1:{port}/d",
                                      "secret": "x"}])
        svc.post("/v1/feedback", {"text": CHURN})
        svc.app.state.outbox_worker.run_once()
        row = outbox_rows(svc)[0]
        assert row.status == "pending" and row.attempts == 1 and "310000" in row.last_error
    finally:
        server.shutdown()
        server.server_close()
