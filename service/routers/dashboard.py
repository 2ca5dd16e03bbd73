"""Numbers for the console dashboard: causes over time, sentiment trend, top keywords, SLA compliance."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from feedback_nlp.taxonomy import TAXONOMY

from ..auth import Principal, require
from ..models import Alert, Feedback, utcnow

router = APIRouter(prefix="/v1", tags=["dashboard"])
MAX_ROWS = 50_000


@router.get("/taxonomy", summary="Label names (zh/en) for causes, groups, sentiment and churn intent")
def taxonomy(_p: Principal = Depends(require("read"))) -> dict:
    def rows(labels):
        return [{"code": x.code, "zh": x.zh, "en": x.en, "group": x.group} for x in labels]

    return {"causes": rows(TAXONOMY.causes), "groups": rows(TAXONOMY.groups),
            "sentiments": rows(TAXONOMY.sentiments), "churn_intents": rows(TAXONOMY.churn_intents)}


@router.get("/dashboard")
def dashboard(request: Request, days: int = Query(14, ge=1, le=365), source: str | None = None,
              team: str | None = None, _p: Principal = Depends(require("read"))) -> dict:
    now = utcnow()
    since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    q = select(Feedback.received_at, Feedback.causes, Feedback.sentiment, Feedback.classification).where(
        Feedback.received_at >= since)
    if source:
        q = q.where(Feedback.source == source)
    if team:
        q = q.where(Feedback.team == team)
    aq = select(Alert.level, Alert.status, Alert.created_at, Alert.first_response_due, Alert.acknowledged_at,
                Alert.sla_deadline, Alert.resolved_at, Alert.sla_breached).where(Alert.created_at >= since)
    if team:
        aq = aq.where(Alert.team == team)
    with request.app.state.db.session() as s:
        rows = s.execute(q.order_by(Feedback.id.desc()).limit(MAX_ROWS)).all()
        alerts = s.execute(aq).all()
    day_list = [(since + timedelta(days=i)).date().isoformat() for i in range(days)]
    causes = defaultdict(Counter)
    sentiment = defaultdict(Counter)
    keywords: Counter = Counter()
    for received_at, cause_str, sent, cls in rows:
        day = received_at.date().isoformat()
        for c in filter(None, (cause_str or "").split(",")):
            causes[day][c] += 1
        sentiment[day][sent or "neutral"] += 1
        for kw in (cls or {}).get("keywords", []):
            if not kw.get("negated"):
                keywords[kw.get("term") or kw.get("text")] += 1
    met = breached = open_overdue = 0
    for level, status, created, frd, acked, dl, resolved, was_breached in alerts:
        if dl is None:
            continue
        if status == "resolved" and resolved is not None:
            if resolved <= dl and not was_breached:
                met += 1
            else:
                breached += 1
        elif dl < now or was_breached:
            breached += 1
            open_overdue += 1
    closed_or_due = met + breached
    return {
        "days": day_list,
        "feedback_total": len(rows),
        "causes_over_time": {
            "codes": list(TAXONOMY.cause_codes),
            "labels": {c.code: {"zh": c.zh, "en": c.en} for c in TAXONOMY.causes},
            "series": {d: dict(causes[d]) for d in day_list},
        },
        "sentiment_trend": {d: {k: sentiment[d].get(k, 0) for k in ("negative", "neutral", "positive")}
                            for d in day_list},
        "top_keywords": [{"term": t, "count": n} for t, n in keywords.most_common(15)],
        "alerts_by_level": dict(Counter(a[0] for a in alerts)),
        "alerts_by_status": dict(Counter(a[1] for a in alerts)),
        "sla": {"met": met, "breached": breached, "open_overdue": open_overdue,
                "compliance": round(met / closed_or_due, 4) if closed_or_due else None},
    }
