"""Replay classified records through a rule set on a simulated clock (try rules on history)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from .engine import RuleEngine
from .model import Event
from .ruleset import RuleSet
from .state import InMemoryState


def backtest(ruleset: RuleSet, records: Iterable[Any], sample_size: int = 3) -> dict:
    """Per-rule and per-level counts of the alerts that would have fired, with a sample of each.

    Records are classify-contract dicts, optionally wrapped with event fields (``received_at``,
    ``customer``, ``survey`` ...). They are replayed ordered by ``received_at`` (records without one keep
    their file order, one second apart from 1970); the clock is set to each record's time, and due
    delayed triggers and digests fire as time passes and at the end.
    """
    fallback = datetime(1970, 1, 1, tzinfo=timezone.utc)
    events = []
    for i, rec in enumerate(records):
        ev = Event.from_record(rec, default_time=fallback + timedelta(seconds=i))
        if not ev.id:
            ev.id = f"#{i + 1}"
        events.append((ev.received_at, i, ev))
    events.sort(key=lambda t: (t[0], t[1]))
    now = {"t": events[0][0] if events else fallback}
    engine = RuleEngine(ruleset, clock=lambda: now["t"], state=InMemoryState())
    decisions = []
    for at, _, ev in events:
        now["t"] = at
        decisions.extend(engine.tick(at))
        decisions.extend(engine.evaluate(ev))
    if events:
        end = events[-1][0] + ruleset.longest_window + max(
            [r.trigger.delay for r in ruleset.rules if r.trigger.delay] or [ruleset.longest_window])
        now["t"] = end
        decisions.extend(engine.tick(end))
    per_rule: dict[str, dict] = {}
    levels: Counter = Counter()
    for d in decisions:
        entry = per_rule.setdefault(d.rule_id, {"new": 0, "repeat": 0, "muted": 0, "level": d.level,
                                                "priority": d.priority, "samples": []})
        entry[d.status] += 1
        if d.muted_by:
            entry["muted"] += 1
        if d.status == "new":
            levels[d.level] += 1
            if len(entry["samples"]) < sample_size:
                entry["samples"].append({"alert_id": d.alert_id, "created_at": d.created_at.isoformat(),
                                         "event_ids": d.event_ids[:10], "summary_zh": d.summary_zh,
                                         "summary_en": d.summary_en, "team": d.team, "owner": d.owner,
                                         "evidence": d.evidence})
    level_samples: dict[str, list] = {}
    for d in decisions:
        if d.status == "new" and len(level_samples.setdefault(d.level, [])) < sample_size:
            level_samples[d.level].append({"rule_id": d.rule_id, "alert_id": d.alert_id,
                                           "summary_zh": d.summary_zh, "summary_en": d.summary_en})
    return {
        "ruleset_version": ruleset.version,
        "records": len(events),
        "alerts": sum(levels.values()),
        "decisions": len(decisions),
        "per_level": {lvl: {"alerts": levels.get(lvl, 0), "samples": level_samples.get(lvl, [])}
                      for lvl in ("red", "yellow", "blue")},
        "per_rule": {r.id: per_rule.get(r.id, {"new": 0, "repeat": 0, "muted": 0, "level": r.level,
                                               "priority": r.priority, "samples": []})
                     for r in ruleset.rules},
    }
