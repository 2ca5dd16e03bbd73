"""``feedback_nlp.rules.RuleState`` on the service database, inside the caller's transaction.

Engine state changes commit or roll back together with the feedback and alerts they belong to.
``pop_due`` deletes each due row with its own ``DELETE ... WHERE`` and keeps only the rows it
actually deleted, so two replicas popping at once never both get the same item.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from feedback_nlp.rules.model import Silence, parse_time

from .models import RuleKV, RulePoint, utcnow

_DT = "__dt__"


def encode(value: Any) -> Any:
    """Plain data with datetimes -> JSON-safe data (datetimes tagged so they come back as datetimes)."""
    if isinstance(value, datetime):
        return {_DT: value.isoformat()}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_DT}:
            return parse_time(value[_DT])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


class DbRuleState:
    def __init__(self, session: Session):
        self.s = session

    # series ------------------------------------------------------------------------------------
    def add_point(self, series: str, at: datetime, item_id: str) -> None:
        self.s.add(RulePoint(series=series, at=at, item_id=str(item_id)))
        self.s.flush()

    def count(self, series: str, start: datetime, end: datetime) -> int:
        return self.s.scalar(select(func.count()).select_from(RulePoint).where(
            RulePoint.series == series, RulePoint.at > start, RulePoint.at <= end)) or 0

    def points(self, series: str, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
        rows = self.s.execute(select(RulePoint.at, RulePoint.item_id).where(
            RulePoint.series == series, RulePoint.at > start, RulePoint.at <= end)
            .order_by(RulePoint.at, RulePoint.id)).all()
        return [(at, item) for at, item in rows]

    def prune(self, before: datetime) -> None:
        self.s.execute(delete(RulePoint).where(RulePoint.at <= before))

    # key/value helpers --------------------------------------------------------------------------
    def _get(self, kind: str, key: str) -> dict | None:
        row = self.s.get(RuleKV, (kind, key))
        return decode(row.value) if row is not None else None

    def _put(self, kind: str, key: str, value: dict, due_at: datetime | None = None) -> None:
        row = self.s.get(RuleKV, (kind, key))
        if row is None:
            self.s.add(RuleKV(kind=kind, key=key, value=encode(value), due_at=due_at, updated_at=utcnow()))
        else:
            row.value, row.due_at, row.updated_at = encode(value), due_at, utcnow()
        self.s.flush()

    def _del(self, kind: str, key: str) -> int:
        return self.s.execute(delete(RuleKV).where(RuleKV.kind == kind, RuleKV.key == key)).rowcount

    # alerts ---------------------------------------------------------------------------------------
    def get_alert(self, dedup_key: str) -> dict | None:
        return self._get("alert", dedup_key)

    def put_alert(self, dedup_key: str, record: dict) -> None:
        self._put("alert", dedup_key, dict(record))

    def close_alert(self, dedup_key: str) -> None:
        self._del("alert", dedup_key)

    # silences -------------------------------------------------------------------------------------
    def silences(self, now: datetime) -> list[Silence]:
        out = []
        for row in self.s.scalars(select(RuleKV).where(RuleKV.kind == "silence")):
            v = decode(row.value)
            sil = Silence(id=v["id"], matchers=v.get("matchers", []), starts_at=parse_time(v["starts_at"]),
                          ends_at=parse_time(v["ends_at"]), created_by=v.get("created_by", ""),
                          comment=v.get("comment", ""))
            if sil.starts_at <= now < sil.ends_at:
                out.append(sil)
        return out

    def add_silence(self, silence: Silence) -> None:
        self._put("silence", silence.id, silence.to_dict())

    def remove_silence(self, silence_id: str) -> None:
        self._del("silence", silence_id)

    # pending ----------------------------------------------------------------------------------------
    def add_pending(self, item: dict) -> None:
        self._put("pending", str(item["id"]), dict(item), due_at=parse_time(item["due_at"]))

    def get_pending(self, item_id: str) -> dict | None:
        return self._get("pending", item_id)

    def pop_due(self, now: datetime) -> list[dict]:
        rows = self.s.execute(select(RuleKV.key, RuleKV.value, RuleKV.due_at).where(
            RuleKV.kind == "pending", RuleKV.due_at <= now).order_by(RuleKV.due_at, RuleKV.key)).all()
        out = []
        for key, value, _due in rows:
            if self._del("pending", key) == 1:  # we removed it, so it is ours alone
                out.append(decode(value))
        return out
