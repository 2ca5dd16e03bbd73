"""The linear fast path: train on a tiny corpus, export, load with numpy only, classify."""

import json

import pytest

from feedback_nlp.models.base import Scores, Thresholds, decide
from feedback_nlp.models.linear import LinearScorer
from feedback_nlp.pipeline import build_pipeline
from feedback_nlp.taxonomy import CAUSE_CODES
from training.labelled import Corpus, Example
from training.linear import train

LOGISTICS = ["送得太慢了", "配送超时一个小时", "快递三天还没到", "外卖送了两个小时", "物流太慢", "骑手送错地址了",
             "送餐慢得要命", "等了好久才送到", "快递一直不动", "配送员迟到很久"]
SERVICE = ["客服态度很差", "客服一直不回复", "售后推来推去", "客服不理人", "投诉没人处理", "客服敷衍了事",
           "打客服电话没人接", "售后拖着不处理", "客服说话很冲", "问题反映了没人管"]
PRAISE = ["很好吃下次还来", "非常满意", "东西不错", "质量很好推荐", "服务周到", "好评", "味道很棒", "很喜欢",
          "包装精美", "超值"]


def tiny_corpus():
    train_ex = []
    for i, t in enumerate(LOGISTICS):
        train_ex.append(Example(f"l{i}", t, "written", "negative", ["logistics"], "explicit" if i % 2 else "none"))
    for i, t in enumerate(SERVICE):
        train_ex.append(Example(f"s{i}", t, "written", "negative", ["service"], "risk" if i % 2 else "none"))
    for i, t in enumerate(PRAISE):
        train_ex.append(Example(f"p{i}", t, "written", "positive", [], "none"))
    return Corpus(train=train_ex, review_dev=[], nonreview_dev=[], reports=[])


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("linear")
    train(out, corpus=tiny_corpus(), folds=2, min_df=1, log=lambda *_: None)
    return out


def test_export_files_and_manifest(model_dir):
    meta = json.loads((model_dir / "model.json").read_text("utf-8"))
    assert meta["kind"] == "linear" and meta["version"].startswith("linear-")
    assert meta["labels"]["causes"] == list(CAUSE_CODES)
    assert meta["thresholds"]["need_change"] == 1.0  # no positives: never predicted
    assert 0.1 <= meta["thresholds"]["logistics"] <= 0.9


def test_pipeline_uses_linear_model(model_dir):
    pipe = build_pipeline(model_dir=model_dir)
    assert pipe.model_version.startswith("linear-")
    res = pipe.classify("送得太慢了")
    assert res["causes"] and res["causes"][0]["code"] == "logistics"
    assert res["sentiment"]["label"] == "negative"
    good = pipe.classify("很好吃下次还来")
    assert good["causes"] == [] and good["sentiment"]["label"] == "positive"
    assert abs(sum(res["sentiment"]["scores"].values()) - 1) < 1e-3


