"""Plain data passed into and out of the rule engine: events, deadlines, alert decisions, silences."""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

LEVELS = ("blue", "yellow", "red")  # ascending severity
LEVEL_ZH = {"red": "红色", "yellow": "黄色", "blue": "蓝色"}
PRIORITIES = ("P1", "P2", "P3")  # P1 most urgent
TIERS = ("A", "B", "C", "D")


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from a datetime or ISO-8601 string; naive values are taken as UTC. None if unusable
    (including years outside 1900-9000, where window and deadline arithmetic would overflow)."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if not 1900 <= dt.year <= 9000:
        return None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


EVENT_FIELDS = ("id", "received_at", "classification", "source", "channel", "survey", "customer",
                "attributes", "answered", "status", "text")


@dataclass
class Event:
    """One piece of classified feedback plus what the business knows about it.

    ``classification`` is the classify-contract dict (sentiment, causes, cause_scores, churn_intent,
    keywords, ...). ``survey``: ``{"satisfaction": 4, "scale": 10, "nps": 3}`` (scale defaults to 10).
    ``customer``: ``{"id", "tier": "A".."D", "ltv": float, "tags": [...], "account_manager": str}``.
    ``attributes``: free fields (store, product, region, ...). ``answered``/``status`` let delayed rules
    check "still unanswered" when they come due.
    """

    id: str
    received_at: datetime
    classification: dict = field(default_factory=dict)
    source: str | None = None
    channel: str | None = None
    survey: dict = field(default_factory=dict)
    customer: dict = field(default_factory=dict)
    attributes: dict = field(default_factory=dict)
    answered: bool = False
    status: str | None = None

    @classmethod
    def from_record(cls, record: Any, default_time: datetime | None = None) -> "Event":
        """Build an event from a dict, never raising.

        Either a wrapper ``{"id", "received_at", "classification": {...}, "customer": ..., ...}`` or a bare
        classification dict that may carry the event fields (``received_at``, ``customer``, ...) alongside.
        """
        if isinstance(record, Event):
            fixed = parse_time(record.received_at) or default_time or datetime.now(timezone.utc)
            return record if fixed is record.received_at else replace(record, received_at=fixed)
        rec = _as_dict(record)
        cls_dict = rec.get("classification")
        classification = cls_dict if isinstance(cls_dict, dict) else rec
        received = parse_time(rec.get("received_at")) or default_time or datetime.now(timezone.utc)
        ident = rec.get("id", classification.get("id"))
        if ident is None or ident == "":
            # no id: a stable one from the content, so pending triggers and dedup still work
            ident = "anon-" + hashlib.sha256(repr(rec).encode("utf-8", "replace")).hexdigest()[:16]
        status = rec.get("status")
        return cls(
            id=str(ident) if ident is not None else "",
            received_at=received,
            classification=classification,
            source=rec.get("source") if isinstance(rec.get("source"), str) else None,
            channel=rec.get("channel") if isinstance(rec.get("channel"), str) else None,
            survey=_as_dict(rec.get("survey")),
            customer=_as_dict(rec.get("customer")),
            attributes=_as_dict(rec.get("attributes")),
            answered=rec.get("answered") is True,
            status=status if isinstance(status, str) else None,
        )

    def to_dict(self) -> dict:
        """A shallow, JSON-ready snapshot (nested dicts are shared, not copied: cheap on the hot path)."""
        return {"id": self.id, "received_at": self.received_at.isoformat(), "classification": self.classification,
                "source": self.source, "channel": self.channel, "survey": self.survey, "customer": self.customer,
                "attributes": self.attributes, "answered": self.answered, "status": self.status}


@dataclass(frozen=True)
class Deadline:
    """A due time computed by an SLA clock. ``estimated`` is True when the calendar had to guess
    (a year the holiday package does not know: weekends plus the operator holiday file only)."""

    at: datetime
    policy: str
    estimated: bool = False

    def to_dict(self) -> dict:
        return {"at": self.at.isoformat(), "policy": self.policy, "estimated": self.estimated}


@dataclass
class AlertDecision:
    """What the engine decided for one rule match; the service stores it and notifies ``channels``.

    ``status``: ``new`` (open a new alert) or ``repeat`` (bump ``count`` on the open alert with the same
    ``dedup_key``; ``upgraded`` if the level went up). ``muted_by`` names the operator silence
    (``silence:<id>``) or the rule file's suppression window (``suppression:<id>``) that matched.
    ``notify`` is False for muted decisions and for repeats that did not upgrade.
    ``kind``: ``event`` (immediate), ``delayed``, ``window`` (count threshold), ``baseline`` (rise),
    ``digest``.
    """

    alert_id: str
    rule_id: str
    kind: str
    level: str
    priority: str
    created_at: datetime
    first_response_due: Deadline
    resolution_due: Deadline
    intervention_due: Deadline
    team: str
    owner: str
    assignee: str | None
    channels: list[str]
    dedup_key: str
    status: str = "new"
    count: int = 1
    notify: bool = True
    upgraded: bool = False
    summary_zh: str = ""
    summary_en: str = ""
    event_ids: list[str] = field(default_factory=list)
    customer_id: str | None = None
    cause: str | None = None
    labels: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)
    muted_by: str | None = None
    ruleset_version: str = ""

    @property
    def estimated(self) -> bool:
        return self.first_response_due.estimated or self.resolution_due.estimated

    def to_dict(self) -> dict:
        d = asdict(self)
        d["created_at"] = self.created_at.isoformat()
        for k in ("first_response_due", "resolution_due", "intervention_due"):
            d[k] = getattr(self, k).to_dict()
        return d


@dataclass
class Escalation:
    """An overdue open alert: raise its level, hand it to ``owner`` and notify ``channels``."""

    alert_id: str
    reason: str  # "first_response_overdue" | "resolution_overdue"
    overdue_since: datetime
    level: str
    owner: str
    channels: list[str]
    summary_zh: str
    summary_en: str

    def to_dict(self) -> dict:
        d = asdict(self)
        d["overdue_since"] = self.overdue_since.isoformat()
        return d


@dataclass
class Silence:
    """An operator silence (Alertmanager style): while ``starts_at <= now < ends_at``, decisions whose
    labels match every matcher are kept but not notified. A matcher is ``{"label", "op", "value"}`` with
    op ``=``, ``!=``, ``=~`` (full regex match) or ``!~``. Labels: rule, level, priority, team, owner,
    cause, cause_group, customer, tier, source, channel, and every ``attributes`` key."""

    id: str
    matchers: list[dict]
    starts_at: datetime
    ends_at: datetime
    created_by: str = ""
    comment: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["starts_at"], d["ends_at"] = self.starts_at.isoformat(), self.ends_at.isoformat()
        return d
