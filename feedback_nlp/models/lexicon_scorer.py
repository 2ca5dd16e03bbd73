"""Scores from lexicon evidence alone: the floor that runs with no trained model at all.

Cause evidence is the severity of the keywords that fire for each code; sentiment weighs complaint
keywords and churn phrases against praise words, halving whatever sits in a conceded clause
("虽然…但是…"); churn intent follows the strongest churn phrase.
"""

from __future__ import annotations

import math

from feedback_nlp.document import Document
from feedback_nlp.models.base import Scores, Thresholds, empty_cause_scores

SEVERITY_EVIDENCE = {1: 0.6, 2: 1.0, 3: 1.6}


def _softmax(logits: dict[str, float]) -> dict[str, float]:
    m = max(logits.values())
    exp = {k: math.exp(v - m) for k, v in logits.items()}
    z = sum(exp.values())
    return {k: round(v / z, 4) for k, v in exp.items()}


class LexiconScorer:
    version = "lexicon-baseline-1"

    def __init__(self, thresholds: Thresholds | None = None):
        self.thresholds = thresholds or Thresholds(default=0.4)

    def score_one(self, doc: Document) -> Scores:
        evidence: dict[str, float] = {}
        negative = 0.0
        for hit in doc.keywords:
            if not hit.fires:
                continue
            ev = SEVERITY_EVIDENCE[hit.severity]
            evidence[hit.cause] = evidence.get(hit.cause, 0.0) + ev
            negative += ev * hit.weight
        intent = {"none": 1.0, "risk": 0.0, "explicit": 0.0}
        for ih in doc.intents:
            negative += 1.0
            if ih.intent == "explicit":
                intent = {"none": 0.08, "risk": 0.07, "explicit": 0.85}
            elif intent["explicit"] == 0.0:
                intent = {"none": 0.15, "risk": 0.75, "explicit": 0.10}
        positive = sum(w for _, _, w in doc.praise)
        sentiment = _softmax({"negative": 1.6 * negative, "neutral": 0.6, "positive": 1.4 * positive})
        causes = empty_cause_scores()
        for code, ev in evidence.items():
            causes[code] = round(1.0 - math.exp(-ev), 4)
        if sentiment["negative"] >= 0.5 and not any(v >= self.thresholds.default for c, v in causes.items() if c != "other"):
            causes["other"] = max(causes["other"], round(sentiment["negative"] * 0.8, 4))
        return Scores(sentiment=sentiment, causes=causes, churn_intent=intent)

    def score(self, docs: list[Document]) -> list[Scores]:
        return [self.score_one(d) for d in docs]
