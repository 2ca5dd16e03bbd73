"""Operator silences (Alertmanager style): matching alerts are kept as ``silenced`` and not notified."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import Field, StrictStr
from sqlalchemy import select

from feedback_nlp.rules import Silence
from feedback_nlp.rules.model import parse_time

from ..auth import Principal, require
from ..errors import ApiError
from ..models import RuleKV, utcnow
from ..rules_state import DbRuleState, decode
from ..schemas import Strict

router = APIRouter(prefix="/v1/silences", tags=["silences"])


class Matcher(Strict):
    label: StrictStr = Field(min_length=1, max_length=100)
    op: StrictStr = "="
    value: StrictStr = Field(max_length=500)


class SilenceIn(Strict):
    matchers: list[Matcher] = Field(min_length=1, max_length=20)
    starts_at: datetime | None = None
    ends_at: datetime
    comment: StrictStr = Field(default="", max_length=1000)


@router.post("", status_code=201)
def create(body: SilenceIn, request: Request, p: Principal = Depends(require("triage"))) -> dict:
    starts = body.starts_at or utcnow()
    ends = parse_time(body.ends_at)
    starts = parse_time(starts)
    if ends <= starts:
        raise ApiError(422, "invalid_value", "ends_at must be after starts_at", "ends_at")
    sil = Silence(id=uuid.uuid4().hex[:12], matchers=[m.model_dump() for m in body.matchers], starts_at=starts,
                  ends_at=ends, created_by=p.actor, comment=body.comment)
    with request.app.state.db.session() as s:
        engine = request.app.state.rules.engine(s, utcnow())
        try:
            if engine is not None:
                engine.add_silence(sil)
            else:
                DbRuleState(s).add_silence(sil)
        except (ValueError, re.error) as exc:  # bad regex or operator
            raise ApiError(422, "invalid_value", str(exc), "matchers") from exc
    return sil.to_dict()


@router.get("")
def list_silences(request: Request, _p: Principal = Depends(require("read"))) -> dict:
    with request.app.state.db.session() as s:
        rows = s.scalars(select(RuleKV).where(RuleKV.kind == "silence").order_by(RuleKV.key)).all()
        items = [decode(r.value) for r in rows]
    for it in items:
        for k in ("starts_at", "ends_at"):
            if isinstance(it.get(k), datetime):
                it[k] = it[k].isoformat()
    return {"items": items}


@router.delete("/{silence_id}")
def delete(silence_id: str, request: Request, _p: Principal = Depends(require("triage"))) -> dict:
    with request.app.state.db.session() as s:
        if s.get(RuleKV, ("silence", silence_id)) is None:
            raise ApiError(404, "not_found", f"silence {silence_id} does not exist", "silence_id")
        DbRuleState(s).remove_silence(silence_id)
    return {"id": silence_id, "deleted": True}
