"""The engine with an injected clock: triggers, windows, baselines, digests, noise control, escalation."""

from datetime import datetime, timedelta, timezone

from feedback_nlp.rules import AlertDecision, RuleEngine, Silence

from .helpers import T0, Clock, event, one_rule, ruleset

H = timedelta(hours=1)


# ---------------------------------------------------------------- delayed triggers
DELAYED = "all: [{causes: logistics}, {answered: false}]"


def test_delayed_fires_only_if_still_unanswered_via_lookup():
    store = {"e1": event("e1"), "e2": event("e2", customer={"id": "C2"})}
    clock = Clock()
    eng = RuleEngine(one_rule(DELAYED, trigger="{delay: 1h}"), clock=clock, lookup=store.get)
    assert eng.evaluate(store["e1"]) == [] and eng.evaluate(store["e2"]) == []
    store["e2"] = event("e2", customer={"id": "C2"}, answered=True)  # answered in the meantime
    clock.t = T0 + timedelta(minutes=59)
    assert eng.tick() == []  # not due yet
    clock.t = T0 + H
    fired = eng.tick()
    assert [d.event_ids for d in fired] == [["e1"]]
    assert fired[0].kind == "delayed" and fired[0].created_at == T0 + H
    assert eng.tick(T0 + 5 * H) == []  # fires once


def test_delayed_uses_snapshot_refreshed_by_update_event_without_lookup():
    clock = Clock()
    eng = RuleEngine(one_rule(DELAYED, trigger="{delay: 30m}"), clock=clock)
    eng.evaluate(event("e1"))
    eng.evaluate(event("e2", customer={"id": "C2"}))
    eng.update_event(event("e1", answered=True))
    assert [d.event_ids for d in eng.tick(T0 + H)] == [["e2"]]


def test_delayed_event_gone_does_not_fire():
    eng = RuleEngine(one_rule(DELAYED, trigger="{delay: 1h}"), clock=Clock(), lookup=lambda _id: None)
    eng.evaluate(event())
    assert eng.tick(T0 + 2 * H) == []


def test_delayed_not_scheduled_when_condition_fails_at_first():
    eng = RuleEngine(one_rule(DELAYED, trigger="{delay: 1h}"), clock=Clock())
    eng.evaluate(event(answered=True))
    assert eng.tick(T0 + 2 * H) == []


# ---------------------------------------------------------------- window counts
def _store_event(i, store, minutes, cause="logistics"):
    return event(f"e{i}", at=T0 + timedelta(minutes=minutes), customer={"id": f"C{i}"},
                 attributes={"store": store}, causes=(cause,))


def test_count_threshold_per_group_within_window():
    clock = Clock()
    eng = RuleEngine(one_rule("causes: logistics", trigger="{count: 5, window: 1h, group_by: [attributes.store]}"),
                     clock=clock)
    out = []
    for i, (store, minute) in enumerate([("S1", 0), ("S1", 10), ("S2", 15), ("S1", 20), ("S1", 30),
                                         ("S1", 31, ), ("S1", 40), ("S1", 100)]):
        clock.t = T0 + timedelta(minutes=minute)
        out.append(eng.evaluate(_store_event(i, store, minute)))
    assert [len(o) for o in out] == [0, 0, 0, 0, 0, 1, 1, 0]
    first, second = out[5][0], out[6][0]
    assert first.kind == "window" and first.status == "new" and first.evidence["aggregate"]["count"] == 5
    assert first.evidence["aggregate"]["group"] == {"attributes.store": "S1"}
    assert first.event_ids == ["e0", "e1", "e3", "e4", "e5"]
    assert second.status == "repeat" and second.count == 2 and not second.notify  # same alert, counter bumped
    # at minute 100 only e6 (minute 40) and e7 remain in the last hour: below threshold


def test_count_ignores_events_without_the_group_field():
    eng = RuleEngine(one_rule("causes: logistics", trigger="{count: 1, window: 1h, group_by: [attributes.store]}"),
                     clock=Clock())
    assert eng.evaluate(event()) == []
    assert len(eng.evaluate(event(attributes={"store": "S9"}))) == 1


# ---------------------------------------------------------------- baselines
BASE = "{rise: 0.5, window: 1d, baseline: 7d, min_count: 3, group_by: [causes]}"


def _feed(eng, clock, start, n_total, n_logistics, tag):
    out = []
    for i in range(n_total):
        t = start + timedelta(minutes=10 * i)
        clock.t = t
        cause = "logistics" if i >= n_total - n_logistics else "price_value"  # the day's last cases
        out += eng.evaluate(event(f"{tag}{i}", at=t, customer={"id": f"{tag}{i}"}, causes=(cause,),
                                  sentiment="negative"))
    return out


