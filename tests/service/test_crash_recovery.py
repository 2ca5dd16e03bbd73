"""A service killed with SIGKILL mid-delivery delivers the rest after a restart (real subprocess, real receiver)."""

from __future__ import annotations

import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import select

from service.auth import create_api_key
from service.db import Database
from service.migrate import upgrade
from service.models import OutboxMessage

from .conftest import RULES
from .procs import ServiceProcess, service_env
from .receivers import HttpReceiver

N = 8


def statuses(db) -> Counter:
    with db.session() as s:
        return Counter(s.scalars(select(OutboxMessage.status)).all())


@pytest.mark.slow
def test_sigkill_mid_delivery_then_restart_delivers_everything(tmp_path):
    url = f"sqlite:///{tmp_path / 'svc.sqlite'}"
    db = Database(url)
    upgrade(db.engine)
    with db.session() as s:
        key = create_api_key(s, "test", ["admin"])[1]
    receiver = HttpReceiver(delay=0.4).start()
    env = service_env(url, tmp_path / "state", RULES,
                      [{"name": "hook", "type": "webhook", "url": receiver.url + "/hook", "secret": "s"}],
                      FEEDBACK_DELIVERY_TIMEOUT_SECONDS="1")  # claim lease: 5 s
    first = ServiceProcess(env, tmp_path / "first.log").start()
    try:
        with httpx.Client(base_url=first.url, headers={"Authorization": f"Bearer {key}"}) as c:
            alert_ids = []
            for i in range(N):
                r = c.post("/v1/feedback", json={"text": "我要注销账户，再也不用你们了" + "！" * i})
                assert r.status_code == 201, r.text
                alert_ids.append(r.json()["alerts"][0]["id"])
        deadline = time.monotonic() + 20
        while len(receiver.on("/hook")) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        first.kill()
        at_kill = statuses(db)
        assert at_kill["delivered"] < N, "the kill came too late to test anything"
        assert sum(at_kill.values()) == N  # every message was in the outbox before any delivery

        second = ServiceProcess(env, tmp_path / "second.log").start()
        try:
            deadline = time.monotonic() + 60
            while statuses(db)["delivered"] < N and time.monotonic() < deadline:
                time.sleep(0.2)
            assert statuses(db) == {"delivered": N}
        finally:
            second.stop()
        got = receiver.on("/hook")
        delivered_alerts = Counter(r["json"]["alert"]["id"] for r in got)
        assert set(delivered_alerts) == set(alert_ids)  # nothing lost
        # at-least-once: only a message in flight at the kill may arrive twice, with the same delivery id
        repeats = Counter(r["headers"]["X-Feedback-Delivery"] for r in got)
        assert sum(n - 1 for n in repeats.values()) <= 1
        assert len(repeats) == N
    finally:
        first.kill()
        receiver.stop()
        db.dispose()
