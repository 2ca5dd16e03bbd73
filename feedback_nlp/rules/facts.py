"""Flatten an :class:`Event` into the field values rule conditions read, never raising.

Classification dicts come from models, files and other systems: every value is type-checked and a
field that is missing or of the wrong type is simply absent (a condition on it does not match).
"""

from __future__ import annotations

import math
from typing import Any

from feedback_nlp.taxonomy import TAXONOMY

from .model import Event

_GROUP_OF = {c.code: (c.group or "none") for c in TAXONOMY.causes}


def _num(value: Any) -> float | None:
    t = type(value)
    if t is float:
        return value if math.isfinite(value) else None
    if t is int:
        return float(value) if -1e300 < value < 1e300 else None
    if t is bool or not isinstance(value, (int, float)):
        return None
    try:
        value = float(value)
    except (OverflowError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _scored(prefix: str, block: Any, facts: dict) -> None:
    """``{"label": ..., "scores": {...}}`` -> ``prefix.label``, ``prefix.score``, ``prefix.scores.X``."""
    if not isinstance(block, dict):
        label = _str(block)
        if label is not None:
            facts[prefix + ".label"] = label
        return
    label = _str(block.get("label"))
    scores = block.get("scores")
    if label is not None:
        facts[prefix + ".label"] = label
    if isinstance(scores, dict):
        for k, v in scores.items():
            n = _num(v)
            if isinstance(k, str) and n is not None:
                facts[f"{prefix}.scores.{k}"] = n
        if label is not None and (n := _num(scores.get(label))) is not None:
            facts[prefix + ".score"] = n
    n = _num(block.get("score"))
    if n is not None:
        facts[prefix + ".score"] = n


def _keywords(raw: Any) -> list[dict]:
    out = []
    if not isinstance(raw, list):
        return out
    for hit in raw:
        if not isinstance(hit, dict):
            continue
        negated = hit.get("negated") is True
        polarity = _str(hit.get("polarity"))
        fires = hit.get("fires")
        if not isinstance(fires, bool):
            # the lexicon's rule: a complaint term fires unless negated ("不慢"); a praise term
            # (polarity positive) fires only when negated ("不太快")
            fires = negated if polarity == "positive" else not negated
        out.append({
            "term": _str(hit.get("term")),
            "text": _str(hit.get("text")),
            "cause": _str(hit.get("cause")),
            "severity": _num(hit.get("severity")),
            "negated": negated,
            "polarity": polarity,
            "weight": _num(hit.get("weight")),
            "fires": fires,
        })
    return out


def event_facts(event: Event) -> dict[str, Any]:
    """All condition fields of ``event`` as a flat dict (see docs/rules.md, "Fields")."""
    c = event.classification if isinstance(event.classification, dict) else {}
    f: dict[str, Any] = {"id": event.id, "answered": bool(event.answered)}
    for name in ("source", "channel", "status"):
        v = getattr(event, name)
        if isinstance(v, str):
            f[name] = v
    _scored("sentiment", c.get("sentiment"), f)
    _scored("churn_intent", c.get("churn_intent"), f)

    causes: list[str] = []
    cause_entries: list[dict] = []
    raw_causes = c.get("causes")
    if isinstance(raw_causes, list):
        for item in raw_causes:
            code = _str(item.get("code")) if isinstance(item, dict) else _str(item)
            if code is None or code in causes:
                continue
            causes.append(code)
            score = _num(item.get("score")) if isinstance(item, dict) else None
            cause_entries.append({"code": code, "group": _GROUP_OF.get(code, "none"), "score": score})
    f["causes"] = causes
    f["cause_entries"] = cause_entries
    groups = []
    for e in cause_entries:
        if e["group"] not in groups:
            groups.append(e["group"])
    f["cause_groups"] = groups
    if causes:
        f["cause"] = causes[0]
        f["cause_group"] = cause_entries[0]["group"]
    scores = c.get("cause_scores")
    if isinstance(scores, dict):
        for k, v in scores.items():
            n = _num(v)
            if isinstance(k, str) and n is not None:
                f["cause_scores." + k] = n
    for e in cause_entries:  # a cause listed with a score but absent from cause_scores
        if e["score"] is not None:
            f.setdefault("cause_scores." + e["code"], e["score"])

    kws = _keywords(c.get("keywords"))
    f["keywords"] = kws
    live = [k for k in kws if k["fires"]]
    f["keyword_terms"] = [k["term"] for k in live if k["term"] is not None]
    f["keyword_count"] = float(len(live))
    sev = [k["severity"] for k in live if k["severity"] is not None]
    if sev:
        f["keyword_max_severity"] = max(sev)

    survey = event.survey if isinstance(event.survey, dict) else {}
    for k in ("satisfaction", "scale", "nps"):
        n = _num(survey.get(k))
        if n is not None:
            f["survey." + k] = n
    if "survey.nps" in f and not 0 <= f["survey.nps"] <= 10:
        del f["survey.nps"]  # not an NPS answer

    cust = event.customer if isinstance(event.customer, dict) else {}
    for k in ("id", "tier", "account_manager", "name"):
        v = cust.get(k)
        if isinstance(v, (str, int)) and not isinstance(v, bool):
            f["customer." + k] = str(v)
    n = _num(cust.get("ltv"))
    if n is not None:
        f["customer.ltv"] = n
    tags = cust.get("tags")
    if isinstance(tags, list):
        f["customer.tags"] = [t for t in tags if isinstance(t, str)]

    attrs = event.attributes if isinstance(event.attributes, dict) else {}
    keys = []
    for k, v in attrs.items():
        if isinstance(k, str) and (isinstance(v, (str, int, float, bool)) or v is None or isinstance(v, list)):
            if isinstance(v, float) and not math.isfinite(v):
                continue
            f["attributes." + k] = v
            keys.append("attributes." + k)
    f["attribute_keys"] = keys
    return f