def test_baseline_rise_fires_on_a_50_percent_rise_with_min_count():
    clock = Clock()
    eng = RuleEngine(one_rule("has_cause: {code: logistics}", trigger=BASE), clock=clock)
    # previous 7 days: 10 % logistics (2 of 20 per day), ending before the last-24-hours window
    for day in range(7, 0, -1):
        assert _feed(eng, clock, T0 - timedelta(days=day, hours=4), 20, 2, f"d{day}-") == []
    # today: 4 of 20 = 20 % (twice the baseline share); fires once the 3rd case (min_count) arrives
    out = _feed(eng, clock, T0 + timedelta(minutes=1), 20, 4, "today-")
    assert out and out[0].kind == "baseline"
    agg = out[0].evidence["aggregate"]
    assert agg["count"] == 3 and agg["baseline_count"] == 14 and agg["baseline_population"] == 140
    assert agg["share"] > agg["baseline_share"] * 1.5
    assert out[0].cause == "logistics" and out[0].team  # routed by the grouped cause


def test_baseline_no_fire_without_rise_or_below_min_count():
    clock = Clock()
    eng = RuleEngine(one_rule("has_cause: {code: logistics}", trigger=BASE), clock=clock)
    for day in range(7, 0, -1):
        _feed(eng, clock, T0 - timedelta(days=day, hours=4), 10, 3, f"d{day}-")
    # today 3 of 10 = 30 %: same share as baseline
    assert _feed(eng, clock, T0 + timedelta(minutes=1), 10, 3, "today-") == []


def test_baseline_never_fires_on_a_cold_start():
    clock = Clock()
    eng = RuleEngine(one_rule("has_cause: {code: logistics}", trigger=BASE), clock=clock)
    assert _feed(eng, clock, T0, 10, 10, "x") == []


# ---------------------------------------------------------------- digests
def test_digest_one_alert_per_window_summarising_matches():
    clock = Clock()
    eng = RuleEngine(one_rule("sentiment.label: negative", trigger="{digest: 1d, group_by: [cause]}"), clock=clock)
    for i, cause in enumerate(["logistics", "logistics", "service"]):
        assert eng.evaluate(event(f"e{i}", at=T0 + timedelta(hours=i), customer={"id": f"C{i}"},
                                  causes=(cause,))) == []
    assert eng.tick(T0 + 5 * H) == []  # the day (Beijing time) is not over
    cst = T0.tzinfo
    [d] = eng.tick(datetime(2026, 11, 24, 0, 0, tzinfo=cst))
    agg = d.evidence["aggregate"]
    assert d.kind == "digest" and agg["total"] == 3 and agg["groups"] == {"logistics": 2, "service": 1}
    assert agg["window_start"] == datetime(2026, 11, 23, tzinfo=cst).astimezone(timezone.utc).isoformat()
    assert sorted(d.event_ids) == ["e0", "e1", "e2"]
    assert eng.tick(datetime(2026, 11, 26, tzinfo=cst)) == []


# ---------------------------------------------------------------- dedup
def test_dedup_repeat_bumps_counter_within_24h_then_new_alert():
    clock = Clock()
    eng = RuleEngine(one_rule("sentiment.label: negative"), clock=clock)
    [a] = eng.evaluate(event("e1"))
    clock.t = T0 + 5 * H
    [b] = eng.evaluate(event("e2", at=clock.t))
    assert (a.status, b.status, b.count, b.alert_id, b.notify) == ("new", "repeat", 2, a.alert_id, False)
    [c] = eng.evaluate(event("e3", at=clock.t, causes=("service",)))  # another cause: its own alert
    assert c.status == "new"
    clock.t = T0 + 25 * H
    [d] = eng.evaluate(event("e4", at=clock.t))
    assert d.status == "new" and d.alert_id != a.alert_id


def test_resolve_closes_the_open_alert():
    eng = RuleEngine(one_rule("causes: logistics"), clock=Clock())
    [a] = eng.evaluate(event("e1"))
    eng.resolve(a.dedup_key)
    assert eng.evaluate(event("e2"))[0].status == "new"


def test_same_event_several_rules_same_key_merge_most_severe_wins():
    rs = ruleset("""
    - id: mild
      description: {zh: 轻, en: mild}
      when: {causes: logistics}
      actions: {level: blue}
    - id: severe
      description: {zh: 重, en: severe}
      when: {sentiment.label: negative}
      actions: {level: red}
    """)
    clock = Clock()
    eng = RuleEngine(rs, clock=clock)
    [d] = eng.evaluate(event())
    assert d.rule_id == "severe" and d.evidence["also_matched"] == ["mild"]


