"""Every kind of condition, every operator, and nesting, through a real rule file."""

import pytest

from .helpers import T0, event, matches


@pytest.mark.parametrize("when, kwargs, expected", [
    # sentiment label and score
    ("sentiment.label: negative", {}, True),
    ("sentiment.label: positive", {}, False),
    ("sentiment.score: {ge: 0.9}", {"score": 0.9}, True),
    ("sentiment.score: {gt: 0.9}", {"score": 0.9}, False),
    ("sentiment.scores.negative: {'>=': 0.5}", {}, True),
    ("sentiment.scores.positive: {'<': 0.1}", {}, True),
    # churn intent
    ("churn_intent.label: explicit", {"churn": "explicit"}, True),
    ("churn_intent.label: [risk, explicit]", {"churn": "risk"}, True),
    ("churn_intent.label: {not_in: [risk, explicit]}", {"churn": "none"}, True),
    ("churn_intent.scores.explicit: {ge: 0.8}", {"churn": "explicit"}, True),
    # causes, primary cause, groups, scores
    ("causes: logistics", {"causes": ("service", "logistics")}, True),
    ("causes: [billing_refund, service]", {"causes": ("logistics",)}, False),
    ("cause: service", {"causes": ("logistics", "service")}, False),
    ("cause: logistics", {"causes": ("logistics", "service")}, True),
    ("cause_group: experience", {"causes": ("logistics",)}, True),
    ("cause_groups: {contains: competitive}", {"causes": ("logistics", "price_value")}, True),
    ("cause_scores.logistics: {ge: 0.8}", {}, True),
    ("cause_scores.logistics: {lt: 0.8}", {}, False),
    ("has_cause: {code: logistics, score: {ge: 0.5}}", {}, True),
    ("has_cause: {group: operations}", {}, False),
    # keywords: term, cause, severity, negation
    ("keyword: {term: 速度慢}", {"keywords": [{}]}, True),
    ("keyword: {term: [时间久, 迟到]}", {"keywords": [{}]}, False),
    ("keyword: {cause: logistics, severity: {ge: 2}}", {"keywords": [{}]}, True),
    ("keyword: {severity: {ge: 3}}", {"keywords": [{}]}, False),
    ("keyword: {term: 速度慢}", {"keywords": [{"negated": True}]}, False),  # negated hits are excluded by default
    ("keyword: {term: 速度慢, negated: true}", {"keywords": [{"negated": True}]}, True),
    ("keyword: {text: {matches: '太慢$'}}", {"keywords": [{}]}, True),
    # praise terms fire only when negated ("不太快"); the lexicon's own "fires" wins when given
    ("keyword: {cause: logistics}", {"keywords": [{"term": "快", "polarity": "positive"}]}, False),
    ("keyword: {cause: logistics}", {"keywords": [{"term": "快", "polarity": "positive", "negated": True}]}, True),
    ("keyword: {term: 速度慢}", {"keywords": [{"fires": False}]}, False),
    ("keyword: {term: 速度慢, fires: false}", {"keywords": [{"fires": False}]}, True),
    ("keyword_count: 0", {"keywords": [{"term": "快", "polarity": "positive"}]}, True),
    ("keyword_terms: 速度慢", {"keywords": [{}]}, True),
    ("keyword_count: {ge: 2}", {"keywords": [{}, {"term": "时间久"}]}, True),
    ("keyword_max_severity: {ge: 2}", {"keywords": [{}]}, True),
    ("keyword_count: 0", {}, True),
])
def test_classification_fields(when, kwargs, expected):
    assert matches(when, event(**kwargs)) is expected


