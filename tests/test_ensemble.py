"""The ensemble averages its members' probabilities with per-task weights."""

import json

import pytest

from feedback_nlp.models.registry import load_scorer
from feedback_nlp.pipeline import build_pipeline


def _member(path, kind="lexicon"):
    path.mkdir(parents=True)
    (path / "model.json").write_text(json.dumps({"kind": kind, "version": path.name}), "utf-8")


def test_weighted_average_and_per_task_weights(tmp_path):
    root = tmp_path / "ens"
    _member(root / "a")
    _member(root / "b")
    (root / "model.json").write_text(json.dumps({
        "kind": "ensemble", "version": "ens-1", "members": {"a": 1, "b": 3},
        "weights": {"causes": {"a": 1, "b": 0}}, "thresholds": {"logistics": 0.3},
    }), "utf-8")
    scorer = load_scorer(root)
    assert scorer.version == "ens-1"
    assert scorer.weights["sentiment"] == {"a": 0.25, "b": 0.75}
    assert scorer.weights["causes"] == {"a": 1.0, "b": 0.0}
    pipe = build_pipeline(model_dir=root)
    doc = pipe.process("送得太慢了，再也不点了")
    member = scorer.members["a"].score([doc])[0]
    mixed = scorer.score([doc])[0]
    # identical members: the average equals each member's probabilities
    assert mixed.sentiment == pytest.approx(member.sentiment, abs=1e-4)
    assert mixed.causes["logistics"] == pytest.approx(member.causes["logistics"], abs=1e-4)
    res = pipe.classify("送得太慢了")
    assert res["model_version"] == "ens-1" and res["causes"][0]["code"] == "logistics"


def test_zero_weights_rejected(tmp_path):
    root = tmp_path / "ens"
    _member(root / "a")
    (root / "model.json").write_text(json.dumps({"kind": "ensemble", "version": "x", "members": {"a": 0}}), "utf-8")
    with pytest.raises(ValueError, match="sum to zero"):
        load_scorer(root)
