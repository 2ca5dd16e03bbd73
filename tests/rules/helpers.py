"""Helpers for the rule-engine tests: a settable clock, event builders, one-rule rule sets."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

from feedback_nlp.rules import Event, RuleEngine, parse_rules

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=CST)  # a Monday, 10:00 Beijing time


def classification(sentiment="negative", score=0.9, causes=("logistics",), churn="none", keywords=()):
    scores = {"negative": 0.05, "neutral": 0.05, "positive": 0.05}
    scores[sentiment] = score
    return {
        "id": "x",
        "sentiment": {"label": sentiment, "scores": scores},
        "causes": [{"code": c, "score": 0.8} for c in causes],
        "cause_scores": {c: 0.8 for c in causes},
        "churn_intent": {"label": churn, "scores": {"none": 0.1, "risk": 0.1, "explicit": 0.1, churn: 0.8}},
        "keywords": [dict({"term": "速度慢", "text": "速度太慢", "cause": "logistics", "severity": 2, "start": 0,
                           "end": 4, "negated": False, "polarity": "negative", "weight": 1.0}, **k) for k in keywords],
    }


def event(id="e1", at=T0, customer=None, survey=None, attributes=None, source=None, channel=None,
          answered=False, **cls) -> Event:
    return Event.from_record({
        "id": id, "received_at": at.isoformat(), "classification": classification(**cls),
        "customer": customer or {"id": "C1", "tier": "C"}, "survey": survey or {}, "attributes": attributes or {},
        "source": source, "channel": channel, "answered": answered,
    })


HEADER = """
channels: [dashboard, sms, wecom]
"""


def ruleset(rules_yaml: str, header: str = HEADER):
    return parse_rules(textwrap.dedent(header) + "rules:\n" + textwrap.indent(textwrap.dedent(rules_yaml), "  "),
                       file="test.yaml")


def one_rule(when_yaml: str, trigger: str = "immediate", actions: str = "{level: yellow}", extra: str = "",
             header: str = HEADER):
    body = (f"- id: r1\n  description: {{zh: 测试, en: test}}\n  when:\n"
            + textwrap.indent(textwrap.dedent(when_yaml).strip(), "    ")
            + f"\n  trigger: {trigger}\n  actions: {actions}\n" + extra)
    return ruleset(body, header)


class Clock:
    def __init__(self, t=T0):
        self.t = t

    def __call__(self):
        return self.t


def matches(when_yaml: str, ev: Event) -> bool:
    rs = one_rule(when_yaml)
    return bool(RuleEngine(rs, clock=lambda: ev.received_at).evaluate(ev))


DEFAULT_RULES = Path(__file__).resolve().parents[2] / "rules" / "default_rules.yaml"
