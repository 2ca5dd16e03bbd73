"""SLA clocks: 24x7 or business hours on China's calendar (public holidays and 调休 working days).

``chinese_calendar`` only knows the years it was released for and raises ``NotImplementedError``
beyond them. For such years the calendar falls back to "Monday-Friday, minus the operator holiday
file, plus its extra working days", never raises, and marks the deadline ``estimated``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar

from feedback_nlp.yamlsource import SourceError, load_yaml_file, load_yaml_with_lines

from .model import Deadline

MAX_SEARCH_DAYS = 3660  # a policy with no working time at all degrades to 24x7 (estimated) after this


@lru_cache(maxsize=8192)
def _package_workday(day: date) -> bool | None:
    """True/False from chinese_calendar, or None when it does not know the year."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except (NotImplementedError, ValueError, KeyError):
        return None


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days: chinese_calendar where it knows the year; otherwise Monday-Friday. The operator's
    ``holidays`` / ``workdays`` (from the holiday file) override both."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    use_package: bool = True

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """``(is_workday, estimated)``."""
        if day in self.holidays:
            return False, False
        if day in self.workdays:
            return True, False
        if self.use_package:
            known = _package_workday(day)
            if known is not None:
                return known, False
            return day.weekday() < 5, True
        return day.weekday() < 5, False


def parse_holiday_data(data, lines, errors: list[SourceError]) -> tuple[frozenset[date], frozenset[date]]:
    """``{"holidays": [date | {date, name}], "workdays": [...]}`` -> two sets; mistakes go to ``errors``."""
    out: dict[str, set[date]] = {"holidays": set(), "workdays": set()}
    if data is None:
        return frozenset(), frozenset()
    if not isinstance(data, dict):
        errors.append(lines.error((), "must be a mapping with 'holidays' and/or 'workdays' lists"))
        return frozenset(), frozenset()
    for key in data:
        if key not in out:
            errors.append(lines.error((key,), "unknown key; expected 'holidays' or 'workdays'"))
    for key in out:
        items = data.get(key) or []
        if not isinstance(items, list):
            errors.append(lines.error((key,), "must be a list of dates (YYYY-MM-DD)"))
            continue
        for i, item in enumerate(items):
            value = item.get("date") if isinstance(item, dict) else item
            if isinstance(value, str):
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    pass
            if isinstance(value, datetime) or not isinstance(value, date):
                errors.append(lines.error((key, i), f"not a date (YYYY-MM-DD): {value!r}"))
                continue
            out[key].add(value)
    both = out["holidays"] & out["workdays"]
    for d in sorted(both):
        errors.append(lines.error(("workdays",), f"{d} is listed both as a holiday and as a workday"))
    return frozenset(out["holidays"]), frozenset(out["workdays"])


def load_holiday_file(path: str | Path) -> tuple[frozenset[date], frozenset[date]]:
    """Read an operator holiday file; raises ``RulesError`` listing every mistake."""
    from .ruleset import RulesError

    errors: list[SourceError] = []
    from .ruleset import _unlocated

    try:
        data, lines, _ = load_yaml_file(path)
    except ValueError as exc:
        raise RulesError([_unlocated(str(path), exc)]) from exc
    result = parse_holiday_data(data, lines, errors)
    if errors:
        raise RulesError(errors)
    return result


def parse_holiday_text(text: str, file: str = "<string>") -> tuple[frozenset[date], frozenset[date]]:
    from .ruleset import RulesError

    from .ruleset import _unlocated

    errors: list[SourceError] = []
    try:
        data, lines = load_yaml_with_lines(text, file)
    except ValueError as exc:
        raise RulesError([_unlocated(file, exc)]) from exc
    result = parse_holiday_data(data, lines, errors)
    if errors:
        raise RulesError(errors)
    return result


@dataclass(frozen=True)
class SlaPolicy:
    """How a target duration turns into a due time.

    ``kind="24x7"`` adds wall-clock time. ``kind="business_hours"`` only counts time inside ``hours``
    (local ``(start, end)`` pairs, e.g. 09:00-18:00) on working days of ``calendar`` in ``timezone``.
    """

    name: str = "24x7"
    kind: str = "24x7"
    timezone: str = "Asia/Shanghai"
    hours: tuple[tuple[time, time], ...] = ((time(9), time(18)),)
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)

    def due(self, start: datetime, duration: timedelta) -> Deadline:
        """The deadline ``duration`` of SLA time after ``start`` (never earlier than ``start``)."""
        if duration <= timedelta(0):
            return Deadline(at=start, policy=self.name)
        if self.kind != "business_hours":
            return Deadline(at=start + duration, policy=self.name)
        return self._business_due(start, duration)

    def _business_due(self, start: datetime, duration: timedelta) -> Deadline:
        """Whole days of ``duration`` count as working days (same local time on the Nth next working
        day), the rest as business time inside ``hours``."""
        tz = ZoneInfo(self.timezone)
        flags = [False]
        t = self._open_at_or_after(start.astimezone(tz), flags)
        if t is None:
            return Deadline(at=start + duration, policy=self.name, estimated=True)
        whole_days = duration.days
        rest = duration - timedelta(days=whole_days)
        day = t.date()
        for _ in range(whole_days):
            for _ in range(MAX_SEARCH_DAYS):
                day += timedelta(days=1)
                working, guessed = self.calendar.is_workday(day)
                flags[0] = flags[0] or guessed
                if working:
                    break
            else:
                return Deadline(at=start + duration, policy=self.name, estimated=True)
        t = datetime.combine(day, t.time(), tz) if whole_days else t
        due = self._add_business(t, rest, flags) if rest > timedelta(0) else t
        if due is None:
            return Deadline(at=start + duration, policy=self.name, estimated=True)
        return Deadline(at=max(due, start).astimezone(start.tzinfo), policy=self.name, estimated=flags[0])

    def _segments(self, day: date, tz):
        for open_t, close_t in self.hours:
            opens = datetime.combine(day, open_t, tz)
            closes = datetime.combine(day + timedelta(days=1), time(0), tz) if close_t == time(0) \
                else datetime.combine(day, close_t, tz)
            yield opens, closes

    def _open_at_or_after(self, local: datetime, flags: list) -> datetime | None:
        """The first business instant at or after ``local``."""
        day = local.date()
        for _ in range(MAX_SEARCH_DAYS):
            working, guessed = self.calendar.is_workday(day)
            flags[0] = flags[0] or guessed
            if working:
                for opens, closes in self._segments(day, local.tzinfo):
                    if closes > local:
                        return max(opens, local)
            day += timedelta(days=1)
        return None

    def _add_business(self, local: datetime, remaining: timedelta, flags: list) -> datetime | None:
        day = local.date()
        for _ in range(MAX_SEARCH_DAYS):
            working, guessed = self.calendar.is_workday(day)
            flags[0] = flags[0] or guessed
            if working:
                for opens, closes in self._segments(day, local.tzinfo):
                    seg_start = max(opens, local)
                    if closes <= seg_start:
                        continue
                    available = closes - seg_start
                    if remaining <= available:
                        return seg_start + remaining
                    remaining -= available
            day += timedelta(days=1)
        return None


def parse_hours(spec: str) -> tuple[time, time]:
    """``"09:00-18:00"`` -> ``(time(9), time(18))``; ``24:00`` is allowed as an end."""
    left, right = spec.split("-")
    start = time.fromisoformat(left.strip())
    r = right.strip()
    end = time(0) if r == "24:00" else time.fromisoformat(r)
    if end != time(0) and end <= start:
        raise ValueError(f"end {r} is not after start {left.strip()}")
    return start, end