def test_loading_rejects_mismatched_labels(model_dir, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in LinearScorer.FILES:
        (bad / f).write_bytes((model_dir / f).read_bytes())
    meta = json.loads((bad / "model.json").read_text("utf-8"))
    meta["labels"]["causes"] = meta["labels"]["causes"][:-1]
    (bad / "model.json").write_text(json.dumps(meta), "utf-8")
    with pytest.raises(ValueError, match="do not match the taxonomy"):
        LinearScorer(bad)


def test_thresholds_applied_as_documented():
    causes = dict.fromkeys(CAUSE_CODES, 0.0)
    causes.update({"logistics": 0.45, "service": 0.7, "price_value": 0.3, "other": 0.9})
    scores = Scores(sentiment={"negative": 0.8, "neutral": 0.1, "positive": 0.1}, causes=causes,
                    churn_intent={"none": 0.2, "risk": 0.5, "explicit": 0.3})
    d = decide(scores, Thresholds(causes={"logistics": 0.4, "service": 0.75}, default=0.5))
    # logistics passes its own 0.4; service misses its 0.75; other passes but is exclusive
    assert d.causes == [("logistics", 0.45)]
    assert d.sentiment == "negative" and d.churn_intent == "risk"
    only_other = decide(Scores(scores.sentiment, dict(causes, logistics=0.1), scores.churn_intent),
                        Thresholds(causes={"logistics": 0.4, "service": 0.75}))
    assert only_other.causes == [("other", 0.9)]


def test_positive_head_decides_p_positive_and_the_three_way_head_splits_the_rest():
    import numpy as np

    from feedback_nlp.models.linear import LinearHeads

    n_feat = 4
    arrays = {
        "w_sentiment": np.zeros((n_feat, 3), np.float16), "b_sentiment": np.log(np.array([0.6, 0.2, 0.2], np.float32)),
        "w_causes": np.zeros((n_feat, len(CAUSE_CODES)), np.float16), "b_causes": np.zeros(len(CAUSE_CODES), np.float32),
        "w_intent": np.zeros((n_feat, 3), np.float16), "b_intent": np.zeros(3, np.float32),
        "t_sentiment": np.float32(1.0), "t_intent": np.float32(1.0),
        "platt_causes": np.tile(np.array([1.0, 0.0], np.float32), (len(CAUSE_CODES), 1)),
        "w_positive": np.array([2.0, 0, 0, 0], np.float16), "b_positive": np.float32(0.0),
        "platt_positive": np.array([1.0, 0.0], np.float32),
    }
    heads = LinearHeads(arrays)
    rows = [(np.array([0]), np.array([1.0], np.float32)), (np.zeros(0, np.int64), np.zeros(0, np.float32))]
    sent, _c, _i = heads.predict(rows)
    p = 1 / (1 + np.exp(-2.0))
    # row 0: P(positive) = σ(2); negative:neutral keep the 3-way head's 0.6:0.2
    assert sent[0] == pytest.approx([(1 - p) * 0.75, (1 - p) * 0.25, p], abs=1e-5)
    # row 1 (no features): P(positive) = σ(0) = 0.5
    assert sent[1] == pytest.approx([0.375, 0.125, 0.5], abs=1e-5)
    assert sent.sum(axis=1) == pytest.approx([1.0, 1.0])
    # without the optional head the 3-way head alone decides (older model directories)
    for k in ("w_positive", "b_positive", "platt_positive"):
        arrays.pop(k)
    sent, _c, _i = LinearHeads(arrays).predict(rows)
    assert sent[0] == pytest.approx([0.6, 0.2, 0.2], abs=1e-5)


def test_nb_ratios_sign_follows_the_class():
    import numpy as np
    from scipy.sparse import csr_matrix

    from training.linear import nb_ratios

    X = csr_matrix(np.array([[1, 0, 1], [1, 0, 1], [0, 1, 1], [0, 1, 1]], np.float32))
    r = nb_ratios(X, np.array([1, 1, 0, 0]))
    assert r[0] > 0 > r[1] and abs(r[2]) < 1e-6


def test_training_entry_point_dispatches_classifier_stages(capsys):
    from training.__main__ import CLASSIFIER_STAGES, main

    assert {"train-linear", "finetune", "export", "evaluate"} <= set(CLASSIFIER_STAGES)
    with pytest.raises(SystemExit) as exc:
        main(["evaluate", "--help"])
    assert exc.value.code == 0
    assert "--model" in capsys.readouterr().out


def test_sentiment_target_of_rows_labelled_here():
    from training.labelled import Example
    from training.linear import sentiment_target

    binary = Example(id="1", text="x", source="hotel", sentiment="positive", binary_only=True)
    shared = Example(id="2", text="x", source="hotel", sentiment="neutral", causes=[], churn_intent="none")
    here = Example(id="3", text="x", source="hotel", sentiment="neutral", causes=["price_value"], churn_intent="none",
                   labelled_here=True, binary_sentiment="positive")
    assert sentiment_target(binary, 4.0) == ("positive", 1.0)
    assert sentiment_target(shared, 4.0) == ("neutral", 4.0)
    assert sentiment_target(here, 4.0) == ("positive", 1.0)  # default: the review's own label, unweighted
    assert sentiment_target(here, 4.0, "read") == ("neutral", 4.0)


def test_balanced_written_weight_makes_registers_weigh_the_same():
    from training.linear import balanced_written_weight

    rows = [Example(f"r{i}", "送得太慢了", "waimai", "negative", ["logistics"], "none") for i in range(9)]
    rows += [Example(f"b{i}", "好吃", "waimai", "positive", binary_only=True) for i in range(50)]  # no causes: not counted
    rows += [Example(f"w{i}", "客服不理人", "written", "negative", ["service"], "none") for i in range(3)]
    assert balanced_written_weight(rows) == 3.0
    assert balanced_written_weight(rows[:9]) == 1.0  # no written texts
    assert balanced_written_weight(rows[-3:]) == 1.0  # no labelled reviews
