"""Scorer for ``kind: stacked``: member models (the linear path, the ONNX BERT, the lexicon) combined by
small logistic regressions over their scores — stacking, fitted on dev folds by ``training/stack.py``.

A stacked directory holds one sub-directory per member (each a model directory of its own) and
``model.json``::

    {"kind": "stacked", "version": "...", "members": ["linear", "bert"],
     "sentiment":    {"coef": [a_linear, a_bert], "intercept": b},
     "causes":       {"coef": [a_linear, a_bert], "intercept": b, "threshold": t}
                     or {"member": "linear"},
     "churn_intent": {"coef": [[...], [...], [...]], "intercept": [..3..]}}

- sentiment: P(positive) = σ(Σ a_m · logit P_m(positive) + b); the rest is split between negative and
  neutral in the members' proportions weighted by |a_m|, so a member passed through alone
  (coefficients 1 and 0) keeps its whole distribution.
- causes: each member's *margin* for a code, logit P_m(code) − logit threshold_m(code), so every
  member's own per-code threshold is part of the evidence; one regression pooled over all codes gives
  P(code) = σ(Σ a_m · margin_m + b), and a code is chosen at ``threshold`` (tuned on dev folds).
  Pooling keeps it to a handful of numbers and lets codes with few dev examples share the fit.
  ``{"member": name}`` passes that member's cause probabilities and per-code thresholds through
  unchanged (its calibration included) when no combination beat it.
- churn intent: multinomial regression over the members' log-probabilities.

The feature functions below are the only definition of these features: training uses them too.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from feedback_nlp.document import Document
from feedback_nlp.models.base import Scorer, Scores, Thresholds
from feedback_nlp.models.linear import _sigmoid, _softmax, with_positive
from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, SENTIMENTS

KIND = "stacked"
EPS = 1e-4
POSITIVE = SENTIMENTS.index("positive")


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p) - np.log1p(-p)


def member_arrays(scores: list[Scores]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sentiment, causes, churn intent) probability arrays in taxonomy order."""
    s = np.array([[x.sentiment.get(k, 0.0) for k in SENTIMENTS] for x in scores], np.float64).reshape(-1, len(SENTIMENTS))
    c = np.array([[x.causes.get(k, 0.0) for k in CAUSE_CODES] for x in scores], np.float64).reshape(-1, len(CAUSE_CODES))
    i = np.array([[x.churn_intent.get(k, 0.0) for k in CHURN_INTENTS] for x in scores], np.float64).reshape(-1, len(CHURN_INTENTS))
    return s, c, i


def sentiment_features(sent: list[np.ndarray]) -> np.ndarray:
    """One column per member: logit P(positive)."""
    return np.stack([_logit(s[:, POSITIVE]) for s in sent], axis=1)


def cause_features(causes: list[np.ndarray], thresholds: list[np.ndarray]) -> np.ndarray:
    """Shape (n, codes, members): each member's margin over its own per-code threshold."""
    return np.stack([_logit(c) - _logit(t)[None, :] for c, t in zip(causes, thresholds)], axis=2)


def intent_features(intent: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.log(np.clip(i, EPS, 1.0)) for i in intent], axis=1)


def split_rest(sent: list[np.ndarray], p_pos: np.ndarray, coef) -> np.ndarray:
    """Full 3-way distribution: P(positive) from the stacker, the rest in the members' proportions
    weighted by the size of their coefficients (equal weights when all are zero)."""
    w = np.abs(np.asarray(coef, np.float64))
    w = w if w.sum() > 0 else np.ones_like(w)
    rest = [with_positive(s, np.zeros(len(s))) for s in sent]  # each member's own negative/neutral split
    return with_positive(np.average(rest, axis=0, weights=w), p_pos)


def combine(params: dict, sent: list[np.ndarray], causes: list[np.ndarray], intent: list[np.ndarray],
            thresholds: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stacked probabilities from member probabilities (the parameters as in ``model.json``)."""
    s = params["sentiment"]
    p_pos = _sigmoid(sentiment_features(sent) @ np.asarray(s["coef"]) + s["intercept"])
    c = params["causes"]
    if "member" in c:
        p_c = causes[c["member"]]  # the member's index here; StackedScorer maps the name
    else:
        p_c = _sigmoid(cause_features(causes, thresholds) @ np.asarray(c["coef"]) + c["intercept"])
    i = params["churn_intent"]
    p_i = _softmax(intent_features(intent) @ np.asarray(i["coef"]).T + np.asarray(i["intercept"]))
    return split_rest(sent, p_pos, s["coef"]), p_c, p_i


def member_thresholds(scorer: Scorer) -> np.ndarray:
    return np.array([scorer.thresholds.for_code(c) for c in CAUSE_CODES], np.float64)


class StackedScorer:
    """A :class:`~feedback_nlp.models.base.Scorer` over a stacked model directory."""

    def __init__(self, path: str | Path, load_member):
        path = Path(path)
        meta = json.loads((path / "model.json").read_text("utf-8"))
        if meta.get("kind") != KIND:
            raise ValueError(f"{path}: kind {meta.get('kind')!r}, expected {KIND!r}")
        self.version: str = meta["version"]
        self.params = {k: dict(meta[k]) for k in ("sentiment", "causes", "churn_intent")}
        names = list(meta["members"])
        passed = self.params["causes"].get("member")
        if passed is not None and passed not in names:
            raise ValueError(f"{path}: causes pass through {passed!r}, not a member ({', '.join(names)})")
        for task in ("sentiment",) + (() if passed is not None else ("causes",)):
            if len(self.params[task]["coef"]) != len(names):
                raise ValueError(f"{path}: {task} has {len(self.params[task]['coef'])} coefficients for {len(names)} members")
        self.members: dict[str, Scorer] = {m: load_member(path / m) for m in names}
        self.member_thresholds = [member_thresholds(s) for s in self.members.values()]
        if passed is not None:
            self.params["causes"]["member"] = names.index(passed)
            self.thresholds = self.members[passed].thresholds
        else:
            self.thresholds = Thresholds(default=float(meta["causes"]["threshold"]))

    def score(self, docs: list[Document]) -> list[Scores]:
        if not docs:
            return []
        arrays = [member_arrays(m.score(docs)) for m in self.members.values()]
        sent, causes, intent = combine(self.params, [a[0] for a in arrays], [a[1] for a in arrays],
                                       [a[2] for a in arrays], self.member_thresholds)
        return [Scores(
            sentiment={s: round(float(sent[i, k]), 4) for k, s in enumerate(SENTIMENTS)},
            causes={c: round(float(causes[i, k]), 4) for k, c in enumerate(CAUSE_CODES)},
            churn_intent={s: round(float(intent[i, k]), 4) for k, s in enumerate(CHURN_INTENTS)},
        ) for i in range(len(docs))]