@pytest.mark.parametrize("when, ev_kwargs, expected", [
    ("satisfaction: {scale: 10, le: 5}", {"survey": {"satisfaction": 5, "scale": 10}}, True),
    ("satisfaction: {scale: 10, le: 5}", {"survey": {"satisfaction": 6, "scale": 10}}, False),
    # 3 of 5 is 6 of 10: not low; 2 of 5 is 4 of 10: low
    ("satisfaction: {scale: 10, le: 5}", {"survey": {"satisfaction": 3, "scale": 5}}, False),
    ("satisfaction: {scale: 10, le: 5}", {"survey": {"satisfaction": 2, "scale": 5}}, True),
    ("satisfaction: {scale: 10, le: 5}", {"survey": {"satisfaction": 4}}, True),  # default scale 10
    ("satisfaction: {scale: 10, le: 5}", {"survey": {}}, False),
    ("survey.nps: {le: 6}", {"survey": {"nps": 3}}, True),
    ("survey.nps: {le: 6}", {"survey": {"nps": 9}}, False),
    ("survey.nps: {le: 6}", {"survey": {"nps": -3}}, False),  # not an NPS answer
    ("customer.tier: A", {"customer": {"id": "c", "tier": "A"}}, True),
    ("customer.tier: [A, B]", {"customer": {"id": "c", "tier": "C"}}, False),
    ("customer.ltv: {ge: 10000}", {"customer": {"id": "c", "ltv": 25000.5}}, True),
    ("customer.ltv: {ge: 10000}", {"customer": {"id": "c", "ltv": "lots"}}, False),
    ("customer.tags: 企业客户", {"customer": {"id": "c", "tags": ["企业客户", "老客户"]}}, True),
    ("customer.tags: {contains: 黑名单}", {"customer": {"id": "c", "tags": ["企业客户"]}}, False),
    ("customer.id: 123", {"customer": {"id": 123}}, True),
    ("source: after_sales", {"source": "after_sales"}, True),
    ("source: {'!=': after_sales}", {"source": "app_review"}, True),
    ("source: {ne: after_sales}", {}, False),  # missing field: comparisons are false
    ("channel: {in: [phone, wechat]}", {"channel": "wechat"}, True),
    ("channel: {matches: '^we'}", {"channel": "wechat"}, True),
    ("channel: {exists: false}", {}, True),
    ("attributes.store: S001", {"attributes": {"store": "S001"}}, True),
    ("attributes.region: {in: [华东, 华南]}", {"attributes": {"region": "华北"}}, False),
    ("attributes.order_amount: {gt: 100}", {"attributes": {"order_amount": 250}}, True),
    ("attributes.product: {contains: 套餐}", {"attributes": {"product": "家庭套餐"}}, True),
    ("answered: false", {}, True),
    ("answered: false", {"answered": True}, False),
    ("id: e1", {}, True),
])
def test_event_fields(when, ev_kwargs, expected):
    assert matches(when, event(**ev_kwargs)) is expected


def test_all_any_not_nest_to_any_depth():
    when = """
    all:
      - sentiment.label: negative
      - any:
          - customer.tier: A
          - all:
              - not: {customer.tier: D}
              - any:
                  - not:
                      not: {causes: logistics}
                  - causes: service
    """
    assert matches(when, event(customer={"id": "c", "tier": "B"}))
    assert not matches(when, event(customer={"id": "c", "tier": "D"}))
    assert not matches(when, event(customer={"id": "c", "tier": "B"}, causes=("price_value",)))
    assert matches(when, event(customer={"id": "c", "tier": "A"}, causes=("price_value",)))


def test_deep_nesting_is_supported():
    depth = 60
    when = "{not: " * depth + "{causes: logistics}" + "}" * depth
    assert matches(when, event()) is (depth % 2 == 0)


def test_bare_list_means_all_and_several_keys_are_anded():
    assert matches("- causes: logistics\n- sentiment.label: negative", event())
    assert not matches("- causes: logistics\n- sentiment.label: positive", event())
    assert matches("{causes: logistics, sentiment.label: negative}", event())
    assert not matches("{causes: logistics, customer.tier: A}", event())


def test_operator_mapping_with_several_operators_needs_all():
    assert matches("sentiment.score: {ge: 0.5, le: 0.95}", event(score=0.9))
    assert not matches("sentiment.score: {ge: 0.5, le: 0.8}", event(score=0.9))


def test_evidence_names_the_matched_leaves():
    from .helpers import one_rule
    from feedback_nlp.rules import RuleEngine

    rs = one_rule("all: [{sentiment.label: negative}, {keyword: {term: 速度慢}}]")
    [d] = RuleEngine(rs, clock=lambda: T0).evaluate(event(keywords=[{}]))
    conds = d.evidence["conditions"]
    assert {"sentiment.label": "negative"} in conds
    assert conds[1]["keyword"][0]["term"] == "速度慢"
