"""Admin: API keys and the delivery outbox (dead letters, redelivery)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from .. import outbox
from ..auth import Principal, create_api_key, require, revoke
from ..errors import ApiError
from ..models import ApiKey, OutboxMessage
from ..schemas import KeyIn

router = APIRouter(prefix="/v1", tags=["admin"])


@router.post("/keys", status_code=201, summary="Create an API key; the key is shown once")
def create_key(body: KeyIn, request: Request, _p: Principal = Depends(require("admin"))) -> dict:
    with request.app.state.db.session() as s:
        row, key = create_api_key(s, body.name, body.scopes, body.rate_limit_per_minute)
        return {"key_id": row.key_id, "name": row.name, "scopes": row.scopes.split(","), "key": key}


@router.get("/keys")
def list_keys(request: Request, _p: Principal = Depends(require("admin"))) -> dict:
    with request.app.state.db.session() as s:
        rows = s.scalars(select(ApiKey).order_by(ApiKey.id)).all()
        return {"items": [{"key_id": r.key_id, "name": r.name, "scopes": r.scopes.split(","),
                           "rate_limit_per_minute": r.rate_limit_per_minute, "created_at": r.created_at.isoformat(),
                           "revoked": r.revoked_at is not None} for r in rows]}


@router.delete("/keys/{key_id}")
def delete_key(key_id: str, request: Request, _p: Principal = Depends(require("admin"))) -> dict:
    with request.app.state.db.session() as s:
        if not revoke(s, key_id):
            raise ApiError(404, "not_found", f"key {key_id} does not exist", "key_id")
    request.app.state.auth.forget(key_id)
    return {"key_id": key_id, "revoked": True}


def _msg(m: OutboxMessage) -> dict:
    return {"id": m.id, "alert_id": m.alert_id, "channel": m.channel, "event": m.event, "status": m.status,
            "attempts": m.attempts, "next_attempt_at": m.next_attempt_at.isoformat(), "last_error": m.last_error,
            "created_at": m.created_at.isoformat(),
            "delivered_at": m.delivered_at.isoformat() if m.delivered_at else None}


@router.get("/outbox", summary="Delivery messages, e.g. status=dead for the dead-letter queue")
def list_outbox(request: Request, status: str | None = None, alert_id: int | None = None,
                limit: int = Query(100, ge=1, le=1000), _p: Principal = Depends(require("admin"))) -> dict:
    q = select(OutboxMessage)
    if status:
        q = q.where(OutboxMessage.status == status)
    if alert_id:
        q = q.where(OutboxMessage.alert_id == alert_id)
    with request.app.state.db.session() as s:
        return {"items": [_msg(m) for m in s.scalars(q.order_by(OutboxMessage.id.desc()).limit(limit))]}


@router.post("/outbox/{message_id}/redeliver", summary="Send a message again (e.g. from the dead-letter queue)")
def redeliver(message_id: int, request: Request, _p: Principal = Depends(require("admin"))) -> dict:
    with request.app.state.db.session() as s:
        row = outbox.redeliver(s, message_id)
        if row is None:
            raise ApiError(404, "not_found", f"outbox message {message_id} does not exist", "message_id")
        return _msg(row)
