"""The stacked scorer: members' scores combined by the documented regressions; and its fitting."""

import json

import numpy as np
import pytest

from feedback_nlp.models.base import decide
from feedback_nlp.models.registry import load_scorer
from feedback_nlp.models.stacked import StackedScorer, combine
from feedback_nlp.pipeline import build_pipeline
from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, SENTIMENTS


def _stacked_dir(root, sentiment_coef=(1.0, 0.0), cause_coef=(1.0, 0.0), threshold=0.5, causes=None):
    for m in ("a", "b"):
        (root / m).mkdir(parents=True)
        (root / m / "model.json").write_text(json.dumps({"kind": "lexicon", "version": m}), "utf-8")
    eye = np.eye(3)
    (root / "model.json").write_text(json.dumps({
        "kind": "stacked", "version": "stacked-test", "members": ["a", "b"],
        "sentiment": {"coef": list(sentiment_coef), "intercept": 0.0},
        "causes": causes or {"coef": list(cause_coef), "intercept": 0.0, "threshold": threshold},
        # intent: member a's log-probabilities passed through unchanged
        "churn_intent": {"coef": np.hstack([eye, 0 * eye]).tolist(), "intercept": [0.0, 0.0, 0.0]},
    }), "utf-8")
    return root


def test_identity_weights_reproduce_a_member(tmp_path):
    root = _stacked_dir(tmp_path / "st")
    scorer = load_scorer(root)
    assert isinstance(scorer, StackedScorer) and scorer.version == "stacked-test"
    pipe = build_pipeline(model_dir=root)
    docs = [pipe.process(t) for t in ("送得太慢了，再也不点了", "很好吃，下次还来", "一般")]
    member = scorer.members["a"].score(docs)
    got = scorer.score(docs)
    th = scorer.members["a"].thresholds
    for m, g in zip(member, got):
        # coefficient 1 on a's logit: P(positive) is a's, clipped at 1e-4
        assert g.sentiment["positive"] == pytest.approx(np.clip(m.sentiment["positive"], 1e-4, 1 - 1e-4), abs=2e-4)
        assert g.churn_intent == pytest.approx(m.churn_intent, abs=2e-3)
        # cause = σ(margin over a's own threshold): over 0.5 exactly when a's decision passes
        for c in CAUSE_CODES:
            assert (g.causes[c] >= 0.5) == (m.causes[c] >= th.for_code(c)) or abs(m.causes[c] - th.for_code(c)) < 1e-3
    res = pipe.classify("送得太慢了")
    assert res["model_version"] == "stacked-test" and res["causes"][0]["code"] == "logistics"


def test_combine_formula():
    sent_a = np.array([[0.2, 0.2, 0.6]])
    sent_b = np.array([[0.1, 0.3, 0.6]])
    causes = [np.full((1, len(CAUSE_CODES)), 0.8), np.full((1, len(CAUSE_CODES)), 0.2)]
    th = [np.full(len(CAUSE_CODES), 0.5), np.full(len(CAUSE_CODES), 0.2)]
    intent = [np.array([[0.7, 0.2, 0.1]]), np.array([[0.6, 0.3, 0.1]])]
    params = {"sentiment": {"coef": [0.5, 0.5], "intercept": 0.0},
              "causes": {"coef": [1.0, 1.0], "intercept": -1.0, "threshold": 0.5},
              "churn_intent": {"coef": np.zeros((3, 6)).tolist(), "intercept": [1.0, 0.0, 0.0]}}
    s, c, i = combine(params, [sent_a, sent_b], causes, intent, th)
    logit = np.log(0.6 / 0.4)
    p = 1 / (1 + np.exp(-logit))
    assert s[0, SENTIMENTS.index("positive")] == pytest.approx(p)
    # equal coefficients: the rest split in the members' mean proportion, negative (0.5 + 0.25)/2
    assert s[0, SENTIMENTS.index("negative")] == pytest.approx((1 - p) * 0.375)
    # one member passed through (coefficients 1, 0): its whole distribution, not a blend
    params["sentiment"] = {"coef": [0.0, 1.0], "intercept": 0.0}
    s, _, _ = combine(params, [sent_a, sent_b], causes, intent, th)
    assert s[0] == pytest.approx(sent_b[0])
    # cause margins: logit .8 - logit .5 and logit .2 - logit .2 → σ(logit .8 − 1)
    assert c[0, 0] == pytest.approx(1 / (1 + np.exp(-(np.log(4) - 1))))
    e = np.exp([1.0, 0.0, 0.0])
    assert i[0] == pytest.approx(e / e.sum())


def test_cause_passthrough_keeps_the_members_probabilities_and_thresholds(tmp_path):
    root = _stacked_dir(tmp_path / "st", causes={"member": "b"})
    scorer = load_scorer(root)
    pipe = build_pipeline(model_dir=root)
    docs = [pipe.process(t) for t in ("送得太慢了，再也不点了", "价格太贵了，分量还少", "客服不理人")]
    member = scorer.members["b"].score(docs)
    for m, g in zip(member, scorer.score(docs)):
        assert g.causes == pytest.approx(m.causes, abs=1e-4)  # calibrated probabilities, not σ(margin)
    assert scorer.thresholds is scorer.members["b"].thresholds
    bad = _stacked_dir(tmp_path / "bad", causes={"member": "c"})
    with pytest.raises(ValueError, match="causes pass through 'c', not a member"):
        load_scorer(bad)


def test_mismatched_coefficients_rejected(tmp_path):
    root = _stacked_dir(tmp_path / "st", sentiment_coef=(1.0,))
    with pytest.raises(ValueError, match="sentiment has 1 coefficients for 2 members"):
        load_scorer(root)


def test_fit_weights_the_informative_member_and_cross_fits():
    from training.labelled import Example
    from training.stack import cross_fitted, fit

    rng = np.random.default_rng(0)
    n = 400
    y = rng.integers(0, 2, n)
    exs = [Example(id=str(k), text="x", source="waimai", sentiment="positive" if y[k] else "negative",
                   causes=["logistics"] if y[k] else ["service"], churn_intent="explicit" if y[k] else "none")
           for k in range(n)]

    def member(signal):
        p = np.clip(0.5 + signal * (y - 0.5) + rng.normal(0, 0.15, n), 0.01, 0.99)
        sent = np.stack([1 - p, np.zeros(n), p], 1)
        causes = np.full((n, len(CAUSE_CODES)), 0.01)
        causes[:, CAUSE_CODES.index("logistics")] = p
        causes[:, CAUSE_CODES.index("service")] = 1 - p
        intent = np.stack([1 - p, np.zeros(n) + 0.01, p], 1)
        return sent, causes, intent / intent.sum(1, keepdims=True)

    preds = [member(0.8), member(0.0)]  # a informative, b noise
    th = [np.full(len(CAUSE_CODES), 0.5)] * 2
    params = fit(preds, th, exs, C=1.0)
    assert params["sentiment"]["coef"][0] > 5 * abs(params["sentiment"]["coef"][1])
    assert params["causes"]["coef"][0] > 5 * abs(params["causes"]["coef"][1])
    s, c, i = cross_fitted(preds, th, exs, folds=5, C=1.0)
    assert s.shape == (n, 3) and c.shape == (n, len(CAUSE_CODES)) and i.shape == (n, 3)
    acc = np.mean((s[:, SENTIMENTS.index("positive")] > 0.5) == (y == 1))
    assert acc > 0.9
    assert np.mean((i.argmax(1) == CHURN_INTENTS.index("explicit")) == (y == 1)) > 0.9