def test_repeat_with_higher_level_upgrades_and_notifies():
    rs = ruleset("""
    - id: mild
      description: {zh: 轻, en: mild}
      when: {sentiment.label: neutral}
      actions: {level: blue}
    - id: severe
      description: {zh: 重, en: severe}
      when: {sentiment.label: negative}
      actions: {level: red}
    """)
    eng = RuleEngine(rs, clock=Clock())
    [a] = eng.evaluate(event("e1", sentiment="neutral"))
    [b] = eng.evaluate(event("e2"))
    assert b.status == "repeat" and b.upgraded and b.notify and b.alert_id == a.alert_id


def test_no_customer_means_no_dedup():
    eng = RuleEngine(one_rule("causes: logistics"), clock=Clock())
    a = eng.evaluate(event("e1", customer={"tier": "C"}))
    b = eng.evaluate(event("e2", customer={"tier": "C"}))
    assert a[0].status == b[0].status == "new"


# ---------------------------------------------------------------- suppression and silences
SUPPRESS = """
channels: [dashboard]
suppressions:
  - id: night
    match: {level: blue}
    hours: "22:00-08:00"
  - id: maintenance
    match: {rule: r1, attributes.store: S1}
    between: ["2026-11-23T12:00:00+08:00", "2026-11-23T14:00:00+08:00"]
"""


def test_suppression_windows_wrap_midnight_and_match_labels():
    clock = Clock()
    eng = RuleEngine(one_rule("causes: logistics", actions="{level: blue}", header=SUPPRESS), clock=clock)
    night = T0.replace(hour=23)
    clock.t = night
    [d] = eng.evaluate(event("e1", at=night))
    assert d.muted_by == "suppression:night" and not d.notify
    morning = T0.replace(hour=8, minute=0) + timedelta(days=1)
    clock.t = morning
    [d] = eng.evaluate(event("e2", at=morning, customer={"id": "C9"}))
    assert d.muted_by is None and d.notify


def test_suppression_between_with_attribute_label():
    clock = Clock(T0.replace(hour=13))
    eng = RuleEngine(one_rule("causes: logistics", actions="{level: red}", header=SUPPRESS), clock=clock)
    [a] = eng.evaluate(event("e1", at=clock.t, attributes={"store": "S1"}))
    [b] = eng.evaluate(event("e2", at=clock.t, customer={"id": "C2"}, attributes={"store": "S2"}))
    assert a.muted_by == "suppression:maintenance" and b.muted_by is None


def test_operator_silence_for_a_period():
    clock = Clock()
    eng = RuleEngine(one_rule("causes: logistics"), clock=clock)
    eng.add_silence(Silence(id="s1", matchers=[{"label": "cause", "op": "=", "value": "logistics"},
                                               {"label": "customer", "op": "=~", "value": "C[0-4]"}],
                            starts_at=T0 - H, ends_at=T0 + 2 * H, created_by="ops"))
    [a] = eng.evaluate(event("e1", customer={"id": "C1"}))
    [b] = eng.evaluate(event("e2", customer={"id": "C7"}))
    assert a.muted_by == "silence:s1" and not a.notify and b.muted_by is None and b.notify
    clock.t = T0 + 3 * H
    [c] = eng.evaluate(event("e3", at=clock.t, customer={"id": "C2"}))
    assert c.muted_by is None  # the silence expired
    eng.add_silence(Silence(id="s2", matchers=[{"label": "level", "op": "!=", "value": "red"}],
                            starts_at=T0, ends_at=T0 + 9 * H))
    [d] = eng.evaluate(event("e4", at=clock.t, customer={"id": "C3"}))
    assert d.muted_by == "silence:s2"
    eng.remove_silence("s2")
    assert eng.evaluate(event("e5", at=clock.t, customer={"id": "C4"}))[0].muted_by is None


# ---------------------------------------------------------------- routing and SLA in decisions
ROUTING = """
channels: [dashboard, sms]
priorities:
  P2: {first_response: 4h, resolution: 3d, policy: office}
sla_policies:
  office: {type: business_hours, hours: ["09:00-18:00"]}
routing:
  by_cause: {logistics: 物流部}
  by_group: {experience: 体验部}
  default_team: 客服部
  tiers:
    A: {owner: account_manager}
  default_owner: standard_queue
"""


