"""The shipped rule file encodes the brief's examples."""

from datetime import timedelta

import pytest

from feedback_nlp.rules import RuleEngine, load_rules

from .helpers import DEFAULT_RULES, T0, Clock, event


@pytest.fixture(scope="module")
def rs():
    return load_rules(DEFAULT_RULES)


def fired(rs, ev, clock=None):
    return RuleEngine(rs, clock=clock or Clock(ev.received_at)).evaluate(ev)


def test_every_rule_is_documented_in_chinese_and_english(rs):
    for r in rs.rules:
        assert r.description_zh and r.description_en, r.id
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.description_zh), r.id


def test_safety_health_is_red_p1_at_once(rs):
    [d] = fired(rs, event(sentiment="neutral", causes=("safety_health",)))
    assert (d.rule_id, d.level, d.priority, d.team) == ("safety_health_immediate", "red", "P1", "食品安全与质量部")
    assert d.first_response_due.at == T0 + timedelta(hours=1) and d.resolution_due.at == T0 + timedelta(hours=24)
    assert d.intervention_due.at == T0 + timedelta(hours=48)


def test_vip_explicit_churn_goes_to_the_account_manager(rs):
    ev = event(sentiment="neutral", causes=("price_value",), churn="explicit",
               customer={"id": "V1", "tier": "A", "account_manager": "李经理"})
    [d] = fired(rs, ev)
    assert (d.rule_id, d.level, d.priority, d.owner, d.assignee) == ("vip_explicit_churn", "red", "P1",
                                                                      "account_manager", "李经理")
    # the same from an ordinary customer does not raise that alert
    assert all(x.rule_id != "vip_explicit_churn" for x in fired(rs, event(churn="explicit", causes=("price_value",),
                                                                          sentiment="neutral")))


def test_aftersales_satisfaction_of_5_fires_at_once_but_6_does_not(rs):
    low = event(sentiment="neutral", causes=("price_value",), source="after_sales",
                survey={"satisfaction": 5, "scale": 10})
    [d] = fired(rs, low)
    assert (d.rule_id, d.level, d.priority) == ("aftersales_low_satisfaction", "yellow", "P2")
    ok = event(sentiment="neutral", causes=("price_value",), source="after_sales",
               survey={"satisfaction": 6, "scale": 10})
    assert fired(rs, ok) == []


@pytest.mark.parametrize("term", ["速度慢", "时间久"])
def test_lexicon_slow_terms_fire(rs, term):
    ev = event(sentiment="neutral", score=0.5, keywords=[{"term": term}])
    assert [d.rule_id for d in fired(rs, ev)] == ["lexicon_delivery_delay"]
    negated = event(sentiment="neutral", score=0.5, keywords=[{"term": term, "negated": True}])
    assert fired(rs, negated) == []


def test_major_complaint_is_red_p1_and_chases_after_an_hour_if_unanswered(rs):
    store = {}
    clock = Clock()
    eng = RuleEngine(rs, clock=clock, lookup=store.get)
    ev = event("m1", score=0.95, churn="explicit", causes=("service",), customer={"id": "C5", "tier": "B"})
    store["m1"] = ev
    [d] = eng.evaluate(ev)
    assert (d.rule_id, d.level, d.priority) == ("major_complaint", "red", "P1")
    assert d.first_response_due.at == T0 + timedelta(hours=1)  # answered within 1 hour
    clock.t = T0 + timedelta(hours=1)
    [late] = eng.tick()
    assert late.rule_id == "major_complaint_unanswered_1h" and late.owner == "team_lead" and "sms" in late.channels
    # answered in time: no chase
    ev2 = event("m2", score=0.95, churn="explicit", causes=("service",), customer={"id": "C6"})
    store["m2"] = ev2
    eng.evaluate(ev2)
    store["m2"] = event("m2", score=0.95, churn="explicit", causes=("service",), customer={"id": "C6"}, answered=True)
    assert eng.tick(T0 + timedelta(hours=3)) == []


def test_five_logistics_complaints_for_one_store_in_an_hour(rs):
    clock = Clock()
    eng = RuleEngine(rs, clock=clock)
    burst = []
    for i in range(5):
        clock.t = T0 + timedelta(minutes=10 * i)
        ev = event(f"s{i}", at=clock.t, score=0.6, customer={"id": f"K{i}"}, attributes={"store": "门店-01"})
        burst += [d for d in eng.evaluate(ev) if d.rule_id == "store_logistics_burst"]
    assert len(burst) == 1 and burst[0].team == "物流部" and burst[0].evidence["aggregate"]["count"] == 5


def test_vip_negative_goes_to_account_manager_ordinary_to_standard_queue(rs):
    [v] = fired(rs, event(score=0.6, causes=("price_value",), customer={"id": "V", "tier": "A"}))
    [o] = fired(rs, event(score=0.6, causes=("price_value",), customer={"id": "O", "tier": "C"},
                          source="after_sales", survey={"satisfaction": 2}, ))
    assert v.rule_id == "vip_negative" and v.owner == "account_manager"
    assert o.owner == "standard_queue"


def test_blue_notifications_are_suppressed_at_night(rs):
    cst = T0.tzinfo
    from datetime import datetime
    clock = Clock()
    eng = RuleEngine(rs, clock=clock)
    eng.evaluate(event("n1", at=T0.replace(hour=23), survey={"nps": 2}, sentiment="neutral", causes=("price_value",)))
    [d] = eng.tick(datetime(2026, 11, 24, 0, 0, tzinfo=cst))  # digest due at midnight Beijing time
    assert d.rule_id == "nps_detractor_digest" and d.level == "blue" and d.muted_by == "suppression:quiet_night_blue"
