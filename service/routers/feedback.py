"""Feedback: ingest (idempotent), list with filters and cursor pagination, view one."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlalchemy import select

from ..alerting import alert_dict
from ..auth import Principal, require
from ..errors import ApiError
from ..ingest import ingest
from ..models import Alert, Feedback
from ..pagination import decode_cursor, encode_cursor
from ..schemas import FeedbackIn, FeedbackOut, FeedbackRow

router = APIRouter(prefix="/v1", tags=["feedback"])


@router.post("/feedback", response_model=FeedbackOut, status_code=201,
             responses={200: {"description": "A retry: the first result, nothing new created"}})
def post_feedback(body: FeedbackIn, request: Request, response: Response,
                  idempotency_key: str | None = Header(default=None, alias="Idempotency-Key", max_length=200),
                  _p: Principal = Depends(require("ingest"))) -> dict:
    result, created = ingest(request.app.state, body, idempotency_key)
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replay"] = "true"
    return result


@router.get("/feedback", summary="List feedback, newest first")
def list_feedback(request: Request,
                  since: datetime | None = None, until: datetime | None = None,
                  source: str | None = None, cause: str | None = None, team: str | None = None,
                  sentiment: str | None = None, churn_intent: str | None = None,
                  cursor: str | None = None, limit: int = Query(50, ge=1, le=500),
                  _p: Principal = Depends(require("read"))) -> dict:
    q = select(Feedback)
    if since:
        q = q.where(Feedback.received_at >= since)
    if until:
        q = q.where(Feedback.received_at < until)
    if source:
        q = q.where(Feedback.source == source)
    if team:
        q = q.where(Feedback.team == team)
    if cause:
        q = q.where(Feedback.causes.like(f"%,{cause},%"))
    if sentiment:
        q = q.where(Feedback.sentiment == sentiment)
    if churn_intent:
        q = q.where(Feedback.churn_intent == churn_intent)
    after = decode_cursor(cursor)
    if after:
        q = q.where(Feedback.id < int(after[0]))
    with request.app.state.db.session() as s:
        rows = s.scalars(q.order_by(Feedback.id.desc()).limit(limit + 1)).all()
        items = [FeedbackRow.model_validate(r).model_dump(mode="json") for r in rows[:limit]]
    nxt = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return {"items": items, "next_cursor": nxt}


@router.get("/feedback/{feedback_id}")
def get_feedback(feedback_id: int, request: Request, _p: Principal = Depends(require("read"))) -> dict:
    with request.app.state.db.session() as s:
        fb = s.get(Feedback, feedback_id)
        if fb is None:
            raise ApiError(404, "not_found", f"feedback {feedback_id} does not exist", "feedback_id")
        alerts = s.scalars(select(Alert).where(Alert.feedback_id == fb.id).order_by(Alert.id)).all()
        return {**FeedbackRow.model_validate(fb).model_dump(mode="json"), "alerts": [alert_dict(a) for a in alerts]}
