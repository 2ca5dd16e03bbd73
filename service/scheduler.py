"""Background work that must happen once even with several replicas on one database.

Each round, a replica tries to take (or extend) the ``scheduler`` lease row with a conditional
UPDATE; only the holder runs the round. Every action inside the round is also a compare-and-set
on its own row (``pop_due`` deletes rows it alone removed; an escalation flips a flag from false to
true), so even two holders after a clock or network hiccup cannot fire the same thing twice.

A round: fire due delayed triggers and digests (``RuleEngine.tick``), then escalate alerts past their
first-response or resolution deadline (SLA breach: audit event, metric, outbox notification).
"""

from __future__ import annotations

import socket
import threading
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from . import outbox
from .alerting import apply_decision, record_action
from .logsafe import get_logger
from .models import Alert, Feedback, Lease, utcnow

log = get_logger("service.scheduler")
LEASE_NAME = "scheduler"


class Scheduler:
    def __init__(self, db, rules, channels: dict[str, dict], settings, metrics=None, holder: str | None = None,
                 lease_seconds: float = 15.0):
        self.db, self.rules, self.channels, self.settings, self.metrics = db, rules, channels, settings, metrics
        self.holder = holder or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.lease_seconds = lease_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # lease ------------------------------------------------------------------------------------------
    def acquire(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        until = now + timedelta(seconds=self.lease_seconds)
        with self.db.session() as s:
            n = s.execute(update(Lease).where(
                Lease.name == LEASE_NAME, or_(Lease.holder == self.holder, Lease.expires_at < now))
                .values(holder=self.holder, expires_at=until)).rowcount
            if n == 1:
                return True
            if s.get(Lease, LEASE_NAME) is not None:
                return False
        try:
            with self.db.session() as s:
                s.add(Lease(name=LEASE_NAME, holder=self.holder, expires_at=until))
            return True
        except IntegrityError:  # another replica created it first
            return False

    def release(self) -> None:
        with self.db.session() as s:
            s.execute(update(Lease).where(Lease.name == LEASE_NAME, Lease.holder == self.holder)
                      .values(expires_at=utcnow() - timedelta(seconds=1)))

    # one round --------------------------------------------------------------------------------------
    def run_once(self, now: datetime | None = None) -> dict:
        now = now or utcnow()
        if not self.acquire(now):
            return {"leader": False, "fired": 0, "escalated": 0}
        return {"leader": True, "fired": self.fire_due(now), "escalated": self.escalate(now)}

    def fire_due(self, now: datetime) -> int:
        fired = 0
        with self.db.session() as s:
            engine = self.rules.engine(s, now)
            if engine is None:
                return 0
            for d in engine.tick(now):
                fb = None
                for eid in d.event_ids[:1]:
                    try:
                        fb = s.get(Feedback, int(eid))
                    except (TypeError, ValueError):
                        fb = None
                if apply_decision(s, d, fb, self.channels, self.metrics) is not None:
                    fired += 1
        return fired

    def escalate(self, now: datetime) -> int:
        with self.db.session() as s:
            overdue = s.execute(select(Alert.id, Alert.status, Alert.first_response_due, Alert.sla_deadline,
                                       Alert.escalated_at, Alert.sla_breached).where(
                Alert.status.in_(("open", "acknowledged")),
                or_(and_(Alert.status == "open", Alert.escalated_at.is_(None), Alert.first_response_due < now),
                    and_(Alert.sla_breached.is_(False), Alert.sla_deadline < now)))).all()
        count = 0
        for aid, status, frd, dl, esc, breached in overdue:
            if status == "open" and esc is None and frd is not None and frd < now:
                count += self._escalate_one(aid, "first_response_overdue", frd, now,
                                            and_(Alert.escalated_at.is_(None), Alert.status == "open"),
                                            {"escalated_at": now})
            if not breached and dl is not None and dl < now:
                count += self._escalate_one(aid, "resolution_overdue", dl, now,
                                            Alert.sla_breached.is_(False), {"sla_breached": True,
                                                                             "escalated_at": now})
        return count

    def _escalate_one(self, alert_id: int, reason: str, due: datetime, now: datetime, guard, values: dict) -> int:
        with self.db.session() as s:
            n = s.execute(update(Alert).where(Alert.id == alert_id, Alert.status.in_(("open", "acknowledged")),
                                              guard).values(**values)).rowcount
            if n != 1:
                return 0  # someone else did it, or it was resolved meanwhile
            alert = s.get(Alert, alert_id)
            esc = self._engine_escalation(s, alert, reason, now)
            channels = list(esc.channels) if esc and esc.channels else list(alert.channels)
            detail = {"reason": reason, "overdue_since": due.isoformat()}
            if esc is not None:
                detail.update({"level": {"from": alert.level, "to": esc.level}, "owner": esc.owner,
                               "summary_zh": esc.summary_zh, "summary_en": esc.summary_en})
                alert.level, alert.owner = esc.level, esc.owner or alert.owner
            record_action(s, alert, "escalated", "scheduler", detail)
            fb = s.get(Feedback, alert.feedback_id) if alert.feedback_id else None
            s.flush()
            outbox.enqueue(s, alert, f"escalation-{reason}", channels, self.channels, fb)
            if self.metrics:
                self.metrics.sla_breaches.labels(alert.level, reason).inc()
        log.info("alert %s escalated: %s", alert_id, reason)
        return 1

    def _engine_escalation(self, s, alert: Alert, reason: str, now: datetime):
        """The rule file's escalation step for this alert (new level, owner, channels), if rules are loaded."""
        engine = self.rules.engine(s, now)
        if engine is None:
            return None
        record = {"alert_id": str(alert.id), "level": alert.level, "owner": alert.owner,
                  "first_response_due": alert.first_response_due, "resolution_due": alert.sla_deadline,
                  "responded_at": alert.acknowledged_at, "resolved_at": alert.resolved_at,
                  "escalated": [r for r in ("first_response_overdue", "resolution_overdue") if r != reason]}
        for esc in engine.escalations([record], now):
            if esc.reason == reason:
                return esc
        return None

    # thread -----------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("scheduler round failed")
            self._stop.wait(self.settings.scheduler_poll_seconds)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        try:
            self.release()
        except Exception:
            pass
