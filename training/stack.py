"""Fit the stacked combination of member models on dev folds and write a ``kind: stacked`` directory.

    python -m training.stack --member linear=runs/linear-v4 --member bert=runs/bert-ft2/onnx \\
        [--member lexicon=lexicon] --out runs/stacked [--folds 5] [--C 1.0]

The combiner (``feedback_nlp/models/stacked.py``) has a handful of parameters per task; it is fitted
on the shared review dev split (the members never trained on it): P(positive) on every dev review,
causes and churn intent on the labelled dev rows. The non-review dev set is never used here, so its
numbers in ``training.evaluate`` stay fully held out. Review-dev numbers of the shipped combiner are
in-sample for those few parameters; ``cv_report.json`` gives the honest estimate: each of ``--folds``
folds (by a hash of the id) predicted by a combiner fitted on the other folds. The pooled cause
threshold is chosen on those out-of-fold predictions. Per task the fitted combiner is kept only when
its cross-fitted metric beats every member alone (binary sentiment accuracy, cause macro-F1, churn
``explicit`` F1); otherwise that task passes the best member's output through. Each member directory is copied in (``lexicon``
as a member means the lexicon-only scorer, with no files).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from feedback_nlp.models.base import Scores, decide, Thresholds
from feedback_nlp.models.registry import load_scorer
from feedback_nlp.models.stacked import (KIND, cause_features, combine, intent_features, member_arrays,
                                         member_thresholds, sentiment_features)
from feedback_nlp.pipeline import build_pipeline
from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, SENTIMENTS
from training.evaluate import MIN_SUPPORT_REVIEW, labelled_metrics
from training.labelled import Example, load_corpus
from training.linear import full_logits
from training.thresholds import best_threshold


def fold_of(example_id: str, folds: int) -> int:
    return int(hashlib.sha1(f"stack:{example_id}".encode("utf-8")).hexdigest(), 16) % folds


def member_predictions(scorers: dict, examples: list[Example], batch: int = 256) -> dict[str, tuple]:
    pipe = build_pipeline(model_dir=None)
    docs = [pipe.process(e.text) for e in examples]
    out = {}
    for name, scorer in scorers.items():
        scores: list[Scores] = []
        for s in range(0, len(docs), batch):
            scores += scorer.score(docs[s:s + batch])
        out[name] = member_arrays(scores)
    return out


def fit(preds: list[tuple], thresholds: list[np.ndarray], examples: list[Example], C: float) -> dict:
    """Combiner parameters from member predictions on ``examples`` (the cause threshold left at 0.5)."""
    sent = [p[0] for p in preds]
    y_pos = np.array([e.sentiment == "positive" for e in examples], int)
    m_s = LogisticRegression(C=C, max_iter=1000).fit(sentiment_features(sent), y_pos)
    lab = np.array([e.causes is not None for e in examples])
    cf = cause_features([p[1][lab] for p in preds], thresholds)
    Y = np.array([[c in e.causes for c in CAUSE_CODES] for e in examples if e.causes is not None], int)
    m_c = LogisticRegression(C=C, max_iter=1000).fit(cf.reshape(-1, cf.shape[2]), Y.reshape(-1))
    yi = np.array([CHURN_INTENTS.index(e.churn_intent) for e in examples if e.causes is not None])
    m_i = LogisticRegression(C=C, max_iter=2000).fit(intent_features([p[2][lab] for p in preds]), yi)
    w_i, b_i = full_logits(m_i, len(CHURN_INTENTS))
    return {"sentiment": {"coef": m_s.coef_[0].tolist(), "intercept": float(m_s.intercept_[0])},
            "causes": {"coef": m_c.coef_[0].tolist(), "intercept": float(m_c.intercept_[0]), "threshold": 0.5},
            "churn_intent": {"coef": w_i.T.tolist(), "intercept": b_i.tolist()}}


def results(sent, causes, intent, th: Thresholds) -> list[dict]:
    """The parts of the classify contract ``training.evaluate``'s metrics read."""
    out = []
    for i in range(len(sent)):
        d = decide(Scores(dict(zip(SENTIMENTS, sent[i])), dict(zip(CAUSE_CODES, causes[i])),
                          dict(zip(CHURN_INTENTS, intent[i]))), th)
        out.append({"sentiment": {"label": d.sentiment}, "causes": [{"code": c} for c, _ in d.causes],
                    "churn_intent": {"label": d.churn_intent}})
    return out


def cross_fitted(preds, thresholds, examples, folds: int, C: float):
    """Out-of-fold stacked probabilities on ``examples``."""
    n = len(examples)
    out = [np.zeros((n, len(SENTIMENTS))), np.zeros((n, len(CAUSE_CODES))), np.zeros((n, len(CHURN_INTENTS)))]
    fold = np.array([fold_of(e.id, folds) for e in examples])
    for k in range(folds):
        tr, te = fold != k, fold == k
        params = fit([tuple(a[tr] for a in p) for p in preds], thresholds, [e for e, t in zip(examples, tr) if t], C)
        for arr, got in zip(out, combine(params, *[[p[j][te] for p in preds] for j in range(3)], thresholds)):
            arr[te] = got
    return out


def report_of(examples: list[Example], sent, causes, intent, th: Thresholds) -> dict:
    res = results(sent, causes, intent, th)
    by_source: dict[str, list[bool]] = {}
    for e, r in zip(examples, res):
        by_source.setdefault(e.source, []).append((r["sentiment"]["label"] == "positive") == (e.sentiment == "positive"))
    lab = [i for i, e in enumerate(examples) if e.causes is not None]
    return {"sentiment_binary_accuracy": {s: round(float(np.mean(v)), 4) for s, v in sorted(by_source.items())},
            "labelled": labelled_metrics([examples[i] for i in lab], [res[i] for i in lab], MIN_SUPPORT_REVIEW)}


