"""Turn rule-engine decisions into stored alerts, audit events and outbox messages (one transaction)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import outbox
from .models import Alert, AlertEvent, Feedback, utcnow


def alert_dict(a: Alert) -> dict:
    from .schemas import AlertOut

    return AlertOut.model_validate(a).model_dump(mode="json")


def apply_decision(session: Session, d, feedback: Feedback | None, channels: dict[str, dict],
                   metrics=None) -> Alert | None:
    """Store one ``AlertDecision``; a muted one (silence or suppression window) is kept as ``silenced``."""
    muted = getattr(d, "muted_by", None) or getattr(d, "silenced_by", None)
    if d.status == "repeat":
        alert = session.scalar(select(Alert).where(Alert.uid == d.alert_id))
        if alert is None:
            alert = session.scalar(select(Alert).where(Alert.dedup_key == d.dedup_key, Alert.status != "resolved")
                                   .order_by(Alert.id.desc()).limit(1))
        if alert is not None:
            alert.count = max(alert.count, d.count)
            detail = {"count": d.count, "event_ids": d.event_ids}
            if d.upgraded:
                detail["level"] = {"from": alert.level, "to": d.level}
                alert.level, alert.priority = d.level, d.priority
            session.add(AlertEvent(alert_id=alert.id, action="upgraded" if d.upgraded else "repeat",
                                   actor="rules", detail=detail))
            session.flush()
            if d.notify:
                outbox.enqueue(session, alert, f"upgrade-{d.count}", d.channels, channels, feedback)
            return alert
    alert = Alert(
        uid=d.alert_id, feedback_id=feedback.id if feedback is not None else None, rule_id=d.rule_id, kind=d.kind,
        dedup_key=d.dedup_key, level=d.level, priority=d.priority, team=d.team, owner=d.owner,
        source=feedback.source if feedback is not None else d.labels.get("source"), cause=d.cause,
        summary_zh=d.summary_zh, summary_en=d.summary_en,
        status="silenced" if muted else "open", assignee=d.assignee, count=d.count,
        channels=list(d.channels), details=d.to_dict(), created_at=d.created_at,
        first_response_due=d.first_response_due.at, sla_deadline=d.resolution_due.at,
    )
    session.add(alert)
    session.flush()
    session.add(AlertEvent(alert_id=alert.id, action="created", actor="rules",
                           detail={"rule_id": d.rule_id, "status": d.status, "muted_by": muted}))
    if d.notify and not muted:
        outbox.enqueue(session, alert, "alert", d.channels, channels, feedback)
    if metrics is not None:
        metrics.alerts.labels(d.level).inc()
    return alert


def record_action(session: Session, alert: Alert, action: str, actor: str, detail: dict | None = None) -> None:
    session.add(AlertEvent(alert_id=alert.id, action=action, actor=actor, at=utcnow(), detail=detail or {}))
