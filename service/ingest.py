"""Store, classify and evaluate one piece of feedback — all or nothing, idempotent."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from feedback_nlp.errors import InputError
from feedback_nlp.text.pii import PiiSpan, apply_mask

from .alerting import alert_dict, apply_decision
from .errors import ApiError
from .models import Feedback, utcnow
from .rules_runtime import feedback_event
from .schemas import FeedbackIn


def find_existing(session, idempotency_key: str | None, external_id: str | None) -> Feedback | None:
    conds = []
    if idempotency_key:
        conds.append(Feedback.idempotency_key == idempotency_key)
    if external_id:
        conds.append(Feedback.external_id == external_id)
    if not conds:
        return None
    return session.scalar(select(Feedback).where(or_(*conds)).order_by(Feedback.id).limit(1))


def replay(fb: Feedback) -> dict:
    return {**fb.response, "duplicate": True}


def ingest(app_state, body: FeedbackIn, idempotency_key: str | None) -> tuple[dict, bool]:
    """Returns (response, created)."""
    db = app_state.db
    with db.session() as s:
        existing = find_existing(s, idempotency_key, body.external_id)
        if existing is not None:
            return replay(existing), False
    try:
        cls = app_state.classifier.classify(body.text)
    except InputError as exc:
        raise ApiError(422, exc.code, exc.message, "text") from exc
    app_state.metrics.classifications.labels("feedback").inc()
    masked = apply_mask(body.text, [PiiSpan(p["type"], p["start"], p["end"]) for p in cls.get("pii", [])])
    now = utcnow()
    causes = [c["code"] for c in cls.get("causes", [])]
    meta = {k: v for k, v in {"channel": body.channel, "survey": body.survey, "customer": body.customer,
                              "attributes": body.attributes}.items() if v is not None}
    try:
        with db.session() as s:
            fb = Feedback(external_id=body.external_id, idempotency_key=idempotency_key, source=body.source,
                          team=body.team, text=masked, raw_text=body.text if body.store_raw else None,
                          score=_score(body.survey), meta=meta, received_at=body.received_at or now,
                          top_cause=causes[0] if causes else None, causes="," + ",".join(causes) + ",",
                          sentiment=cls["sentiment"]["label"], churn_intent=cls["churn_intent"]["label"],
                          classification=cls, response={})
            s.add(fb)
            s.flush()
            cls = {**cls, "id": str(fb.id)}
            fb.classification = cls
            alerts = []
            engine = app_state.rules.engine(s, now)
            if engine is not None:
                for d in engine.evaluate(feedback_event(fb)):
                    a = apply_decision(s, d, fb, app_state.channels, app_state.metrics)
                    if a is not None:
                        alerts.append(alert_dict(a))
            response = {"feedback_id": fb.id, "external_id": fb.external_id, "duplicate": False,
                        "classification": cls, "alerts": alerts}
            fb.response = response
    except IntegrityError:
        # A concurrent request with the same key or external_id won the race; return its result.
        with db.session() as s:
            existing = find_existing(s, idempotency_key, body.external_id)
            if existing is None:
                raise
            return replay(existing), False
    return response, True


def _score(survey: dict | None) -> float | None:
    if not survey:
        return None
    for key in ("satisfaction", "nps", "score"):
        v = survey.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
    return None
