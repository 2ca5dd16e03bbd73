"""SLA clocks: 24x7, business hours across weekends, public holidays, 调休 Saturdays, unknown years."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from feedback_nlp.rules import BusinessCalendar, SlaPolicy, load_rules
from feedback_nlp.rules.sla import parse_holiday_text

from .helpers import DEFAULT_RULES

SH = ZoneInfo("Asia/Shanghai")
OFFICE = SlaPolicy(name="office", kind="business_hours", hours=((time(9), time(18)),))


def at(*args):
    return datetime(*args, tzinfo=SH)


def test_the_facts_these_tests_rely_on():
    # chinese_calendar 2026 data: National Day week off, 2026-10-10 is a 调休 working Saturday, 2027 unknown
    assert chinese_calendar.is_holiday(date(2026, 10, 1)) and chinese_calendar.is_holiday(date(2026, 10, 7))
    assert date(2026, 10, 10).weekday() == 5 and chinese_calendar.is_workday(date(2026, 10, 10))
    assert chinese_calendar.is_workday(date(2026, 10, 8))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_24x7_adds_wall_clock_time():
    p = SlaPolicy(name="always", kind="24x7")
    d = p.due(at(2026, 11, 21, 23, 0), timedelta(hours=1))  # a Saturday night
    assert d.at == at(2026, 11, 22, 0, 0) and not d.estimated and d.policy == "always"


def test_within_business_hours():
    assert OFFICE.due(at(2026, 11, 23, 10, 0), timedelta(hours=4)).at == at(2026, 11, 23, 14, 0)


def test_across_a_weekend():
    # Friday 17:30 + 1 business hour: 30 min on Friday, 30 min on Monday
    d = OFFICE.due(at(2026, 11, 20, 17, 30), timedelta(hours=1))
    assert d.at == at(2026, 11, 23, 9, 30) and not d.estimated


def test_event_on_a_weekend_starts_at_the_next_opening():
    assert OFFICE.due(at(2026, 11, 21, 10, 0), timedelta(hours=4)).at == at(2026, 11, 23, 13, 0)


def test_working_days_skip_the_weekend():
    # "3d" on business hours = 3 working days: Friday 10:00 -> Wednesday 10:00
    assert OFFICE.due(at(2026, 11, 20, 10, 0), timedelta(days=3)).at == at(2026, 11, 25, 10, 0)


def test_across_national_day_2026():
    # 30 Sep 17:30: the 1–7 October holiday is skipped; work resumes Thursday 8 October
    d = OFFICE.due(at(2026, 9, 30, 17, 30), timedelta(hours=1))
    assert d.at == at(2026, 10, 8, 9, 30) and not d.estimated
    assert OFFICE.due(at(2026, 10, 3, 12, 0), timedelta(days=1)).at == at(2026, 10, 9, 9, 0)


def test_adjusted_working_saturday_counts():
    # Friday 9 October 17:30 + 1 h ends on Saturday 10 October (调休 working day), not on Monday
    d = OFFICE.due(at(2026, 10, 9, 17, 30), timedelta(hours=1))
    assert d.at == at(2026, 10, 10, 9, 30)
    # ...while an ordinary Saturday does not count
    assert OFFICE.due(at(2026, 10, 16, 17, 30), timedelta(hours=1)).at == at(2026, 10, 19, 9, 30)


def test_lunch_break():
    p = SlaPolicy(name="p", kind="business_hours", hours=((time(9), time(12)), (time(13), time(18))))
    assert p.due(at(2026, 11, 23, 11, 30), timedelta(hours=1)).at == at(2026, 11, 23, 13, 30)


def test_unknown_year_is_estimated_and_never_raises():
    d = OFFICE.due(at(2026, 12, 31, 17, 0), timedelta(hours=4))
    # without a holiday file: 1 January 2027 is a Friday, guessed as a working day
    assert d.at == at(2027, 1, 1, 12, 0) and d.estimated
    far = OFFICE.due(at(2035, 6, 1, 10, 0), timedelta(days=7))
    assert far.estimated and far.at > at(2035, 6, 1, 10, 0)


def test_known_year_deadline_is_not_estimated():
    assert not OFFICE.due(at(2026, 12, 30, 10, 0), timedelta(hours=4)).estimated


def test_operator_holiday_file_extends_unknown_years():
    hol, work = parse_holiday_text("holidays: [2027-01-01, {date: 2027-01-04, name: 公司假}]\nworkdays: [2027-01-09]\n")
    p = SlaPolicy(name="p", kind="business_hours", calendar=BusinessCalendar(holidays=hol, workdays=work))
    d = p.due(at(2026, 12, 31, 17, 0), timedelta(hours=4))
    assert d.at == at(2027, 1, 5, 12, 0) and d.estimated  # skips 1 Jan, the weekend, and 4 Jan
    # an extra working Saturday (9 Jan 2027) is used
    assert p.due(at(2027, 1, 8, 17, 30), timedelta(hours=1)).at == at(2027, 1, 9, 9, 30)


def test_operator_file_overrides_known_years():
    cal = BusinessCalendar(holidays=frozenset({date(2026, 11, 23)}))
    p = SlaPolicy(name="p", kind="business_hours", calendar=cal)
    assert p.due(at(2026, 11, 20, 17, 30), timedelta(hours=1)).at == at(2026, 11, 24, 9, 30)


def test_policy_without_any_working_time_degrades_without_raising():
    everyday = frozenset(date(2026, 1, 1) + timedelta(days=i) for i in range(366 * 11))
    p = SlaPolicy(name="p", kind="business_hours", calendar=BusinessCalendar(holidays=everyday))
    d = p.due(at(2026, 3, 2, 10, 0), timedelta(hours=1))
    assert d.estimated and d.at == at(2026, 3, 2, 11, 0)


def test_default_rules_targets():
    rs = load_rules(DEFAULT_RULES)
    assert [(p.first_response, p.resolution) for p in rs.priorities.values()] == [
        (timedelta(hours=1), timedelta(hours=24)), (timedelta(hours=4), timedelta(days=3)),
        (timedelta(days=1), timedelta(days=7))]
    assert rs.intervention == {"blue": timedelta(days=30), "yellow": timedelta(days=7), "red": timedelta(hours=48)}
    assert date(2027, 1, 1) in rs.calendar.holidays and date(2027, 10, 1) in rs.calendar.holidays
    p2 = rs.policies[rs.priorities["P2"].policy]
    d = p2.due(at(2026, 12, 31, 17, 0), timedelta(hours=4))
    assert d.at == at(2027, 1, 4, 12, 0) and d.estimated  # the shipped holiday file knows 1 Jan 2027