def test_routing_by_cause_group_and_tier():
    eng = RuleEngine(one_rule("sentiment.label: negative", actions="{level: yellow, priority: P2}", header=ROUTING),
                     clock=Clock())
    [a] = eng.evaluate(event("e1", customer={"id": "V1", "tier": "A", "account_manager": "王经理"}))
    [b] = eng.evaluate(event("e2", customer={"id": "C2", "tier": "C"}, causes=("service",)))
    [c] = eng.evaluate(event("e3", customer={"id": "C3"}, causes=("billing_refund",)))
    assert (a.team, a.owner, a.assignee) == ("物流部", "account_manager", "王经理")
    assert (b.team, b.owner, b.assignee) == ("体验部", "standard_queue", None)
    assert c.team == "客服部"


def test_decision_deadlines_follow_the_priority_policy():
    friday = T0 - timedelta(days=3, hours=-7)  # Friday 20 Nov 17:00
    eng = RuleEngine(one_rule("causes: logistics", actions="{level: yellow, priority: P2}", header=ROUTING),
                     clock=Clock(friday))
    [d] = eng.evaluate(event(at=friday))
    assert d.first_response_due.at == T0.replace(hour=12)  # 1 h Friday + 3 h Monday
    assert d.resolution_due.at == friday + timedelta(days=5)  # 3 working days: Wednesday 17:00
    assert d.intervention_due.at == friday + timedelta(days=7)
    assert d.to_dict()["first_response_due"] == {"at": d.first_response_due.at.isoformat(), "policy": "office",
                                                 "estimated": False}


# ---------------------------------------------------------------- escalation
def test_escalation_when_targets_pass():
    eng = RuleEngine(one_rule("causes: logistics", actions="{level: yellow, priority: P1}"), clock=Clock())
    [d] = eng.evaluate(event())
    assert isinstance(d, AlertDecision)
    assert eng.escalations([d], T0 + timedelta(minutes=30)) == []
    [e] = eng.escalations([d], T0 + 2 * H)
    assert (e.reason, e.level, e.owner) == ("first_response_overdue", "red", "team_lead")
    assert e.overdue_since == T0 + H and "超过首次响应时限" in e.summary_zh
    # answered, not resolved, after the resolution target: escalate once more
    alert = dict(d.to_dict(), responded_at=(T0 + 2 * H).isoformat(), escalated=["first_response_overdue"],
                 level="red")
    [r] = eng.escalations([alert], T0 + 25 * H)
    assert (r.reason, r.level, r.owner) == ("resolution_overdue", "red", "department_head")
    assert eng.escalations([dict(alert, escalated=["first_response_overdue", "resolution_overdue"])],
                           T0 + 30 * H) == []
    assert eng.escalations([dict(alert, resolved_at=(T0 + 3 * H).isoformat())], T0 + 30 * H) == []
    both = eng.escalations([d], T0 + 30 * H)
    assert [x.reason for x in both] == ["first_response_overdue", "resolution_overdue"]


# ---------------------------------------------------------------- odds and ends
def test_disabled_rules_do_not_fire():
    rs = ruleset("""
    - id: paused
      description: {zh: 停用, en: disabled}
      enabled: false
      when: {causes: logistics}
      actions: {level: red}
    """)
    assert RuleEngine(rs, clock=Clock()).evaluate(event()) == []


def test_records_without_id_get_a_stable_content_id():
    from feedback_nlp.rules import Event

    rec = {"received_at": T0.isoformat(), "classification": {"causes": [{"code": "logistics"}]}}
    a, b = Event.from_record(rec), Event.from_record(dict(rec))
    other = Event.from_record({"received_at": T0.isoformat(), "classification": {"causes": [{"code": "service"}]}})
    assert a.id.startswith("anon-") and a.id == b.id and a.id != other.id


def test_naive_event_time_is_taken_as_utc():
    from feedback_nlp.rules import Event

    ev = event()
    naive = Event(id="n", received_at=datetime(2026, 11, 23, 2, 0), classification=ev.classification,
                  customer={"id": "C1"})
    [d] = RuleEngine(one_rule("causes: logistics"), clock=Clock()).evaluate(naive)
    assert d.created_at == T0  # 02:00 UTC is 10:00 Beijing time


def test_tick_prunes_old_window_points_and_expired_alerts():
    clock = Clock()
    eng = RuleEngine(one_rule("causes: logistics", trigger="{count: 2, window: 1h, group_by: [attributes.store]}"),
                     clock=clock)
    eng.evaluate(_store_event(1, "S1", 0))
    eng.evaluate(_store_event(2, "S1", 1))
    assert eng.state.count("r1|S1", T0 - H, T0 + H) == 2 and eng.state._alerts
    eng.tick(T0 + timedelta(days=3))
    assert eng.state.count("r1|S1", T0 - H, T0 + H) == 0 and not eng.state._alerts
