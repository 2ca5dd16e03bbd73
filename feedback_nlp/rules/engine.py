"""The rule engine: events in, alert decisions out; deterministic given the clock and the state."""

from __future__ import annotations

import hashlib
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from feedback_nlp.taxonomy import TAXONOMY

from .facts import event_facts
from .model import LEVEL_ZH, LEVELS, PRIORITIES, AlertDecision, Deadline, Escalation, Event, Silence, parse_time
from .ruleset import Rule, RuleSet
from .state import InMemoryState, RuleState

_CAUSE_NAMES = {c.code: (c.zh, c.en) for c in TAXONOMY.causes}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_AGGREGATE = ("window", "baseline", "digest")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _group_values(facts: dict, fields: tuple[str, ...]) -> list[str]:
    """Group keys of an event: one per combination; list fields (causes) give one key per element."""
    keys = [""]
    for name in fields:
        v = facts.get(name)
        vals = v if isinstance(v, list) else [v]
        vals = [str(x) for x in vals if x is not None and not isinstance(x, (dict, list))]
        if not vals:
            return []
        keys = [f"{k}/{x}" if k else x for k in keys for x in dict.fromkeys(vals)]
    return keys


class _SafeFormat(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _fmt(template: str, values: dict) -> str:
    try:
        return template.format_map(_SafeFormat(values))
    except (ValueError, IndexError, AttributeError, KeyError, TypeError):
        return template


class RuleEngine:
    """Evaluates a :class:`RuleSet`.

    ``clock()`` returns the current aware datetime (inject a fixed/simulated one in tests and
    backtests). ``state`` keeps windows, open alerts, silences and pending triggers (default: a fresh
    :class:`InMemoryState`). ``lookup(event_id) -> Event | dict | None`` returns the *current* version
    of an event when a delayed trigger comes due (e.g. has it been answered since?); without it, the
    snapshot stored at evaluation time (refreshed by :meth:`update_event`) is used.
    """

    def __init__(self, ruleset: RuleSet, clock: Callable[[], datetime] | None = None,
                 state: RuleState | None = None, lookup: Callable[[str], Any] | None = None):
        self.ruleset = ruleset
        self.clock = clock or _utcnow
        self.state: RuleState = state if state is not None else InMemoryState()
        self.lookup = lookup
        self.rules = [r for r in ruleset.rules if r.enabled]
        self._tz = ZoneInfo(ruleset.timezone)

    # ------------------------------------------------------------------ events
    def evaluate(self, event: Event | dict) -> list[AlertDecision]:
        """Decisions for one event: immediate rules, window counts and baseline rises. Delayed triggers
        and digest items are recorded in the state for :meth:`tick`. Never raises on odd input."""
        now = self.clock()
        ev = Event.from_record(event, default_time=now)
        facts = event_facts(ev)
        at = ev.received_at
        found: list[AlertDecision] = []
        for rule in self.rules:
            trig = rule.trigger
            if trig.kind == "baseline" and (trig.population is None or self._holds(trig.population, facts, None)):
                self.state.add_point(f"{rule.id}|*", at, ev.id)
            evidence: list = []
            if not self._holds(rule.when, facts, evidence):
                continue
            if trig.kind == "immediate":
                found.append(self._decision(rule, "event", ev, facts, evidence, at, at))
            elif trig.kind == "delayed":
                self.state.add_pending({"id": f"delay|{rule.id}|{ev.id}", "type": "delay", "rule_id": rule.id,
                                        "event_id": ev.id, "due_at": at + trig.delay, "event": ev.to_dict()})
            elif trig.kind == "window":
                for g in _group_values(facts, trig.group_by):
                    found.extend(self._window(rule, g, ev, facts, evidence, at))
            elif trig.kind == "baseline":
                for g in _group_values(facts, trig.group_by):
                    found.extend(self._baseline(rule, g, ev, facts, evidence, at))
            elif trig.kind == "digest":
                self._digest_add(rule, facts, ev, at)
        return self._finish(found)

    def update_event(self, event: Event | dict) -> None:
        """Refresh the stored snapshot of ``event`` for its pending delayed triggers (e.g. now answered)."""
        ev = Event.from_record(event, default_time=self.clock())
        for rule in self.rules:
            if rule.trigger.kind == "delayed":
                item = self.state.get_pending(f"delay|{rule.id}|{ev.id}")
                if item is not None:
                    item = dict(item, event=ev.to_dict())
                    self.state.add_pending(item)

    @staticmethod
    def _holds(pred, facts: dict, evidence) -> bool:
        try:
            return bool(pred(facts, evidence))
        except Exception:  # noqa: BLE001 - a malformed event must never break the pipeline
            return False

    # ------------------------------------------------------------------ windows
    def _window(self, rule: Rule, group: str, ev: Event, facts: dict, evidence: list, at: datetime):
        trig = rule.trigger
        series = f"{rule.id}|{group}"
        self.state.add_point(series, at, ev.id)
        n = self.state.count(series, at - trig.window, at)
        if n < trig.count:
            return []
        ids = [i for _, i in self.state.points(series, at - trig.window, at)]
        ev_dict = {"group": dict(zip(trig.group_by, group.split("/"))), "count": n,
                   "window": str(trig.window), "event_ids": ids[-50:]}
        d = self._decision(rule, "window", ev, facts, evidence, at, at, group=group, aggregate=ev_dict)
        return [d]

    def _baseline(self, rule: Rule, group: str, ev: Event, facts: dict, evidence: list, at: datetime):
        trig = rule.trigger
        series, pop = f"{rule.id}|{group}", f"{rule.id}|*"
        self.state.add_point(series, at, ev.id)
        w, b = trig.window, trig.baseline
        cur = self.state.count(series, at - w, at)
        if cur < trig.min_count:
            return []
        cur_pop = self.state.count(pop, at - w, at)
        base = self.state.count(series, at - w - b, at - w)
        base_pop = self.state.count(pop, at - w - b, at - w)
        if base_pop == 0 or cur_pop == 0:
            return []  # no history to compare with: never fire on a cold start
        cur_share, base_share = cur / cur_pop, base / base_pop
        if cur_share < base_share * (1 + trig.rise) or cur_share == base_share:
            return []
        rise = None if base_share == 0 else round(cur_share / base_share - 1, 4)
        agg = {"group": dict(zip(trig.group_by, group.split("/"))), "count": cur, "population": cur_pop,
               "share": round(cur_share, 4), "baseline_count": base, "baseline_population": base_pop,
               "baseline_share": round(base_share, 4), "rise": rise, "window": str(w), "baseline": str(b)}
        return [self._decision(rule, "baseline", ev, facts, evidence, at, at, group=group, aggregate=agg)]

    def _window_bounds(self, period: timedelta, at: datetime) -> tuple[datetime, datetime]:
        """The digest window ``(start, end]`` holding ``at``, aligned to local midnight of the rule tz."""
        offset = at.astimezone(self._tz).utcoffset() or timedelta(0)
        local = (at + offset - _EPOCH) / period
        end_index = math.ceil(local)
        end = _EPOCH + end_index * period - offset
        return end - period, end

    def _digest_add(self, rule: Rule, facts: dict, ev: Event, at: datetime) -> None:
        start, end = self._window_bounds(rule.trigger.window, at)
        groups = _group_values(facts, rule.trigger.group_by) if rule.trigger.group_by else ["*"]
        if not groups:
            groups = ["(none)"]
        for g in groups:
            self.state.add_point(f"{rule.id}|digest|{g}", at, ev.id)
        pid = f"digest|{rule.id}|{end.isoformat()}"
        item = self.state.get_pending(pid) or {"id": pid, "type": "digest", "rule_id": rule.id,
                                               "due_at": end, "start": start, "groups": []}
        known = list(item["groups"])
        for g in groups:
            if g not in known:
                known.append(g)
        if known != item["groups"] or "first_event" not in item:
            self.state.add_pending(dict(item, groups=known, first_event=item.get("first_event") or ev.to_dict()))

    # ------------------------------------------------------------------ tick
    def tick(self, now: datetime | None = None) -> list[AlertDecision]:
        """Fire what has come due by ``now`` (default: the clock): delayed triggers whose rule still
        holds on the current event, and digests of finished windows. Also forgets window points older
        than the longest window."""
        now = now or self.clock()
        out: list[AlertDecision] = []
        by_id = {r.id: r for r in self.rules}
        for item in self.state.pop_due(now):
            rule = by_id.get(item.get("rule_id"))
            if rule is None:
                continue
            if item.get("type") == "delay":
                ev = self._current(item)
                if ev is None:
                    continue
                facts = event_facts(ev)
                evidence: list = []
                if self._holds(rule.when, facts, evidence):
                    due = item["due_at"]
                    out.append(self._decision(rule, "delayed", ev, facts, evidence, due, ev.received_at))
            elif item.get("type") == "digest":
                d = self._digest_decision(rule, item)
                if d is not None:
                    out.append(d)
        self.state.prune(now - self.ruleset.longest_window - timedelta(hours=1))
        return self._finish(out)

    def _current(self, item: dict) -> Event | None:
        snapshot = Event.from_record(item.get("event") or {}, default_time=item["due_at"])
        if self.lookup is None:
            return snapshot
        try:
            found = self.lookup(item["event_id"])
        except Exception:  # noqa: BLE001
            found = None
        if found is None:
            return None  # the event is gone: nothing to alert about
        return Event.from_record(found, default_time=snapshot.received_at)

    def _digest_decision(self, rule: Rule, item: dict) -> AlertDecision | None:
        start, end = item["start"], item["due_at"]
        counts, ids = {}, []
        for g in item["groups"]:
            pts = self.state.points(f"{rule.id}|digest|{g}", start, end)
            if pts:
                counts[g] = len(pts)
                ids.extend(i for _, i in pts)
        if not counts:
            return None
        ev = Event.from_record(item.get("first_event") or {}, default_time=end)
        facts = event_facts(ev)
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        agg = {"window_start": start.isoformat(), "window_end": end.isoformat(), "total": sum(counts.values()),
               "groups": dict(top), "event_ids": sorted(set(ids))[:50]}
        return self._decision(rule, "digest", ev, facts, [], end, end, group=f"{start.isoformat()}", aggregate=agg)

    # ------------------------------------------------------------------ decisions
    def _route(self, rule: Rule, facts: dict, aggregate: bool) -> tuple[str, str, str | None]:
        r = self.ruleset.routing
        cause, group = facts.get("cause"), facts.get("cause_group")
        team = r["by_cause"].get(cause) or r["by_group"].get(group) or r["default_team"]
        owner, assignee = r["default_owner"], None
        if not aggregate:
            tier = r["tiers"].get(facts.get("customer.tier"), {})
            team = tier.get("team") or team
            owner = tier.get("owner") or owner
        team = rule.team or team
        owner = rule.owner or owner
        if owner == "account_manager":
            assignee = facts.get("customer.account_manager")
        return team, owner, assignee

    def _decision(self, rule: Rule, kind: str, ev: Event, facts: dict, evidence: list, at: datetime,
                  sla_start: datetime, group: str | None = None, aggregate: dict | None = None) -> AlertDecision:
        rs = self.ruleset
        is_agg = kind in _AGGREGATE
        prio = rs.priorities[rule.priority]
        policy = rs.policies.get(prio.policy) or rs.policies["24x7"]
        fr = policy.due(sla_start, prio.first_response)
        res = policy.due(sla_start, prio.resolution)
        interv = Deadline(at=sla_start + rs.intervention[rule.level], policy="24x7")
        if kind == "digest":
            cause, route_facts = None, {}  # one alert over many events: routed by the rule or the default team
        elif group is not None and is_agg:
            cause = group.split("/")[0] if rule.trigger.group_by[:1] in (("cause",), ("causes",)) else None
            route_facts = dict(facts, cause=cause, cause_group=TAXONOMY.group_of(cause) if cause in _CAUSE_NAMES
                               else None) if cause else facts
        else:
            cause = facts.get("cause")
            route_facts = facts
        if is_agg and not (group is not None and cause):
            cause = facts.get("cause") if kind != "digest" else None
        team, owner, assignee = self._route(rule, route_facts, is_agg)
        if is_agg:
            key_parts = [rule.id, group or ""]
            window = rule.trigger.window if kind != "digest" else rule.trigger.window
        else:
            key_parts = [rule.id if not rule.dedup_key else ""] + [
                rule.id if k == "rule" else str(facts.get(k, "")) if not isinstance(facts.get(k), list)
                else ",".join(map(str, facts[k])) for k in rule.dedup_key]
            if not facts.get("customer.id") and "customer.id" in rule.dedup_key:
                key_parts.append(f"event:{ev.id}")  # no customer: nothing to deduplicate against
            window = rule.dedup_window
        dedup_key = "|".join(key_parts)
        customer = facts.get("customer.id")
        labels = {"rule": rule.id, "level": rule.level, "priority": rule.priority, "team": team, "owner": owner,
                  "cause": cause or "", "cause_group": TAXONOMY.group_of(cause) if cause in _CAUSE_NAMES else "",
                  "customer": customer or "", "tier": facts.get("customer.tier", ""),
                  "source": facts.get("source", ""), "channel": facts.get("channel", ""), "kind": kind}
        for k in facts.get("attribute_keys", ()):
            v = facts[k]
            if isinstance(v, (str, int, float, bool)):
                labels[k] = str(v)
        zh, en = self._summaries(rule, kind, facts, cause, aggregate)
        d = AlertDecision(
            alert_id="", rule_id=rule.id, kind=kind, level=rule.level, priority=rule.priority, created_at=at,
            first_response_due=fr, resolution_due=res, intervention_due=interv, team=team, owner=owner,
            assignee=assignee, channels=list(rule.channels), dedup_key=dedup_key, summary_zh=zh, summary_en=en,
            event_ids=(aggregate or {}).get("event_ids", [ev.id]) if is_agg else [ev.id], customer_id=customer,
            cause=cause, labels=labels, ruleset_version=rs.version,
            evidence={"conditions": evidence, **({"aggregate": aggregate} if aggregate else {})},
        )
        d._window = window  # type: ignore[attr-defined]  # consumed by _finish
        return d

    def _summaries(self, rule: Rule, kind: str, facts: dict, cause: str | None, agg: dict | None):
        czh, cen = _CAUSE_NAMES.get(cause or "", ("", ""))
        terms = "、".join(dict.fromkeys(facts.get("keyword_terms", [])))
        values = {"customer": facts.get("customer.id", ""), "tier": facts.get("customer.tier", ""),
                  "cause": cause or "", "cause_zh": czh, "cause_en": cen, "terms": terms,
                  "level": rule.level, "level_zh": LEVEL_ZH[rule.level], "priority": rule.priority,
                  "count": (agg or {}).get("count", (agg or {}).get("total", 1)),
                  "group": "/".join((agg or {}).get("group", {}).values()) if isinstance((agg or {}).get("group"),
                                                                                        dict) else "",
                  **{k.split(".", 1)[1]: facts[k] for k in facts.get("attribute_keys", ())}}
        head_zh = f"【{LEVEL_ZH[rule.level]}预警·{rule.priority}】"
        head_en = f"[{rule.level.upper()} {rule.priority}] "
        if rule.summary_zh or rule.summary_en:
            return (head_zh + _fmt(rule.summary_zh or rule.description_zh, values),
                    head_en + _fmt(rule.summary_en or rule.description_en, values))
        parts_zh, parts_en = [rule.description_zh], [rule.description_en]
        if kind in ("window", "baseline") and agg:
            parts_zh.append(f"分组 {values['group']}：{agg['count']} 条")
            parts_en.append(f"group {values['group']}: {agg['count']} cases")
            if kind == "baseline":
                parts_zh.append(f"占比 {agg['share']:.1%}，基线 {agg['baseline_share']:.1%}")
                parts_en.append(f"share {agg['share']:.1%} vs baseline {agg['baseline_share']:.1%}")
        elif kind == "digest" and agg:
            parts_zh.append(f"本期共 {agg['total']} 条")
            parts_en.append(f"{agg['total']} cases in this period")
        else:
            if values["customer"]:
                parts_zh.append(f"客户 {values['customer']}" + (f"（{values['tier']}级）" if values["tier"] else ""))
                parts_en.append(f"customer {values['customer']}" + (f" (tier {values['tier']})" if values["tier"]
                                                                     else ""))
            if czh:
                parts_zh.append(f"原因：{czh}")
                parts_en.append(f"cause: {cen}")
            if terms:
                parts_zh.append(f"关键词：{terms}")
                parts_en.append(f"keywords: {terms}")
        return head_zh + "；".join(p for p in parts_zh if p), head_en + "; ".join(p for p in parts_en if p)

    def _finish(self, found: list[AlertDecision]) -> list[AlertDecision]:
        """Merge same-key decisions (most severe wins), apply dedup, silences and suppressions."""
        if not found:
            return []
        merged: dict[str, AlertDecision] = {}
        for d in sorted(found, key=lambda d: (-LEVELS.index(d.level), PRIORITIES.index(d.priority))):
            first = merged.get(d.dedup_key)
            if first is None:
                merged[d.dedup_key] = d
            else:
                first.evidence.setdefault("also_matched", []).append(d.rule_id)
        silences = None
        out = []
        for d in merged.values():
            window = getattr(d, "_window", self.ruleset.dedup_window)
            at = d.created_at
            rec = self.state.get_alert(d.dedup_key)
            if rec is not None and rec["expires_at"] > at:
                rec = dict(rec, count=rec["count"] + 1, last_seen=at)
                d.status, d.alert_id, d.count = "repeat", rec["alert_id"], rec["count"]
                if LEVELS.index(d.level) > LEVELS.index(rec["level"]):
                    d.upgraded = True
                    rec["level"] = d.level
                if PRIORITIES.index(d.priority) < PRIORITIES.index(rec["priority"]):
                    d.upgraded = True
                    rec["priority"] = d.priority
                d.notify = d.upgraded
            else:
                d.alert_id = hashlib.sha256(f"{d.dedup_key}|{at.isoformat()}".encode()).hexdigest()[:16]
                rec = {"alert_id": d.alert_id, "rule_id": d.rule_id, "level": d.level, "priority": d.priority,
                       "opened_at": at, "last_seen": at, "expires_at": at + window, "count": 1}
            self.state.put_alert(d.dedup_key, rec)
            if silences is None:
                silences = self.state.silences(self.clock())
            muted = self._muted(d, silences)
            if muted:
                d.muted_by, d.notify = muted, False
            del d._window  # type: ignore[attr-defined]
            out.append(d)
        return out

    # ------------------------------------------------------------------ noise control
    def _muted(self, d: AlertDecision, silences: list[Silence]) -> str | None:
        for s in sorted(silences, key=lambda s: s.id):
            if s.starts_at <= d.created_at < s.ends_at and all(_matcher(m, d.labels) for m in s.matchers):
                return f"silence:{s.id}"
        local = d.created_at.astimezone(self._tz)
        for sup in self.ruleset.suppressions:
            if not all(d.labels.get(k, "") in allowed for k, allowed in sup.match.items()):
                continue
            if sup.between and not (sup.between[0] <= d.created_at < sup.between[1]):
                continue
            if sup.weekdays is not None and local.weekday() not in sup.weekdays:
                continue
            if sup.hours:
                a, b = sup.hours
                t = local.time()
                inside = a <= t < b if a < b else (t >= a or t < b)
                if not inside:
                    continue
            return f"suppression:{sup.id}"
        return None

    def add_silence(self, silence: Silence) -> None:
        for m in silence.matchers:
            if m.get("op", "=") not in ("=", "!=", "=~", "!~") or "label" not in m:
                raise ValueError(f"invalid matcher {m!r}: needs label, op (=, !=, =~, !~) and value")
            if m.get("op") in ("=~", "!~"):
                re.compile(str(m.get("value", "")))
        self.state.add_silence(silence)

    def remove_silence(self, silence_id: str) -> None:
        self.state.remove_silence(silence_id)

    def resolve(self, dedup_key: str) -> None:
        """The alert was closed: the next match opens a new alert."""
        self.state.close_alert(dedup_key)

    # ------------------------------------------------------------------ escalation
    def escalations(self, open_alerts: Iterable[Any], now: datetime | None = None) -> list[Escalation]:
        """Escalations for open alerts whose first-response or resolution target has passed.

        Each alert is an :class:`AlertDecision` or a dict with ``alert_id``, ``level``, ``owner``,
        ``first_response_due``/``resolution_due`` (Deadline, its dict, a datetime or ISO text), and
        optionally ``responded_at``, ``resolved_at`` and ``escalated`` (reasons already escalated, so a
        step is never repeated)."""
        now = now or self.clock()
        out: list[Escalation] = []
        for alert in open_alerts:
            a = alert.to_dict() if isinstance(alert, AlertDecision) else dict(alert or {})
            if a.get("resolved_at"):
                continue
            done = set(a.get("escalated") or ())
            level = a.get("level") if a.get("level") in LEVELS else "blue"
            owner = a.get("owner") or ""
            for stage, reason, skip in (("first_response", "first_response_overdue", bool(a.get("responded_at"))),
                                        ("resolution", "resolution_overdue", False)):
                due = _due_time(a.get(f"{stage}_due"))
                if skip or reason in done or due is None or now <= due:
                    continue
                spec = self.ruleset.escalation[stage]
                if spec["level_up"]:
                    level = LEVELS[min(LEVELS.index(level) + 1, len(LEVELS) - 1)]
                owner = spec["owner"] or owner
                what_zh = "首次响应" if stage == "first_response" else "解决"
                what_en = "first response" if stage == "first_response" else "resolution"
                out.append(Escalation(
                    alert_id=str(a.get("alert_id", "")), reason=reason, overdue_since=due, level=level, owner=owner,
                    channels=list(spec["channels"]),
                    summary_zh=f"【升级·{LEVEL_ZH[level]}】预警 {a.get('alert_id', '')} 超过{what_zh}时限"
                               f"（{due.astimezone(self._tz):%Y-%m-%d %H:%M}），转交 {owner}",
                    summary_en=f"[ESCALATED {level.upper()}] alert {a.get('alert_id', '')} missed its {what_en} "
                               f"target ({due.isoformat()}); handed to {owner}",
                ))
        return out


def _due_time(value: Any) -> datetime | None:
    if isinstance(value, Deadline):
        return value.at
    if isinstance(value, dict):
        return parse_time(value.get("at"))
    return parse_time(value)


def _matcher(m: dict, labels: dict) -> bool:
    op, value = m.get("op", "="), str(m.get("value", ""))
    actual = labels.get(m.get("label"), "")
    actual = "" if actual is None else str(actual)
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    try:
        hit = re.fullmatch(value, actual) is not None
    except re.error:
        return False
    return hit if op == "=~" else not hit
