"""What every scorer returns, and how decisions are made from it (one place for the thresholds rule)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from feedback_nlp.document import Document
from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, SENTIMENTS, TAXONOMY

DEFAULT_THRESHOLD = 0.5


@dataclass
class Scores:
    sentiment: dict[str, float]
    causes: dict[str, float]
    churn_intent: dict[str, float]


@dataclass
class Decision:
    sentiment: str
    causes: list[tuple[str, float]]
    churn_intent: str


@dataclass
class Thresholds:
    """Per-code decision thresholds for causes (tuned on dev by the trainers)."""

    causes: dict[str, float] = field(default_factory=dict)
    default: float = DEFAULT_THRESHOLD

    def for_code(self, code: str) -> float:
        return self.causes.get(code, self.default)


class Scorer(Protocol):
    version: str
    thresholds: Thresholds

    def score(self, docs: list[Document]) -> list[Scores]: ...


def decide(scores: Scores, thresholds: Thresholds) -> Decision:
    """Labels from probabilities: argmax for sentiment and churn intent; for causes every code at or
    over its threshold, best first; ``other`` only when no other code passes (it is exclusive)."""
    passed = [(c, p) for c, p in scores.causes.items() if p >= thresholds.for_code(c)]
    exclusive = {c.code for c in TAXONOMY.causes if c.exclusive}
    specific = [(c, p) for c, p in passed if c not in exclusive]
    chosen = specific if specific else passed
    chosen.sort(key=lambda cp: (-cp[1], cp[0]))
    return Decision(
        sentiment=max(SENTIMENTS, key=lambda s: scores.sentiment.get(s, 0.0)),
        causes=chosen,
        churn_intent=max(CHURN_INTENTS, key=lambda s: scores.churn_intent.get(s, 0.0)),
    )


def empty_cause_scores() -> dict[str, float]:
    return {c: 0.0 for c in CAUSE_CODES}
