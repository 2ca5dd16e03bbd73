"""Window rules and operator silences through the API, on SQLite and PostgreSQL (engine state in the database)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from service.models import OutboxMessage, utcnow

LOGISTICS = "快递太慢了，三天还没到"
CHURN = "我要注销账户，再也不用你们了，换别家"
WINDOW_RULES = """
channels: [hook]
rules:
  - id: logistics-burst
    description: {zh: 一小时内三条物流差评, en: Three logistics complaints within an hour}
    when: {causes: logistics}
    trigger: {count: 3, window: 1h}
    actions: {level: yellow, channels: [hook], team: logistics}
"""


def test_window_rule_fires_at_the_threshold(svc):
    assert svc.client.put("/v1/config/rules", json={"content": WINDOW_RULES}, headers=svc.h(svc.admin)).status_code == 200
    got = [svc.post("/v1/feedback", {"text": LOGISTICS + "!" * i}).json()["alerts"] for i in range(4)]
    assert got[0] == [] and got[1] == []
    assert [a["kind"] for a in got[2]] == ["window"] and got[2][0]["rule_id"] == "logistics-burst"
    # the fourth is a repeat of the same open alert (same dedup key), not a new one
    assert got[3] and got[3][0]["id"] == got[2][0]["id"] and got[3][0]["count"] >= 2
    assert len(svc.get("/v1/alerts", params={"rule_id": "logistics-burst"}).json()["items"]) == 1


def test_silence_keeps_the_alert_but_sends_nothing(make_service):
    svc = make_service(channels=[{"name": n, "type": "webhook", "url": "http://127.0.0.1:9/x"}
                                 for n in ("hook", "wecom", "ding", "feishu", "mail")])
    triage = svc.key("triage", "read")
    ends = (utcnow() + timedelta(hours=1)).isoformat()
    r = svc.post("/v1/silences", {"matchers": [{"label": "rule", "op": "=", "value": "churn-explicit"}],
                                  "ends_at": ends, "comment": "维护窗口"}, key=triage)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert [x["id"] for x in svc.get("/v1/silences", key=triage).json()["items"]] == [sid]
    alert = svc.post("/v1/feedback", {"text": CHURN}).json()["alerts"][0]
    assert alert["status"] == "silenced"
    with svc.app.state.db.session() as s:
        assert s.scalars(select(OutboxMessage).where(OutboxMessage.alert_id == alert["id"])).all() == []
    assert svc.client.delete(f"/v1/silences/{sid}", headers=svc.h(triage)).json()["deleted"] is True
    again = svc.post("/v1/feedback", {"text": CHURN + "!!"}).json()["alerts"][0]
    assert again["status"] == "open"
    with svc.app.state.db.session() as s:
        assert len(s.scalars(select(OutboxMessage).where(OutboxMessage.alert_id == again["id"])).all()) == 5
    bad = svc.post("/v1/silences", {"matchers": [{"label": "rule", "op": "=~", "value": "("}], "ends_at": ends})
    assert bad.status_code == 422
    assert svc.post("/v1/silences", {"matchers": [{"label": "rule", "value": "x"}], "ends_at": ends},
                    key=svc.key("read")).status_code == 403
