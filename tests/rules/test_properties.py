"""Property tests: evaluating the default rule set never raises; deadlines are never before the event."""

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_nlp.rules import RuleEngine, SlaPolicy, load_rules
from feedback_nlp.taxonomy import CAUSE_CODES

from .helpers import DEFAULT_RULES

RS = load_rules(DEFAULT_RULES)

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=8), st.sampled_from(list(CAUSE_CODES) + ["negative", "explicit", "A", "速度慢"]))
anything = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=6), inner, max_size=4)),
                        max_leaves=12)
keys = st.sampled_from(["id", "sentiment", "causes", "cause_scores", "churn_intent", "keywords", "pii", "warnings",
                        "label", "scores", "code", "score", "term", "severity", "negated", "cause"])
plausible_keyword = st.fixed_dictionaries({}, optional={
    "term": st.one_of(st.sampled_from(["速度慢", "时间久", "假货"]), anything),
    "cause": st.one_of(st.sampled_from(CAUSE_CODES), anything), "severity": st.one_of(st.integers(0, 3), anything),
    "negated": st.one_of(st.booleans(), anything)})
plausible = st.fixed_dictionaries({}, optional={
    "id": anything,
    "sentiment": st.one_of(anything, st.fixed_dictionaries({"label": st.sampled_from(["negative", "neutral", "x"]),
                                                            "scores": st.dictionaries(st.text(max_size=8), scalars)})),
    "causes": st.one_of(anything, st.lists(st.fixed_dictionaries({"code": st.sampled_from(CAUSE_CODES)},
                                                                 optional={"score": scalars}), max_size=4)),
    "cause_scores": st.one_of(anything, st.dictionaries(st.sampled_from(CAUSE_CODES), scalars)),
    "churn_intent": st.one_of(anything, st.fixed_dictionaries({"label": st.sampled_from(["none", "explicit"])})),
    "keywords": st.one_of(anything, st.lists(plausible_keyword, max_size=3)),
})
classifications = st.one_of(plausible, st.dictionaries(keys, anything, max_size=6), anything)
wrappers = st.fixed_dictionaries({"classification": classifications}, optional={
    "id": anything, "received_at": st.one_of(anything, st.datetimes(timezones=st.just(timezone.utc)).map(
        datetime.isoformat)),
    "customer": st.one_of(anything, st.fixed_dictionaries({}, optional={
        "id": scalars, "tier": st.sampled_from(["A", "B", "Z"]), "ltv": scalars, "tags": anything})),
    "survey": st.one_of(anything, st.fixed_dictionaries({}, optional={"satisfaction": scalars, "scale": scalars,
                                                                       "nps": scalars})),
    "attributes": anything, "source": anything, "channel": anything, "answered": anything, "status": anything,
})

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(wrappers, classifications), min_size=1, max_size=6))
def test_default_rules_never_raise_on_any_record(records):
    now = {"t": T0}
    eng = RuleEngine(RS, clock=lambda: now["t"])
    for rec in records:
        for d in eng.evaluate(rec):
            assert d.level in ("red", "yellow", "blue")
            assert d.first_response_due.at >= d.created_at
            d.to_dict()
    now["t"] = T0 + timedelta(days=3)
    eng.tick()


@settings(max_examples=300, deadline=None)
@given(start=st.datetimes(min_value=datetime(2004, 1, 1), max_value=datetime(2040, 12, 31),
                          timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=8)),
                                                     timezone(timedelta(hours=-5))])),
       minutes=st.integers(0, 60 * 24 * 40), kind=st.sampled_from(["24x7", "business_hours"]))
def test_deadlines_are_never_earlier_than_the_start(start, minutes, kind):
    policy = RS.policies["business"] if kind == "business_hours" else RS.policies["always"]
    d = policy.due(start, timedelta(minutes=minutes))
    assert d.at >= start
    if kind == "24x7":
        assert d.at == start + timedelta(minutes=minutes)
    if start.year >= 2028:
        assert minutes == 0 or d.estimated or kind == "24x7"


@settings(max_examples=150, deadline=None)
@given(at=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2032, 12, 31),
                       timezones=st.just(timezone.utc)),
       cause=st.sampled_from(CAUSE_CODES), tier=st.sampled_from(["A", "B", "C", "D"]))
def test_decision_deadlines_not_before_the_event(at, cause, tier):
    rec = {"id": "p", "received_at": at.isoformat(), "customer": {"id": "c", "tier": tier},
           "source": "after_sales", "survey": {"satisfaction": 1, "nps": 0},
           "classification": {"sentiment": {"label": "negative", "scores": {"negative": 0.95}},
                              "causes": [{"code": cause, "score": 0.9}],
                              "churn_intent": {"label": "explicit", "scores": {"explicit": 0.9}}}}
    eng = RuleEngine(RS, clock=lambda: at)
    decisions = eng.evaluate(rec) + eng.tick(at + timedelta(days=9))
    assert decisions
    for d in decisions:
        for due in (d.first_response_due, d.resolution_due, d.intervention_due):
            assert due.at >= at
        assert d.first_response_due.at <= d.resolution_due.at


def test_extreme_times_fall_back_to_the_clock_instead_of_overflowing():
    eng = RuleEngine(RS, clock=lambda: T0)
    for when in ("9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00"):
        rec = {"received_at": when, "customer": {"id": "c", "tier": "A"},
               "classification": {"causes": [{"code": "safety_health"}], "churn_intent": {"label": "explicit"},
                                  "sentiment": {"label": "negative", "scores": {"negative": 0.99}}}}
        decisions = eng.evaluate(rec)
        assert decisions and all(d.created_at == T0 for d in decisions)
    assert eng.tick(T0 + timedelta(days=2)) is not None


def test_default_sla_policy_is_24x7():
    assert SlaPolicy().due(T0, timedelta(hours=2)).at == T0 + timedelta(hours=2)
