"""Transactional outbox: messages are written with their alert; a worker delivers them.

Delivery is at-least-once: a message is claimed with a short lease (``locked_until``); if the process
dies mid-send the lease runs out and another worker (or the restarted one) sends it again. Every send
carries the same ``X-Feedback-Delivery`` id so receivers can drop a repeat. Failures back off
exponentially with jitter; after ``max_attempts`` a message is ``dead`` until redelivered.
"""

from __future__ import annotations

import random
import socket
import threading
import uuid
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from . import channels as ch
from .logsafe import get_logger, scrub
from .models import Alert, Feedback, OutboxMessage, utcnow

log = get_logger("service.outbox")


def alert_message(alert: Alert, event: str, feedback: Feedback | None) -> dict:
    return {
        "event": event,
        "alert": {
            "id": alert.id, "uid": alert.uid, "rule_id": alert.rule_id, "level": alert.level,
            "priority": alert.priority, "team": alert.team, "owner": alert.owner, "cause": alert.cause,
            "source": alert.source, "status": alert.status, "assignee": alert.assignee, "count": alert.count,
            "summary_zh": alert.summary_zh, "summary_en": alert.summary_en,
            "created_at": alert.created_at.isoformat() if alert.created_at else None,
            "sla_deadline": alert.sla_deadline.isoformat() if alert.sla_deadline else None,
        },
        "feedback_id": alert.feedback_id,
        "feedback_text": feedback.text if feedback is not None else None,  # PII-masked
    }


def enqueue(session: Session, alert: Alert, event: str, channel_names: list[str], known: dict[str, dict],
            feedback: Feedback | None = None) -> list[OutboxMessage]:
    """Add one outbox row per configured channel, in the caller's transaction."""
    rows = []
    message = alert_message(alert, event, feedback)
    for name in dict.fromkeys(channel_names):
        if name not in known:
            continue
        row = OutboxMessage(alert_id=alert.id, channel=name, event=event, payload=message)
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def backoff_seconds(attempts: int, base: float, cap: float, rng: random.Random = random) -> float:
    """Exponential backoff with jitter: uniform in [0.5, 1] × min(cap, base × 2^(attempts-1))."""
    return min(cap, base * (2 ** max(0, attempts - 1))) * rng.uniform(0.5, 1.0)


class OutboxWorker:
    def __init__(self, db, channels: dict[str, dict], settings, metrics=None, worker_id: str | None = None):
        self.db = db
        self.channels = channels
        self.settings = settings
        self.metrics = metrics
        self.worker_id = worker_id or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.lease = timedelta(seconds=max(5.0, settings.delivery_timeout_seconds * 3))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # one round ----------------------------------------------------------------------------------
    def claim(self, limit: int = 20) -> list[OutboxMessage]:
        now = utcnow()
        claimed = []
        with self.db.session() as s:
            ids = s.scalars(select(OutboxMessage.id).where(
                OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)).all()
        for mid in ids:
            with self.db.session() as s:
                n = s.execute(update(OutboxMessage).where(
                    OutboxMessage.id == mid, OutboxMessage.status == "pending",
                    or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now))
                    .values(locked_until=now + self.lease, locked_by=self.worker_id)).rowcount
                if n == 1:
                    claimed.append(s.get(OutboxMessage, mid))
        return claimed

    def deliver(self, msg: OutboxMessage) -> bool:
        channel = self.channels.get(msg.channel)
        error = None
        if channel is None:
            error = f"channel {msg.channel!r} is not configured"
        else:
            try:
                ch.send(channel, {**msg.payload, "event": msg.event}, f"outbox-{msg.id}",
                        timeout=self.settings.delivery_timeout_seconds)
            except ch.DeliveryError as exc:
                error = scrub(str(exc))[:1000]
            except Exception as exc:  # a bug in a sender must not kill the worker
                error = scrub(f"{type(exc).__name__}: {exc}")[:1000]
        now = utcnow()
        with self.db.session() as s:
            row = s.get(OutboxMessage, msg.id)
            if row is None or row.locked_by != self.worker_id or row.status != "pending":
                return error is None
            row.attempts += 1
            row.locked_until, row.locked_by = None, None
            if error is None:
                row.status, row.delivered_at, row.last_error = "delivered", now, None
            else:
                row.last_error = error
                if row.attempts >= self.settings.outbox_max_attempts:
                    row.status = "dead"
                    log.warning("outbox %s to %s dead after %s attempts: %s", row.id, row.channel, row.attempts, error)
                else:
                    row.next_attempt_at = now + timedelta(seconds=backoff_seconds(
                        row.attempts, self.settings.outbox_backoff_base_seconds,
                        self.settings.outbox_backoff_max_seconds))
        if self.metrics:
            self.metrics.deliveries.labels(msg.channel, "ok" if error is None else "error").inc()
        return error is None

    def run_once(self) -> int:
        """Claim and deliver what is due; returns how many were attempted."""
        msgs = self.claim()
        for m in msgs:
            self.deliver(m)
        return len(msgs)

    # thread -------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="outbox-worker", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("outbox round failed")
                busy = 0
            if not busy:
                self._stop.wait(self.settings.worker_poll_seconds)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)


def redeliver(session: Session, message_id: int) -> OutboxMessage | None:
    row = session.get(OutboxMessage, message_id)
    if row is None:
        return None
    row.status, row.attempts, row.next_attempt_at = "pending", 0, utcnow()
    row.locked_until = row.locked_by = None
    row.last_error = None
    return row
