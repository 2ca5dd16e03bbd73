"""The rule set of the latest stored version, and rule engines bound to a database session."""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import config_store
from .models import Alert, Feedback
from .rules_state import DbRuleState


def feedback_event(fb: Feedback, answered: bool = False, status: str | None = None):
    from feedback_nlp.rules import Event

    meta = fb.meta or {}
    return Event.from_record({
        "id": str(fb.id), "received_at": fb.received_at, "classification": fb.classification,
        "source": fb.source, "channel": meta.get("channel"), "survey": meta.get("survey") or {},
        "customer": meta.get("customer") or {}, "attributes": {**(meta.get("attributes") or {}),
                                                               **({"team": fb.team} if fb.team else {})},
        "answered": answered, "status": status,
    })


class RulesRuntime:
    def __init__(self, base_dir=None):
        self.base_dir = base_dir
        self._cached: tuple[int, object] | None = None
        self._lock = threading.Lock()

    def ruleset(self, session: Session):
        """The parsed latest rules version (re-parsed only when the version number changed)."""
        number = config_store.latest_number(session, "rules")
        if number == 0:
            return None
        with self._lock:
            if self._cached and self._cached[0] == number:
                return self._cached[1]
        from feedback_nlp.rules import parse_rules

        row = config_store.get_version(session, "rules", number)
        rs = parse_rules(row.content, file=f"rules@v{number}", base_dir=self.base_dir)
        with self._lock:
            self._cached = (number, rs)
        return rs

    def engine(self, session: Session, now: datetime):
        rs = self.ruleset(session)
        if rs is None:
            return None
        from feedback_nlp.rules import RuleEngine

        def lookup(event_id: str):
            try:
                fb = session.get(Feedback, int(event_id))
            except (TypeError, ValueError):
                return None
            if fb is None:
                return None
            statuses = session.scalars(select(Alert.status).where(Alert.feedback_id == fb.id)).all()
            answered = any(st in ("acknowledged", "resolved") for st in statuses)
            return feedback_event(fb, answered=answered, status="resolved" if statuses and all(
                st == "resolved" for st in statuses) else None)

        return RuleEngine(rs, clock=lambda: now, state=DbRuleState(session), lookup=lookup)
