"""Dashboard numbers on SQLite and PostgreSQL: causes per day, sentiment trend, top keywords, SLA compliance."""

from __future__ import annotations

from datetime import timedelta

from service.models import Alert, utcnow


def test_dashboard_counts(svc):
    ids = {}
    for name, text in (("l1", "快递太慢了，三天还没到"), ("l2", "送得太慢了，菜都凉了"),
                       ("churn", "我要注销账户，再也不用你们了，换别家"), ("happy", "东西很好，很满意")):
        ids[name] = svc.post("/v1/feedback", {"text": text}).json()
    churn_alert = ids["churn"]["alerts"][0]["id"]
    late_alert = ids["l1"]["alerts"][0]["id"]
    svc.post(f"/v1/alerts/{churn_alert}/resolve", None)  # resolved within its deadline
    with svc.app.state.db.session() as s:  # this one is past its deadline and still open
        s.get(Alert, late_alert).sla_deadline = utcnow() - timedelta(minutes=5)
    d = svc.get("/v1/dashboard", params={"days": 7}).json()
    today = utcnow().date().isoformat()
    assert d["days"][-1] == today and len(d["days"]) == 7
    assert d["feedback_total"] == 4
    assert d["causes_over_time"]["series"][today]["logistics"] == 2
    assert d["causes_over_time"]["labels"]["logistics"]["zh"] == "物流配送"
    assert d["sentiment_trend"][today] == {"negative": 3, "neutral": 0, "positive": 1}
    top = {k["term"]: k["count"] for k in d["top_keywords"]}
    assert top and max(top.values()) >= 2
    assert d["sla"] == {"met": 1, "breached": 1, "open_overdue": 1, "compliance": 0.5}
    assert d["alerts_by_level"] == {"red": 1, "yellow": 2}
    tax = svc.get("/v1/taxonomy").json()
    assert len(tax["causes"]) == 13 and {s["code"] for s in tax["sentiments"]} == {"negative", "neutral", "positive"}
