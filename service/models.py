"""Tables. The Alembic migrations in ``service/migrations`` create exactly these."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both SQLite (stored naive) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


PK = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    salt: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(128))
    scopes: Mapped[str] = mapped_column(String(200))
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Feedback(Base):
    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    source: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    team: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    text: Mapped[str] = mapped_column(Text)  # PII-masked
    raw_text: Mapped[str | None] = mapped_column(Text, nullable=True)  # only when the client asked
    score: Mapped[float | None] = mapped_column(nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    top_cause: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    causes: Mapped[str] = mapped_column(String(400), default="")  # ",a,b," for LIKE filters
    sentiment: Mapped[str | None] = mapped_column(String(16), nullable=True)
    churn_intent: Mapped[str | None] = mapped_column(String(16), nullable=True)
    classification: Mapped[dict[str, Any]] = mapped_column(default=dict)
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what the first POST returned


class Alert(Base):
    """An alert raised by a rule (``feedback_nlp.rules.AlertDecision``), with its triage state."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(100), unique=True)  # the engine's alert_id
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id"), nullable=True, index=True)
    rule_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="event")
    dedup_key: Mapped[str | None] = mapped_column(String(300), nullable=True, index=True)
    level: Mapped[str] = mapped_column(String(16), index=True)  # blue | yellow | red
    priority: Mapped[str | None] = mapped_column(String(8), nullable=True)
    team: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    cause: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    summary_zh: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | acknowledged | resolved
    assignee: Mapped[str | None] = mapped_column(String(200), nullable=True)
    count: Mapped[int] = mapped_column(Integer, default=1)
    channels: Mapped[list[Any]] = mapped_column(default=list)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the full decision
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    first_response_due: Mapped[datetime | None] = mapped_column(nullable=True)
    sla_deadline: Mapped[datetime | None] = mapped_column(nullable=True, index=True)  # resolution due
    acknowledged_at: Mapped[datetime | None] = mapped_column(nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class AlertEvent(Base):
    """The audit trail of an alert: who did what, when."""

    __tablename__ = "alert_events"
    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OutboxMessage(Base):
    """A notification to deliver, written in the same transaction as its alert."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), nullable=True, index=True)
    channel: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(64), default="alert")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)
    locked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        UniqueConstraint("alert_id", "channel", "event", name="uq_outbox_alert_channel_event"),
    )


class ConfigVersion(Base):
    """Every version of the rules and the lexicon, kept for diffing and rollback."""

    __tablename__ = "config_versions"
    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # rules | lexicon
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    __table_args__ = (UniqueConstraint("kind", "version", name="uq_config_kind_version"),)


class Lease(Base):
    """A named lease with expiry: the holder of ``scheduler`` runs background work."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(100), nullable=True)
    expires_at: Mapped[datetime] = mapped_column()


class RulePoint(Base):
    """A time-stamped event id in a rule window series (``feedback_nlp.rules.RuleState`` series)."""

    __tablename__ = "rule_points"
    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    series: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column()
    item_id: Mapped[str] = mapped_column(String(200))
    __table_args__ = (Index("ix_rule_points_series_at", "series", "at"),)


class RuleKV(Base):
    """Open engine alerts, silences and pending items of the rule engine state, by (kind, key)."""

    __tablename__ = "rule_kv"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # alert | silence | pending
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    due_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