def passthrough(names: list[str], j: int) -> dict:
    """Parameters that reproduce member ``names[j]`` alone: its P(positive) and whole sentiment
    distribution, its cause probabilities at its own per-code thresholds, its churn-intent
    probabilities — so the member's own report (``members_alone``) is what it would score."""
    e = np.eye(len(names))[j].tolist()
    k = len(CHURN_INTENTS)
    coef_i = np.zeros((k, k * len(names)))
    coef_i[:, j * k:(j + 1) * k] = np.eye(k)
    return {"sentiment": {"coef": e, "intercept": 0.0}, "causes": {"member": names[j]},
            "churn_intent": {"coef": coef_i.tolist(), "intercept": [0.0] * k}}


def task_scores(rep: dict) -> dict[str, float]:
    """The dev metric each task is selected on."""
    b = rep["sentiment_binary_accuracy"]
    return {"sentiment": float(np.mean([b[s] for s in b])), "causes": rep["labelled"]["causes"]["macro_f1"] or 0.0,
            "churn_intent": rep["labelled"]["churn_explicit"]["f1"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.stack", description=__doc__.split("\n\n")[0])
    ap.add_argument("--member", action="append", required=True, help="NAME=MODEL_DIR (or NAME=lexicon)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--C", type=float, default=1.0, help="inverse L2 strength of the combiner regressions")
    a = ap.parse_args(argv)
    members = dict(m.split("=", 1) for m in a.member)
    scorers = {n: _lexicon() if p == "lexicon" else load_scorer(p) for n, p in members.items()}
    thresholds = [member_thresholds(s) for s in scorers.values()]
    dev = load_corpus(include_written=False).review_dev
    p = member_predictions(scorers, dev)
    preds = [p[n] for n in scorers]

    oof = cross_fitted(preds, thresholds, dev, a.folds, a.C)
    lab = np.array([e.causes is not None for e in dev])
    Y = np.array([[c in e.causes for c in CAUSE_CODES] for e in dev if e.causes is not None], int)
    threshold = best_threshold(oof[1][lab].reshape(-1), Y.reshape(-1), low=0.1)
    cv = report_of(dev, *oof, Thresholds(default=threshold))
    members_alone = {n: report_of(dev, *p[n], s.thresholds) for n, s in scorers.items()}  # each at its own thresholds

    params = fit(preds, thresholds, dev, a.C)
    params["causes"]["threshold"] = threshold
    # per task, keep whichever is best on the cross-fitted dev metric: the fitted combiner or a member alone
    best = {t: ("stacked", v) for t, v in task_scores(cv).items()}
    names = list(scorers)
    for j, n in enumerate(names):
        alone = passthrough(names, j)
        for t, v in task_scores(members_alone[n]).items():
            # a tie goes to the member: the combiner must beat every member alone to be kept
            if v > best[t][1] or (v == best[t][1] and best[t][0] == "stacked"):
                best[t] = (n, v)
                params[t] = alone[t]
    selection = {t: {"chosen": c, "cross_fitted_dev": round(v, 4)} for t, (c, v) in best.items()}
    print("selection:", json.dumps(selection))
    out = a.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    versions = {}
    for n, path in members.items():
        if path == "lexicon":
            (out / n).mkdir()
            (out / n / "model.json").write_text(json.dumps({"kind": "lexicon", "version": "lexicon"}), "utf-8")
        else:
            shutil.copytree(path, out / n, ignore=shutil.ignore_patterns("eval", "*.log"))
        versions[n] = scorers[n].version
    digest = hashlib.sha256(json.dumps([params, versions], sort_keys=True).encode()).hexdigest()[:8]
    meta = {"kind": KIND, "version": f"stacked-{digest}", "members": list(members),
            "member_versions": versions,
            "description": "member models combined by logistic regressions fitted on the review dev folds",
            "method": ("Stacking: per task, a logistic regression over the members' scores (P(positive) logits; "
                       "per-code margins over each member's own threshold, pooled over codes; churn-intent "
                       "log-probabilities), fitted on the shared review dev split with the cause threshold chosen on "
                       f"{a.folds}-fold cross-fitted predictions; a task keeps the fitted combiner only when its "
                       "cross-fitted dev metric beats every member alone, else it passes the best member through."),
            **params, "selection": selection, "config": {"folds": a.folds, "C": a.C, "fitted_on": "shared review dev split", "rows": len(dev),
                                 "labelled_rows": int(lab.sum())}}
    (out / "model.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), "utf-8")
    (out / "cv_report.json").write_text(json.dumps({"selection": selection, "cross_fitted_review_dev": cv, "members_alone_review_dev": members_alone,
                                                    "cause_threshold": threshold}, indent=2, ensure_ascii=False), "utf-8")
    print(json.dumps({"version": meta["version"], "cause_threshold": threshold, "sentiment": params["sentiment"],
                      "causes": params["causes"]}))
    for name, rep in [("stacked (cross-fitted)", cv)] + list(members_alone.items()):
        lab_m = rep["labelled"]
        print(f"{name:24s} binary {rep['sentiment_binary_accuracy']} cause macro {lab_m['causes']['macro_f1']} "
              f"explicit F1 {lab_m['churn_explicit']['f1']}")
    return 0


def _lexicon():
    from feedback_nlp.models.lexicon_scorer import LexiconScorer

    return LexiconScorer()


if __name__ == "__main__":
    raise SystemExit(main())
