"""Alerts: the queue (filters, SLA order, cursor pagination) and triage actions with an audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Header, Query, Request
from sqlalchemy import and_, or_, select

from ..alerting import alert_dict, record_action
from ..auth import Principal, require
from ..errors import ApiError
from ..models import Alert, AlertEvent, Feedback, utcnow
from ..pagination import decode_cursor, encode_cursor
from ..rules_state import DbRuleState
from ..schemas import ActionIn, AssignIn, CommentIn

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])
FAR = datetime(9999, 1, 1)


def _actor(p: Principal, person: str | None) -> str:
    """``X-Actor`` names the person at the console (percent-encoded UTF-8, as headers are ASCII)."""
    person = unquote(person or "").strip()[:100]
    return f"{person} via {p.actor}" if person else p.actor


@router.get("", summary="List alerts; order=sla puts the nearest SLA deadline first")
def list_alerts(request: Request,
                status: list[str] | None = Query(None), level: list[str] | None = Query(None),
                team: str | None = None, source: str | None = None, cause: str | None = None,
                rule_id: str | None = None, assignee: str | None = None,
                since: datetime | None = None, until: datetime | None = None,
                order: Literal["sla", "newest"] = "newest",
                cursor: str | None = None, limit: int = Query(50, ge=1, le=500),
                _p: Principal = Depends(require("read"))) -> dict:
    q = select(Alert)
    if status:
        q = q.where(Alert.status.in_(status))
    if level:
        q = q.where(Alert.level.in_(level))
    for col, val in ((Alert.team, team), (Alert.source, source), (Alert.cause, cause), (Alert.rule_id, rule_id),
                     (Alert.assignee, assignee)):
        if val:
            q = q.where(col == val)
    if since:
        q = q.where(Alert.created_at >= since)
    if until:
        q = q.where(Alert.created_at < until)
    after = decode_cursor(cursor)
    if order == "sla":
        # (sla_deadline or far future, id) ascending; keyset on both columns
        if after:
            dl = datetime.fromisoformat(after[0]) if after[0] else None
            if dl is None:
                q = q.where(Alert.sla_deadline.is_(None), Alert.id > after[1])
            else:
                q = q.where(or_(Alert.sla_deadline > dl, Alert.sla_deadline.is_(None),
                                and_(Alert.sla_deadline == dl, Alert.id > after[1])))
        q = q.order_by(Alert.sla_deadline.is_(None), Alert.sla_deadline, Alert.id)
    else:
        if after:
            q = q.where(Alert.id < after[1])
        q = q.order_by(Alert.id.desc())
    with request.app.state.db.session() as s:
        rows = s.scalars(q.limit(limit + 1)).all()
        items = [alert_dict(a) for a in rows[:limit]]
    nxt = None
    if len(rows) > limit:
        last = rows[limit - 1]
        nxt = encode_cursor([last.sla_deadline.isoformat() if last.sla_deadline else None, last.id])
    return {"items": items, "next_cursor": nxt}


@router.get("/{alert_id}")
def get_alert(alert_id: int, request: Request, _p: Principal = Depends(require("read"))) -> dict:
    with request.app.state.db.session() as s:
        a = _get(s, alert_id)
        events = s.scalars(select(AlertEvent).where(AlertEvent.alert_id == a.id).order_by(AlertEvent.id)).all()
        fb = s.get(Feedback, a.feedback_id) if a.feedback_id else None
        return {**alert_dict(a), "details": a.details,
                "events": [{"action": e.action, "actor": e.actor, "at": e.at.isoformat(), "detail": e.detail}
                           for e in events],
                "feedback": {"id": fb.id, "text": fb.text, "source": fb.source,
                             "received_at": fb.received_at.isoformat(), "classification": fb.classification}
                if fb else None}


def _get(s, alert_id: int) -> Alert:
    a = s.get(Alert, alert_id)
    if a is None:
        raise ApiError(404, "not_found", f"alert {alert_id} does not exist", "alert_id")
    return a


def _conflict(a: Alert, action: str) -> ApiError:
    return ApiError(409, "invalid_transition", f"cannot {action} an alert that is {a.status}", "status")


def _act(request: Request, alert_id: int, action: str, actor: str, detail: dict, change) -> dict:
    with request.app.state.db.session() as s:
        a = s.get(Alert, alert_id, with_for_update=True)
        if a is None:
            raise ApiError(404, "not_found", f"alert {alert_id} does not exist", "alert_id")
        change(s, a)
        record_action(s, a, action, actor, detail)
        s.flush()
        return alert_dict(a)


@router.post("/{alert_id}/acknowledge")
def acknowledge(alert_id: int, request: Request, body: ActionIn | None = None,
                x_actor: str | None = Header(None), p: Principal = Depends(require("triage"))) -> dict:
    def change(s, a):
        if a.status not in ("open", "silenced"):
            raise _conflict(a, "acknowledge")
        a.status, a.acknowledged_at = "acknowledged", utcnow()
    return _act(request, alert_id, "acknowledge", _actor(p, x_actor), {"comment": body.comment if body else None},
                change)


@router.post("/{alert_id}/assign")
def assign(alert_id: int, body: AssignIn, request: Request,
           x_actor: str | None = Header(None), p: Principal = Depends(require("triage"))) -> dict:
    def change(s, a):
        if a.status == "resolved":
            raise _conflict(a, "assign")
        a.assignee = body.assignee
    return _act(request, alert_id, "assign", _actor(p, x_actor), {"assignee": body.assignee, "comment": body.comment},
                change)


@router.post("/{alert_id}/comment")
def comment(alert_id: int, body: CommentIn, request: Request,
            x_actor: str | None = Header(None), p: Principal = Depends(require("triage"))) -> dict:
    return _act(request, alert_id, "comment", _actor(p, x_actor), {"comment": body.comment}, lambda s, a: None)


@router.post("/{alert_id}/resolve")
def resolve(alert_id: int, request: Request, body: ActionIn | None = None,
            x_actor: str | None = Header(None), p: Principal = Depends(require("triage"))) -> dict:
    def change(s, a):
        if a.status == "resolved":
            raise _conflict(a, "resolve")
        now = utcnow()
        a.status, a.resolved_at = "resolved", now
        a.acknowledged_at = a.acknowledged_at or now
        if a.dedup_key:  # the next matching event opens a new alert
            DbRuleState(s).close_alert(a.dedup_key)
    return _act(request, alert_id, "resolve", _actor(p, x_actor), {"comment": body.comment if body else None}, change)


@router.post("/{alert_id}/reopen")
def reopen(alert_id: int, request: Request, body: ActionIn | None = None,
           x_actor: str | None = Header(None), p: Principal = Depends(require("triage"))) -> dict:
    def change(s, a):
        if a.status != "resolved":
            raise _conflict(a, "reopen")
        a.status, a.resolved_at = "open", None
    return _act(request, alert_id, "reopen", _actor(p, x_actor), {"comment": body.comment if body else None}, change)
