"""Negation, degree and contrast over the shipped lexicon: at least 40 phrases."""

import pytest

from feedback_nlp.lexicon import LexiconMatcher, load_lexicon
from feedback_nlp.paths import default_lexicon_path
from feedback_nlp.text.normalize import normalize
from feedback_nlp.text.segment import segment


@pytest.fixture(scope="module")
def matcher():
    return LexiconMatcher(load_lexicon(default_lexicon_path()))


def fired(matcher, text):
    n = normalize(text).text
    hits, _, _ = matcher.match(n, segment(n))
    return {h.cause for h in hits if h.fires}, hits


# (text, causes that must fire)
CASES = [
    # plain negation of a complaint word: nothing fires
    ("不慢", set()),
    ("送得不慢", set()),
    ("并不贵", set()),
    ("价格并不贵", set()),
    ("一点也不贵", set()),
    ("没有任何问题", set()),
    ("没问题", set()),
    ("质量没毛病", set()),
    ("一点都不慢", set()),
    ("从来不慢", set()),
    ("真的不贵啊", set()),
    ("不算贵", set()),
    ("不是很贵", set()),
    ("物流不怎么慢", set()),
    ("毫无问题", set()),
    # negated praise: the opposite fires
    ("不太快", {"logistics"}),
    ("送餐不快", {"logistics"}),
    ("一点都不便宜", {"price_value"}),
    ("一点也不便宜", {"price_value"}),
    ("不怎么好吃", {"product_quality"}),
    ("不好吃", {"product_quality"}),
    ("一点都不好吃", {"product_quality"}),
    ("并不便宜", {"price_value"}),
    ("送得不及时", {"logistics"}),
    ("服务员不热情", {"service"}),
    # double negation cancels
    ("不是不好吃", set()),
    ("不是不便宜", set()),
    # complaints with degree adverbs fire
    ("太慢了", {"logistics"}),
    ("非常贵", {"price_value"}),
    ("有点慢", {"logistics"}),
    ("好慢啊", {"logistics"}),
    ("速度慢", {"logistics"}),
    ("时间久", {"logistics"}),
    # contrast: complaints in either clause still fire (they are complaints), praise does not
    ("虽然价格贵，但是质量很好", {"price_value"}),
    ("味道不错，就是送餐慢", {"logistics"}),
    ("虽然不贵，但是很难吃", {"product_quality"}),
    ("虽然送得不慢，但是客服态度差", {"service"}),
    ("东西便宜，不过物流太慢", {"logistics"}),
    ("快递很快，可是一点都不便宜", {"price_value"}),
    # negation does not cross a clause boundary
    ("不知道为什么，送得太慢", {"logistics"}),
    ("没想到这么慢", {"logistics"}),
    ("不仅慢而且贵", {"logistics", "price_value"}),
    # single characters inside unrelated words do not fire
    ("贵州的朋友推荐的", set()),
    ("出差住了一晚", set()),
    ("差不多吧", set()),
    ("慢慢来不着急", set()),
    ("贵宾服务", set()),
    # hidden characters and spacing used to dodge the filter
    ("速\u200b度\u200b慢", {"logistics"}),
    ("速 度 慢", {"logistics"}),
    ("送餐慢！！！", {"logistics"}),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_phrase(matcher, text, expected):
    causes, hits = fired(matcher, text)
    assert causes == expected, [(h.term, h.negated, h.fires) for h in hits]


def test_at_least_forty_phrases():
    assert len(CASES) >= 40


def test_negated_hits_are_reported_with_flag(matcher):
    _, hits = fired(matcher, "并不贵")
    assert [(h.term, h.negated, h.fires) for h in hits] == [("贵", True, False)]


def test_concession_halves_weight(matcher):
    _, hits = fired(matcher, "虽然价格贵，但是质量很好")
    assert hits[0].weight == 0.5
    _, hits = fired(matcher, "价格贵")
    assert hits[0].weight == 1.0


def test_degree_adjusts_severity(matcher):
    sev = lambda t: fired(matcher, t)[1][0].severity  # noqa: E731
    assert sev("太慢了") == sev("慢") + 1
    assert sev("一点都不便宜") == 2 and sev("不太便宜") == 1
