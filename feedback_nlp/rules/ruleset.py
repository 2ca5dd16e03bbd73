"""Read and validate a rule file into a :class:`RuleSet` (every mistake reported, with file:line:field)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

from feedback_nlp.taxonomy import CAUSE_CODES, GROUPS
from feedback_nlp.yamlsource import LineMap, SourceError, load_yaml_file, load_yaml_with_lines

from .conditions import compile_condition, field_type
from .model import LEVELS, PRIORITIES, TIERS
from .sla import BusinessCalendar, SlaPolicy, parse_holiday_data, parse_hours

_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*w)?\s*(?:(\d+(?:\.\d+)?)\s*d)?\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*"
                       r"(?:(\d+(?:\.\d+)?)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s)?\s*$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LABELS = ("rule", "level", "priority", "team", "owner", "cause", "cause_group", "customer", "tier", "source",
          "channel", "kind")


class RulesError(ValueError):
    """A rule file (or holiday file) with mistakes; ``errors`` lists every one as a ``SourceError``."""

    def __init__(self, errors: list[SourceError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def parse_duration(value: Any) -> timedelta | None:
    """``"90s"``, ``"30m"``, ``"1h"``, ``"1h30m"``, ``"3d"``, ``"2w"`` -> timedelta; None if invalid or <= 0."""
    if not isinstance(value, str):
        return None
    m = _DURATION.match(value)
    if not m or not any(m.groups()):
        return None
    w, d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
    td = timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=s)
    return td if td > timedelta(0) else None


@dataclass(frozen=True)
class Priority:
    code: str
    first_response: timedelta
    resolution: timedelta
    policy: str


@dataclass(frozen=True)
class Trigger:
    """``kind``: immediate | delayed | window | baseline | digest."""

    kind: str = "immediate"
    delay: timedelta | None = None
    window: timedelta | None = None
    baseline: timedelta | None = None
    count: int = 0
    rise: float = 0.0
    min_count: int = 1
    group_by: tuple[str, ...] = ()
    population: Callable | None = None


@dataclass(frozen=True)
class Suppression:
    id: str
    match: dict  # label -> frozenset of allowed values
    hours: tuple | None = None  # (start, end) local times; may wrap midnight
    weekdays: frozenset[int] | None = None
    between: tuple | None = None  # (start, end) aware datetimes


@dataclass
class Rule:
    id: str
    description_zh: str
    description_en: str
    when: Callable
    trigger: Trigger
    level: str
    priority: str
    channels: list[str]
    team: str | None = None
    owner: str | None = None
    dedup_key: tuple[str, ...] = ()
    dedup_window: timedelta = timedelta(hours=24)
    summary_zh: str | None = None
    summary_en: str | None = None
    enabled: bool = True
    line: int | None = None


@dataclass
class RuleSet:
    """A validated rule file. ``version``: first 12 hex digits of the sha256 of the file text (plus the
    holiday file's text when it names one)."""

    version: str
    file: str
    rules: list[Rule]
    priorities: dict[str, Priority]
    policies: dict[str, SlaPolicy]
    intervention: dict[str, timedelta]
    routing: dict
    channels: list[str]
    dedup_key: tuple[str, ...]
    dedup_window: timedelta
    escalation: dict
    suppressions: list[Suppression]
    timezone: str = "Asia/Shanghai"
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    @property
    def longest_window(self) -> timedelta:
        spans = [timedelta(days=1)]
        for r in self.rules:
            t = r.trigger
            spans.append((t.window or timedelta(0)) + (t.baseline or timedelta(0)))
        return max(spans)


def _unlocated(file: str, exc: Exception) -> SourceError:
    # yaml's constructor raises plain ValueError for values such as the date 2027-02-30
    return exc if isinstance(exc, SourceError) else SourceError(file, None, None, f"invalid YAML value: {exc}")


def load_rules(path: str | Path) -> RuleSet:
    """Validate the rule file at ``path``; raises :class:`RulesError` with every mistake."""
    try:
        data, lines, raw = load_yaml_file(path)
    except ValueError as exc:
        raise RulesError([_unlocated(str(path), exc)]) from exc
    return _build(data, lines, raw, Path(path).parent)


def parse_rules(text: str, file: str = "<string>", base_dir: str | Path | None = None) -> RuleSet:
    """Validate rule-file text; ``base_dir`` resolves ``holidays_file`` (default: the file's folder)."""
    try:
        data, lines = load_yaml_with_lines(text, file)
    except ValueError as exc:
        raise RulesError([_unlocated(file, exc)]) from exc
    return _build(data, lines, text, Path(base_dir) if base_dir else Path(file).parent)


class _V:
    """Validation helpers that collect errors instead of raising."""

    def __init__(self, lines: LineMap):
        self.lines = lines
        self.errors: list[SourceError] = []

    def err(self, path: tuple, message: str) -> None:
        self.errors.append(self.lines.error(path, message))

    def mapping(self, value: Any, path: tuple, keys: tuple, required: tuple = ()) -> dict:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            self.err(path, "must be a mapping")
            return {}
        for k in value:
            if k not in keys:
                self.err(path + (k,), f"unknown key; expected one of: {', '.join(keys)}")
        for k in required:
            if k not in value:
                self.err(path, f"missing required key '{k}'")
        return value

    def duration(self, value: Any, path: tuple) -> timedelta | None:
        td = parse_duration(value)
        if td is None:
            self.err(path, f"not a duration such as 30m, 1h, 3d, 2w: {value!r}")
        return td

    def choice(self, value: Any, path: tuple, allowed, what: str) -> Any:
        if value not in allowed:
            self.err(path, f"unknown {what} {value!r}; expected one of: {', '.join(map(str, allowed))}")
            return None
        return value

    def text(self, value: Any, path: tuple) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.err(path, "must be non-empty text")
            return None
        return value

    def group_by(self, value: Any, path: tuple, extra: tuple = ()) -> tuple[str, ...]:
        items = value if isinstance(value, list) else [value]
        out = []
        for i, item in enumerate(items):
            p = path + (i,) if isinstance(value, list) else path
            if not isinstance(item, str) or (field_type(item) is None and item not in extra):
                self.err(p, f"unknown field {item!r} to group by")
            else:
                out.append(item)
        return tuple(out)


_TOP = ("schema", "timezone", "holidays_file", "holidays", "channels", "sla_policies", "priorities", "levels",
        "routing", "dedup", "escalation", "suppressions", "rules")


def _build(data: Any, lines: LineMap, raw: str, base_dir: Path) -> RuleSet:
    v = _V(lines)
    if not isinstance(data, dict):
        raise RulesError([lines.error((), "a rule file is a mapping with at least 'rules'")])
    v.mapping(data, (), _TOP, required=("rules",))
    tz = data.get("timezone", "Asia/Shanghai")
    try:
        from zoneinfo import ZoneInfo
        ZoneInfo(tz)
    except Exception:  # noqa: BLE001
        v.err(("timezone",), f"unknown time zone {tz!r}")
        tz = "Asia/Shanghai"

    calendar, holiday_text = _calendar(v, data, base_dir)
    channels = _channels(v, data.get("channels"))
    policies = _policies(v, data.get("sla_policies"), tz, calendar)
    priorities = _priorities(v, data.get("priorities"), policies)
    intervention, default_prio = _levels(v, data.get("levels"), priorities)
    routing = _routing(v, data.get("routing"))
    dedup = v.mapping(data.get("dedup"), ("dedup",), ("key", "window"))
    dedup_key = v.group_by(dedup.get("key", ["customer.id", "cause"]), ("dedup", "key"), ("rule",))
    dedup_window = v.duration(dedup.get("window", "24h"), ("dedup", "window")) or timedelta(hours=24)
    escalation = _escalation(v, data.get("escalation"), channels)
    suppressions = _suppressions(v, data.get("suppressions"), tz)
    rules = _rules(v, data.get("rules"), channels, priorities, default_prio, dedup_key, dedup_window)
    if v.errors:
        raise RulesError(sorted(v.errors, key=lambda e: (e.file != lines.file, e.file, e.line or 0)))
    return RuleSet(
        version=hashlib.sha256((raw + holiday_text).encode("utf-8")).hexdigest()[:12], file=lines.file, rules=rules,
        priorities=priorities, policies=policies, intervention=intervention, routing=routing, channels=channels,
        dedup_key=dedup_key, dedup_window=dedup_window, escalation=escalation, suppressions=suppressions,
        timezone=tz, calendar=calendar,
    )


def _calendar(v: _V, data: dict, base_dir: Path) -> tuple[BusinessCalendar, str]:
    """The business calendar, and the holiday file's text (part of the rule set's version)."""
    holidays, workdays = frozenset(), frozenset()
    text = ""
    if "holidays_file" in data:
        name = data["holidays_file"]
        if not isinstance(name, str):
            v.err(("holidays_file",), "must be a file path (relative to the rule file)")
        else:
            try:
                hdata, hlines, text = load_yaml_file(base_dir / name)
            except ValueError as exc:
                exc = _unlocated(str(base_dir / name), exc)
                v.errors.append(v.lines.error(("holidays_file",), f"cannot read: {exc}"))
            else:
                holidays, workdays = parse_holiday_data(hdata, hlines, v.errors)
    if "holidays" in data:  # inline additions
        h2, w2 = parse_holiday_data(data["holidays"], _Sub(v.lines, ("holidays",)), v.errors)
        holidays, workdays = holidays | h2, workdays | w2
    return BusinessCalendar(holidays=holidays, workdays=workdays), ("\0" + text if text else "")


class _Sub:
    """A LineMap view rooted at ``prefix`` (for parse helpers shared with standalone files)."""

    def __init__(self, lines: LineMap, prefix: tuple):
        self._lines, self._prefix = lines, prefix

    def error(self, path: tuple, message: str) -> SourceError:
        return self._lines.error(self._prefix + tuple(path), message)


def _channels(v: _V, value: Any) -> list[str]:
    if value is None:
        return ["dashboard"]
    if isinstance(value, dict):
        names = list(value)
    elif isinstance(value, list):
        names = value
    else:
        v.err(("channels",), "must be a list (or mapping) of channel names")
        return []
    out = []
    for i, n in enumerate(names):
        if not isinstance(n, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", n):
            v.err(("channels", n if isinstance(value, dict) else i), f"channel names are [A-Za-z0-9_.-]+: {n!r}")
        else:
            out.append(n)
    return out


def _policies(v: _V, value: Any, tz: str, calendar: BusinessCalendar) -> dict[str, SlaPolicy]:
    out = {"24x7": SlaPolicy(name="24x7", kind="24x7", timezone=tz, calendar=calendar)}
    if value is None:
        return out
    if not isinstance(value, dict):
        v.err(("sla_policies",), "must be a mapping of policy name -> {type, hours, timezone}")
        return out
    for name, spec in value.items():
        path = ("sla_policies", name)
        spec = v.mapping(spec, path, ("type", "hours", "timezone", "description"), required=("type",))
        kind = spec.get("type")
        if kind not in ("24x7", "business_hours"):
            if "type" in spec:
                v.err(path + ("type",), f"unknown SLA type {kind!r}; expected 24x7 or business_hours")
            continue
        ptz = spec.get("timezone", tz)
        try:
            from zoneinfo import ZoneInfo
            ZoneInfo(ptz)
        except Exception:  # noqa: BLE001
            v.err(path + ("timezone",), f"unknown time zone {ptz!r}")
            ptz = tz
        hours_spec = spec.get("hours", ["09:00-18:00"])
        if isinstance(hours_spec, str):
            hours_spec = [hours_spec]
        hours = []
        if not isinstance(hours_spec, list):
            v.err(path + ("hours",), "must be a list such as ['09:00-12:00', '13:00-18:00']")
            hours_spec = []
        for i, h in enumerate(hours_spec):
            try:
                hours.append(parse_hours(h))
            except (ValueError, AttributeError, TypeError) as exc:
                v.err(path + ("hours", i) if isinstance(spec.get("hours"), list) else path + ("hours",),
                      f"not a time range HH:MM-HH:MM ({exc}): {h!r}")
        hours.sort()
        for (a1, b1), (a2, _) in zip(hours, hours[1:]):
            if b1 > a2 or b1.hour == 0 and b1.minute == 0:
                v.err(path + ("hours",), "time ranges overlap")
        out[str(name)] = SlaPolicy(name=str(name), kind=kind, timezone=ptz, hours=tuple(hours) or
                                   SlaPolicy().hours, calendar=calendar)
    return out


_DEFAULT_PRIORITIES = {"P1": ("1h", "24h"), "P2": ("4h", "3d"), "P3": ("24h", "7d")}


def _priorities(v: _V, value: Any, policies: dict) -> dict[str, Priority]:
    value = v.mapping(value, ("priorities",), PRIORITIES)
    out = {}
    for code in PRIORITIES:
        path = ("priorities", code)
        spec = v.mapping(value.get(code), path, ("first_response", "resolution", "policy", "description"))
        fr = v.duration(spec.get("first_response", _DEFAULT_PRIORITIES[code][0]), path + ("first_response",))
        res = v.duration(spec.get("resolution", _DEFAULT_PRIORITIES[code][1]), path + ("resolution",))
        pol = spec.get("policy", "24x7")
        if pol not in policies:
            v.err(path + ("policy",), f"unknown SLA policy {pol!r}; defined: {', '.join(policies)}")
        if fr and res and fr > res:
            v.err(path + ("first_response",), "first response target is longer than the resolution target")
        out[code] = Priority(code, fr or timedelta(hours=1), res or timedelta(days=1), pol)
    return out


def _levels(v: _V, value: Any, priorities: dict) -> tuple[dict[str, timedelta], dict[str, str]]:
    defaults = {"red": ("48h", "P1"), "yellow": ("7d", "P2"), "blue": ("30d", "P3")}
    value = v.mapping(value, ("levels",), LEVELS)
    interv, prio = {}, {}
    for lvl in LEVELS:
        path = ("levels", lvl)
        spec = v.mapping(value.get(lvl), path, ("intervention", "priority", "description"))
        interv[lvl] = v.duration(spec.get("intervention", defaults[lvl][0]), path + ("intervention",)) \
            or timedelta(days=1)
        p = spec.get("priority", defaults[lvl][1])
        prio[lvl] = v.choice(p, path + ("priority",), PRIORITIES, "priority") or defaults[lvl][1]
    return interv, prio


def _routing(v: _V, value: Any) -> dict:
    value = v.mapping(value, ("routing",), ("by_cause", "by_group", "default_team", "tiers", "default_owner"))
    by_cause = v.mapping(value.get("by_cause"), ("routing", "by_cause"), CAUSE_CODES)
    by_group = v.mapping(value.get("by_group"), ("routing", "by_group"), GROUPS)
    for sect, table in (("by_cause", by_cause), ("by_group", by_group)):
        for k, team in table.items():
            v.text(team, ("routing", sect, k))
    tiers = v.mapping(value.get("tiers"), ("routing", "tiers"), TIERS)
    tier_out = {}
    for t, spec in tiers.items():
        spec = v.mapping(spec, ("routing", "tiers", t), ("owner", "team", "description"))
        if "owner" in spec:
            v.text(spec["owner"], ("routing", "tiers", t, "owner"))
        if "team" in spec:
            v.text(spec["team"], ("routing", "tiers", t, "team"))
        tier_out[t] = {"owner": spec.get("owner"), "team": spec.get("team")}
    return {
        "by_cause": dict(by_cause), "by_group": dict(by_group), "tiers": tier_out,
        "default_team": value.get("default_team", "客服部"), "default_owner": value.get("default_owner",
                                                                                      "standard_queue"),
    }


def _escalation(v: _V, value: Any, channels: list[str]) -> dict:
    value = v.mapping(value, ("escalation",), ("first_response", "resolution"))
    out = {}
    for stage in ("first_response", "resolution"):
        path = ("escalation", stage)
        spec = v.mapping(value.get(stage), path, ("level_up", "owner", "channels", "description"))
        if "level_up" in spec and not isinstance(spec["level_up"], bool):
            v.err(path + ("level_up",), "must be true or false")
        chans = _channel_list(v, spec.get("channels", []), path + ("channels",), channels)
        out[stage] = {"level_up": spec.get("level_up", True) is True,
                      "owner": spec.get("owner", "team_lead" if stage == "first_response" else "department_head"),
                      "channels": chans}
    return out


def _channel_list(v: _V, value: Any, path: tuple, channels: list[str]) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        v.err(path, "must be a list of channel names")
        return []
    out = []
    for i, c in enumerate(value):
        if c not in channels:
            v.err(path + (i,), f"unknown channel {c!r}; declared channels: {', '.join(channels)}")
        else:
            out.append(c)
    return out


def _suppressions(v: _V, value: Any, tz: str) -> list[Suppression]:
    from datetime import time as _t

    from .model import parse_time

    if value is None:
        return []
    if not isinstance(value, list):
        v.err(("suppressions",), "must be a list")
        return []
    out = []
    for i, spec in enumerate(value):
        path = ("suppressions", i)
        spec = v.mapping(spec, path, ("id", "description", "match", "hours", "weekdays", "between"),
                         required=("id", "match"))
        match = {}
        m = spec.get("match")
        if isinstance(m, dict) and m:
            for label, allowed in m.items():
                vals = allowed if isinstance(allowed, list) else [allowed]
                if label not in LABELS and not str(label).startswith("attributes."):
                    v.err(path + ("match", label), f"unknown label; expected one of: {', '.join(LABELS)}, "
                                                   "attributes.NAME")
                match[label] = frozenset(str(x) for x in vals)
        elif "match" in spec:
            v.err(path + ("match",), "must be a mapping label -> value or list of values")
        hours = None
        if "hours" in spec:
            try:
                a, b = spec["hours"].split("-")
                hours = (_t.fromisoformat(a.strip()), _t.fromisoformat(b.strip()))
            except (ValueError, AttributeError):
                v.err(path + ("hours",), f"not a time range HH:MM-HH:MM: {spec['hours']!r}")
        days = None
        if "weekdays" in spec:
            wd = spec["weekdays"] if isinstance(spec["weekdays"], list) else [spec["weekdays"]]
            days = set()
            for j, d in enumerate(wd):
                if d not in WEEKDAYS:
                    v.err(path + ("weekdays", j), f"unknown weekday {d!r}; expected {', '.join(WEEKDAYS)}")
                else:
                    days.add(WEEKDAYS.index(d))
            days = frozenset(days)
        between = None
        if "between" in spec:
            b = spec["between"]
            if not (isinstance(b, list) and len(b) == 2):
                v.err(path + ("between",), "must be [start, end] ISO-8601 times")
            else:
                s, e = parse_time(str(b[0])), parse_time(str(b[1]))
                if s is None or e is None or e <= s:
                    v.err(path + ("between",), "must be [start, end] ISO-8601 times with end after start")
                else:
                    between = (s, e)
        if hours is None and days is None and between is None:
            v.err(path, "a suppression needs hours, weekdays or between")
        out.append(Suppression(id=str(spec.get("id")), match=match, hours=hours, weekdays=days, between=between))
    return out


_RULE_KEYS = ("id", "description", "enabled", "when", "trigger", "actions")
_ACTION_KEYS = ("level", "priority", "channels", "team", "owner", "dedup", "summary")
_TRIGGER_KEYS = ("delay", "window", "count", "group_by", "rise", "baseline", "min_count", "of", "digest")


def _rules(v: _V, value: Any, channels, priorities, default_prio, dedup_key, dedup_window) -> list[Rule]:
    if not isinstance(value, list) or not value:
        v.err(("rules",), "must be a non-empty list of rules")
        return []
    out, seen = [], {}
    for i, spec in enumerate(value):
        path = ("rules", i)
        if not isinstance(spec, dict):
            v.err(path, "a rule is a mapping with id, description, when, trigger, actions")
            continue
        v.mapping(spec, path, _RULE_KEYS, required=("id", "description", "when", "actions"))
        rid = spec.get("id")
        if not isinstance(rid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", rid or ""):
            if isinstance(rid, bool):
                v.err(path + ("id",), "YAML reads yes/no/on/off as true/false: quote the id")
            elif "id" in spec:
                v.err(path + ("id",), f"rule ids are lowercase [a-z0-9_.-]: {rid!r}")
            rid = f"#{i}"
        elif rid in seen:
            v.err(path + ("id",), f"duplicate rule id {rid!r} (first at line {seen[rid]})")
        seen.setdefault(rid, v.lines.line(path))
        desc = spec.get("description")
        zh = en = ""
        if isinstance(desc, dict):
            v.mapping(desc, path + ("description",), ("zh", "en"), required=("zh", "en"))
            zh = v.text(desc.get("zh"), path + ("description", "zh")) or "" if "zh" in desc else ""
            en = v.text(desc.get("en"), path + ("description", "en")) or "" if "en" in desc else ""
        elif "description" in spec:
            v.err(path + ("description",), "must be {zh: 中文说明, en: English description}")
        when = compile_condition(spec["when"], path + ("when",), v.lines, v.errors) if "when" in spec else None
        trigger = _trigger(v, spec.get("trigger", "immediate"), path + ("trigger",))
        actions = v.mapping(spec.get("actions"), path + ("actions",), _ACTION_KEYS, required=("level",))
        level = v.choice(actions.get("level"), path + ("actions", "level"), LEVELS, "level") \
            if "level" in actions else None
        prio = actions.get("priority", default_prio.get(level or "", "P3"))
        prio = v.choice(prio, path + ("actions", "priority"), PRIORITIES, "priority") or "P3"
        chans = _channel_list(v, actions.get("channels", ["dashboard"] if "dashboard" in channels else []),
                              path + ("actions", "channels"), channels)
        for k in ("team", "owner"):
            if k in actions:
                v.text(actions[k], path + ("actions", k))
        rkey, rwin = dedup_key, dedup_window
        if "dedup" in actions:
            d = v.mapping(actions["dedup"], path + ("actions", "dedup"), ("key", "window"))
            if "key" in d:
                rkey = v.group_by(d["key"], path + ("actions", "dedup", "key"), ("rule",))
            if "window" in d:
                rwin = v.duration(d["window"], path + ("actions", "dedup", "window")) or dedup_window
        summ = v.mapping(actions.get("summary"), path + ("actions", "summary"), ("zh", "en"))
        enabled = spec.get("enabled", True)
        if not isinstance(enabled, bool):
            v.err(path + ("enabled",), "must be true or false")
        if when is None or trigger is None:
            continue
        out.append(Rule(
            id=rid, description_zh=zh, description_en=en, when=when, trigger=trigger, level=level or "blue",
            priority=prio, channels=chans, team=actions.get("team"), owner=actions.get("owner"),
            dedup_key=rkey, dedup_window=rwin, summary_zh=summ.get("zh"), summary_en=summ.get("en"),
            enabled=enabled is not False, line=v.lines.line(path),
        ))
    return out


def _trigger(v: _V, value: Any, path: tuple) -> Trigger | None:
    if value == "immediate":
        return Trigger()
    if not isinstance(value, dict):
        v.err(path, "must be 'immediate' or a mapping: {delay: 1h} | {count: 5, window: 1h, group_by: [...]} | "
                    "{rise: 0.5, window: 1d, baseline: 7d, min_count: N, group_by: [...]} | {digest: 1d}")
        return None
    v.mapping(value, path, _TRIGGER_KEYS)
    n_errors = len(v.errors)
    kinds = [k for k in ("delay", "count", "rise", "digest") if k in value]
    if len(kinds) != 1:
        v.err(path, "give exactly one of delay, count, rise, digest" if kinds else
              "missing delay, count, rise or digest (or write trigger: immediate)")
        return None
    kind = kinds[0]
    allowed = {"delay": ("delay",), "count": ("count", "window", "group_by"),
               "rise": ("rise", "window", "baseline", "min_count", "group_by", "of"),
               "digest": ("digest", "group_by")}[kind]
    for k in value:
        if k in _TRIGGER_KEYS and k not in allowed:
            v.err(path + (k,), f"not used by a {kind} trigger (allowed: {', '.join(allowed)})")
    group_by = v.group_by(value.get("group_by", []), path + ("group_by",)) if "group_by" in value else ()
    if kind == "delay":
        d = v.duration(value["delay"], path + ("delay",))
        return Trigger(kind="delayed", delay=d) if len(v.errors) == n_errors else None
    if kind == "count":
        c = value["count"]
        if not isinstance(c, int) or isinstance(c, bool) or c < 1:
            v.err(path + ("count",), f"must be a whole number >= 1; got {c!r}")
        w = v.duration(value.get("window"), path + ("window",)) if "window" in value else None
        if "window" not in value:
            v.err(path, "a count trigger needs a window, e.g. window: 1h")
        return Trigger(kind="window", count=c, window=w, group_by=group_by) if len(v.errors) == n_errors else None
    if kind == "rise":
        r = value["rise"]
        if not isinstance(r, (int, float)) or isinstance(r, bool) or r <= 0:
            v.err(path + ("rise",), f"must be a positive fraction (0.5 = +50 %); got {r!r}")
        w = v.duration(value.get("window", "1d"), path + ("window",))
        b = v.duration(value.get("baseline", "7d"), path + ("baseline",))
        mc = value.get("min_count", 5)
        if not isinstance(mc, int) or isinstance(mc, bool) or mc < 1:
            v.err(path + ("min_count",), f"must be a whole number >= 1; got {mc!r}")
        pop = None
        if "of" in value:
            pop = compile_condition(value["of"], path + ("of",), v.lines, v.errors)
        if len(v.errors) != n_errors:
            return None
        return Trigger(kind="baseline", rise=float(r), window=w, baseline=b, min_count=mc, group_by=group_by,
                       population=pop)
    d = v.duration(value["digest"], path + ("digest",))
    return Trigger(kind="digest", window=d, group_by=group_by) if len(v.errors) == n_errors else None
