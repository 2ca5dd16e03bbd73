"""Request and response bodies (pydantic). Unknown fields are refused everywhere (``extra="forbid"``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator

MAX_BATCH = 1000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClassifyItem(Strict):
    id: StrictStr | None = Field(default=None, max_length=200)
    text: StrictStr


class ClassifyRequest(Strict):
    """Either one ``text`` (with an optional ``id``) or ``items`` (a batch of up to 1,000)."""

    text: StrictStr | None = None
    id: StrictStr | None = Field(default=None, max_length=200)
    items: list[ClassifyItem] | None = Field(default=None, min_length=1, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _one_of(self):
        if (self.text is None) == (self.items is None):
            raise ValueError("give either 'text' or 'items'")
        return self


class FeedbackIn(Strict):
    text: StrictStr
    external_id: StrictStr | None = Field(default=None, min_length=1, max_length=200)
    source: StrictStr | None = Field(default=None, max_length=100)
    channel: StrictStr | None = Field(default=None, max_length=100)
    team: StrictStr | None = Field(default=None, max_length=100)
    received_at: datetime | None = None
    survey: dict[str, Any] | None = None
    customer: dict[str, Any] | None = None
    attributes: dict[str, Any] | None = None
    store_raw: StrictBool = False


class AlertOut(BaseModel):
    id: int
    uid: str
    feedback_id: int | None
    rule_id: str
    kind: str
    level: str
    priority: str | None
    team: str | None
    owner: str | None
    source: str | None
    cause: str | None
    summary_zh: str
    summary_en: str
    status: str
    assignee: str | None
    count: int
    channels: list[Any]
    created_at: datetime
    first_response_due: datetime | None
    sla_deadline: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    sla_breached: bool
    escalated_at: datetime | None

    model_config = ConfigDict(from_attributes=True)


class FeedbackOut(BaseModel):
    feedback_id: int
    external_id: str | None
    duplicate: bool = False
    classification: dict[str, Any]
    alerts: list[dict[str, Any]]


class FeedbackRow(BaseModel):
    id: int
    external_id: str | None
    source: str | None
    team: str | None
    text: str
    raw_text: str | None
    received_at: datetime
    top_cause: str | None
    sentiment: str | None
    churn_intent: str | None
    classification: dict[str, Any]
    meta: dict[str, Any]

    model_config = ConfigDict(from_attributes=True)


class AssignIn(Strict):
    assignee: StrictStr = Field(min_length=1, max_length=200)
    comment: StrictStr | None = Field(default=None, max_length=5000)


class CommentIn(Strict):
    comment: StrictStr = Field(min_length=1, max_length=5000)


class ActionIn(Strict):
    comment: StrictStr | None = Field(default=None, max_length=5000)


class ConfigIn(Strict):
    content: StrictStr = Field(min_length=1, max_length=2_000_000)
    comment: StrictStr | None = Field(default=None, max_length=1000)


class KeyIn(Strict):
    name: StrictStr = Field(min_length=1, max_length=200)
    scopes: list[Literal["ingest", "read", "triage", "admin"]] = Field(min_length=1)
    rate_limit_per_minute: int | None = Field(default=None, ge=1, le=1_000_000)
