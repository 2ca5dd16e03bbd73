"""Layer 6 on SQLite and PostgreSQL: delayed triggers and SLA escalation fire once with two schedulers on one DB."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from service.models import Alert, AlertEvent, OutboxMessage, RuleKV, utcnow
from service.scheduler import Scheduler

NEG = "快递太慢了，三天还没到"
CHURN = "我要注销账户，再也不用你们了，换别家"
HOOK = [{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/hook"}]


def two_schedulers(svc) -> tuple[Scheduler, Scheduler]:
    st = svc.app.state
    return tuple(Scheduler(st.db, st.rules, st.channels, st.settings, st.metrics, holder=h) for h in ("A", "B"))


def run_together(fns) -> list:
    out = [None] * len(fns)
    barrier = threading.Barrier(len(fns))

    def go(i):
        barrier.wait()
        out[i] = fns[i]()

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def alerts(svc, rule_id=None) -> list[Alert]:
    with svc.app.state.db.session() as s:
        q = select(Alert).order_by(Alert.id)
        if rule_id:
            q = q.where(Alert.rule_id == rule_id)
        return list(s.scalars(q))


def test_lease_has_one_holder_until_it_expires(svc):
    a, b = two_schedulers(svc)
    now = utcnow()
    assert a.acquire(now) is True
    assert b.acquire(now) is False
    assert a.acquire(now + timedelta(seconds=5)) is True  # the holder renews
    assert b.acquire(now + timedelta(seconds=60)) is True  # expired: B takes over
    assert a.acquire(now + timedelta(seconds=61)) is False


def test_delayed_trigger_fires_once_with_two_schedulers(make_service):
    svc = make_service(channels=HOOK)
    fid = svc.post("/v1/feedback", {"text": NEG}).json()["feedback_id"]
    assert alerts(svc, "unanswered-negative") == []
    with svc.app.state.db.session() as s:
        assert s.scalar(select(RuleKV).where(RuleKV.kind == "pending")) is not None
    a, b = two_schedulers(svc)
    early = utcnow() + timedelta(minutes=30)
    assert run_together([lambda: a.fire_due(early), lambda: b.fire_due(early)]) == [0, 0]  # not due yet
    later = utcnow() + timedelta(hours=2)
    # even with both running a round at once (as if both held the lease), the trigger fires once
    fired = run_together([lambda: a.fire_due(later), lambda: b.fire_due(later)])
    assert sorted(fired) == [0, 1]
    got = alerts(svc, "unanswered-negative")
    assert len(got) == 1 and got[0].kind == "delayed" and got[0].feedback_id == fid
    assert run_together([lambda: a.run_once(later), lambda: b.run_once(later)])[0]["fired"] == 0
    with svc.app.state.db.session() as s:
        assert s.scalars(select(OutboxMessage.channel).where(OutboxMessage.alert_id == got[0].id)).all() == ["hook"]


def test_delayed_trigger_does_not_fire_when_answered(svc):
    body = svc.post("/v1/feedback", {"text": NEG}).json()
    aid = body["alerts"][0]["id"]  # the immediate negative-logistics alert
    svc.post(f"/v1/alerts/{aid}/acknowledge", None)
    a, _ = two_schedulers(svc)
    assert a.run_once(utcnow() + timedelta(hours=2))["fired"] == 0
    assert alerts(svc, "unanswered-negative") == []


def test_sla_breach_escalates_once(make_service):
    svc = make_service(channels=HOOK)
    alert = svc.post("/v1/feedback", {"text": CHURN}).json()["alerts"][0]
    assert alert["level"] == "red"
    a, b = two_schedulers(svc)
    late = utcnow() + timedelta(hours=1)  # P1 first response is 30 minutes
    results = run_together([lambda: a.run_once(late), lambda: b.run_once(late)])
    assert sorted(r["leader"] for r in results) == [False, True]
    assert sum(r["escalated"] for r in results) == 1
    for s in (a, b):  # and again, directly, by both: nothing more
        assert s.escalate(late) == 0
    with svc.app.state.db.session() as s:
        row = s.get(Alert, alert["id"])
        assert row.escalated_at is not None and row.sla_breached is False and row.owner == "team_lead"
        events = s.scalars(select(AlertEvent).where(AlertEvent.alert_id == row.id, AlertEvent.action == "escalated")).all()
        assert [e.detail["reason"] for e in events] == ["first_response_overdue"]
        msgs = s.scalars(select(OutboxMessage.event).where(OutboxMessage.alert_id == row.id)).all()
        assert "escalation-first_response_overdue" in msgs
    much_later = utcnow() + timedelta(hours=5)  # P1 resolution is 4 hours
    assert sum(s.escalate(much_later) for s in (a, b)) == 1
    with svc.app.state.db.session() as s:
        assert s.get(Alert, alert["id"]).sla_breached is True
    metrics = svc.client.get("/metrics").text
    assert 'feedback_sla_breaches_total{level="red",reason="first_response_overdue"} 1.0' in metrics
    assert 'feedback_sla_breaches_total{level="red",reason="resolution_overdue"} 1.0' in metrics


def test_acknowledged_alert_is_not_escalated_for_first_response(svc):
    alert = svc.post("/v1/feedback", {"text": CHURN}).json()["alerts"][0]
    svc.post(f"/v1/alerts/{alert['id']}/acknowledge", None)
    a, _ = two_schedulers(svc)
    assert a.escalate(utcnow() + timedelta(hours=1)) == 0


def test_two_delivery_workers_send_each_message_once(make_service):
    from service.outbox import OutboxWorker

    from .receivers import HttpReceiver

    http = HttpReceiver().start()
    try:
        svc = make_service(channels=[{"name": "hook", "type": "webhook", "url": http.url + "/hook"}])
        for i in range(6):
            svc.post("/v1/feedback", {"text": CHURN + "!" * i})
        st = svc.app.state
        workers = [OutboxWorker(st.db, st.channels, st.settings, worker_id=w) for w in ("w1", "w2")]
        while True:
            done = run_together([w.run_once for w in workers])
            if sum(done) == 0:
                break
        ids = [r["headers"]["X-Feedback-Delivery"] for r in http.on("/hook")]
        assert len(ids) == 6 and len(set(ids)) == 6
        with st.db.session() as s:
            assert set(s.scalars(select(OutboxMessage.status)).all()) == {"delivered"}
    finally:
        http.stop()
