"""Train the fast linear path and export it for :class:`feedback_nlp.models.linear.LinearScorer`.

    python -m training.linear --out models/linear-v1 [--max-features 120000] [--seed 0]

Features are exactly the runtime's (``document_terms`` over the pipeline's document), so training
and serving cannot drift. One head per task, each calibrated on out-of-fold predictions of the
train set (temperature for sentiment and churn intent, Platt scaling per cause code); per-code
thresholds maximise F1 on those same out-of-fold probabilities. Dev sets are never touched here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from feedback_nlp.models.linear import document_terms
from feedback_nlp.pipeline import build_pipeline
from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, SENTIMENTS
from training.labelled import Corpus, Example, load_corpus
from training.thresholds import best_threshold

MIN_POSITIVES = 3
METHOD = ("Features: TF-IDF (sublinear tf, l2) over character 1-3-grams of the normalised, PII-masked text, "
          "jieba words and lexicon evidence (firing / negated keyword causes, churn phrases, praise). "
          "Heads: NB-weighted logistic regression for positive vs not (NBSVM), multinomial logistic regression "
          "splitting the rest between negative and neutral and for churn intent, one balanced logistic "
          "regression per cause code. Calibration on out-of-fold predictions of the train set: temperature "
          "scaling (sentiment, churn intent), Platt scaling per cause; per-code thresholds maximise F1 on the "
          "same out-of-fold probabilities. Runtime needs numpy only.")  # a cause code with fewer training positives is never predicted


def terms_of(examples: list[Example], pipe=None) -> list[list[str]]:
    pipe = pipe or build_pipeline(model_dir=None)
    out = []
    for ex in examples:
        out.append(document_terms(pipe.process(ex.text)))
    return out


def _identity(x):
    return x


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -float(logp[np.arange(len(y)), y].mean())
    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


def fit_platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    lr = LogisticRegression(C=1e4, max_iter=1000)
    lr.fit(z.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def full_logits(model: LogisticRegression, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) over all ``n_classes`` whatever classes the fold saw: a binary model becomes logits
    (0, z); a class never seen gets a large negative bias."""
    W = np.zeros((model.coef_.shape[1], n_classes), np.float32)
    b = np.full(n_classes, -30.0, np.float32)
    classes = list(model.classes_)
    if len(classes) == 2 and model.coef_.shape[0] == 1:
        W[:, classes[1]], b[classes[1]], b[classes[0]] = model.coef_[0], model.intercept_[0], 0.0
    else:
        for i, c in enumerate(classes):
            W[:, c], b[c] = model.coef_[i], model.intercept_[i]
    return W, b


def _oof_logits(make, X, y, folds: int, seed: int, n_classes: int) -> np.ndarray:
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    out = np.zeros((X.shape[0], n_classes), np.float64)
    for tr, te in skf.split(X, y):
        W, b = full_logits(make().fit(X[tr], y[tr]), n_classes)
        out[te] = X[te] @ W + b
    return out


def _oof_decision(make, X, y, folds: int, seed: int) -> np.ndarray:
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    out = None
    for tr, te in skf.split(X, y):
        m = make().fit(X[tr], y[tr])
        d = m.decision_function(X[te])
        if out is None:
            out = np.zeros((X.shape[0],) + d.shape[1:], np.float64)
        out[te] = d
    return out


def nb_ratios(X, y: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Naive-Bayes log-count ratios of binarised features (Wang & Manning 2012, NBSVM)."""
    Xb = (X > 0).astype(np.float32)
    p = np.asarray(Xb[y == 1].sum(0)).ravel() + alpha
    q = np.asarray(Xb[y == 0].sum(0)).ravel() + alpha
    return np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)


def sentiment_target(e: Example, labelled_weight: float, here_sentiment: str = "binary") -> tuple[str, float]:
    """(label, sample weight) of a row in the sentiment heads."""
    if e.binary_only:
        return e.sentiment, 1.0
    if e.labelled_here and here_sentiment == "binary":
        return e.binary_sentiment, 1.0  # picked for cause/intent uncertainty: a biased sentiment sample
    # the 3-way rows (read by annotators) weigh more than the binary review stars: they carry neutral
    return e.sentiment, labelled_weight


def balanced_written_weight(examples: list[Example]) -> float:
    """Weight of a written text in the cause and churn-intent heads such that the written texts together
    weigh as much as the reviews labelled by reading (1 each): neither register swamps the other as
    either file grows. 1.0 when either is missing."""
    written = sum(1 for e in examples if e.source == "written" and e.causes is not None)
    reviews = sum(1 for e in examples if e.source != "written" and e.causes is not None)
    return round(reviews / written, 3) if written and reviews else 1.0


def train(out: Path, max_features: int = 250_000, seed: int = 0, C_sent: float = 2.0, C_pos: float = 8.0, C_cause: float = 16.0,
          C_intent: float = 2.0, folds: int = 3, log=print, corpus: Corpus | None = None, min_df: int = 2,
          labelled_weight: float = 4.0, written_weight: float | None = None, here_sentiment: str = "binary") -> dict:
    started = time.time()
    corpus = corpus or load_corpus()
    for r in corpus.reports:
        log(str(r))
    train_ex = corpus.train
    pipe = build_pipeline(model_dir=None)
    t0 = time.time()
    terms = terms_of(train_ex, pipe)
    log(f"featurised {len(train_ex)} training texts in {time.time() - t0:.0f}s")
    vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=min_df, max_features=max_features, dtype=np.float32)
    X = vec.fit_transform(terms).tocsr()
    log(f"features: {X.shape[1]}")

    # sentiment: every row (binary reviews as positive/negative; 3-way where labelled)
    s_idx = np.array([i for i, e in enumerate(train_ex) if e.sentiment is not None])
    labels_weights = [sentiment_target(train_ex[i], labelled_weight, here_sentiment) for i in s_idx]
    ys = np.array([SENTIMENTS.index(lab) for lab, _ in labels_weights])
    sw = np.array([w for _, w in labels_weights])
    make_s = lambda: LogisticRegression(C=C_sent, max_iter=300, random_state=seed)  # noqa: E731
    w_s, b_s = full_logits(make_s().fit(X[s_idx], ys, sample_weight=sw), len(SENTIMENTS))
    oof = _oof_logits(make_s, X[s_idx], ys, folds, seed, len(SENTIMENTS))
    t_sent = fit_temperature(oof, ys)
    log(f"sentiment head: {len(s_idx)} rows, temperature {t_sent:.3f}")

    # positive-vs-not head (NB-weighted logistic regression): decides P(positive); the 3-way head only
    # splits the rest between negative and neutral. The NB log-count ratios fold into the weights.
    ypos = (ys == SENTIMENTS.index("positive")).astype(int)
    Xs = X[s_idx]
    r = nb_ratios(Xs, ypos)
    Xr = Xs.multiply(r).tocsr()
    make_p = lambda: LogisticRegression(C=C_pos, max_iter=1000, solver="liblinear")  # noqa: E731
    m_pos = make_p().fit(Xr, ypos, sample_weight=sw)
    w_p, b_p = (m_pos.coef_[0] * r).astype(np.float32), float(m_pos.intercept_[0])
    z = _oof_decision(make_p, Xr, ypos, folds, seed)
    platt_pos = fit_platt(z, ypos)
    log(f"positive head: C={C_pos}, Platt {platt_pos[0]:.3f} {platt_pos[1]:.3f}")

    # causes: rows labelled by reading
    c_idx = np.array([i for i, e in enumerate(train_ex) if e.causes is not None])
    # texts written here (other registers) weigh more in the cause and churn-intent heads, so the many
    # labelled reviews do not swamp them
    if written_weight is None:
        written_weight = balanced_written_weight(train_ex)
        log(f"written texts weigh {written_weight:.3f} (together as much as the labelled reviews)")
    register_weight = np.array([written_weight if e.source == "written" else 1.0 for e in train_ex])
    cw = register_weight[c_idx]
    Xc = X[c_idx]
    Y = np.array([[int(code in train_ex[i].causes) for code in CAUSE_CODES] for i in c_idx])
    w_c = np.zeros((X.shape[1], len(CAUSE_CODES)), np.float32)
    b_c = np.full(len(CAUSE_CODES), -12.0, np.float32)
    platt = np.tile(np.array([1.0, 0.0], np.float32), (len(CAUSE_CODES), 1))
    thresholds: dict[str, float] = {}
    for k, code in enumerate(CAUSE_CODES):
        y = Y[:, k]
        if y.sum() < MIN_POSITIVES:
            thresholds[code] = 1.0
            log(f"cause {code}: {int(y.sum())} positives — never predicted")
            continue
        make_c = lambda: LogisticRegression(C=C_cause, max_iter=500, class_weight="balanced", random_state=seed)  # noqa: E731
        m = make_c().fit(Xc, y, sample_weight=cw)
        w_c[:, k], b_c[k] = m.coef_[0], m.intercept_[0]
        z = _oof_decision(make_c, Xc, y, min(5, int(y.sum())), seed)
        a, b = fit_platt(z, y)
        platt[k] = (a, b)
        p = 1 / (1 + np.exp(-(a * z + b)))
        thresholds[code] = best_threshold(p, y, low=0.1)
        log(f"cause {code}: {int(y.sum())} positives, threshold {thresholds[code]}")

    # churn intent
    i_idx = np.array([i for i, e in enumerate(train_ex) if e.churn_intent is not None])
    yi = np.array([CHURN_INTENTS.index(train_ex[i].churn_intent) for i in i_idx])
    make_i = lambda: LogisticRegression(C=C_intent, max_iter=500, class_weight="balanced", random_state=seed)  # noqa: E731
    w_i, b_i = full_logits(make_i().fit(X[i_idx], yi, sample_weight=register_weight[i_idx]), len(CHURN_INTENTS))
    t_int = fit_temperature(_oof_logits(make_i, X[i_idx], yi, folds, seed, len(CHURN_INTENTS)), yi)
    log(f"churn-intent head: {len(i_idx)} rows, temperature {t_int:.3f}")

    out.mkdir(parents=True, exist_ok=True)
    vocab = {t: int(j) for t, j in vec.vocabulary_.items()}
    np.savez_compressed(
        out / "linear.npz",
        idf=vec.idf_.astype(np.float32),
        w_sentiment=w_s.astype(np.float16), b_sentiment=b_s,
        w_positive=w_p.astype(np.float16), b_positive=np.float32(b_p), platt_positive=np.array(platt_pos, np.float32),
        w_causes=w_c.astype(np.float16), b_causes=b_c,
        w_intent=w_i.astype(np.float16), b_intent=b_i,
        t_sentiment=np.float32(t_sent), t_intent=np.float32(t_int), platt_causes=platt,
    )
    (out / "vocabulary.json").write_text(json.dumps(vocab, ensure_ascii=False), "utf-8")
    digest = hashlib.sha256((out / "linear.npz").read_bytes()).hexdigest()[:8]
    config = {"max_features": max_features, "seed": seed, "C_sentiment": C_sent, "C_positive": C_pos, "labelled_weight": labelled_weight,
              "written_weight": written_weight, "here_sentiment": here_sentiment, "C_causes": C_cause,
              "C_intent": C_intent, "folds": folds, "train_rows": len(train_ex), "sentiment_rows": len(s_idx),
              "cause_rows": len(c_idx), "intent_rows": len(i_idx), "features": int(X.shape[1]),
              "seconds": round(time.time() - started, 1)}
    meta = {
        "kind": "linear", "version": f"linear-{digest}",
        "description": "the fast linear path: TF-IDF features, one calibrated linear head per task, numpy at run time",
        "method": METHOD,
        "labels": {"sentiment": list(SENTIMENTS), "causes": list(CAUSE_CODES), "churn_intent": list(CHURN_INTENTS)},
        "thresholds": thresholds, "default_threshold": 0.5, "config": config,
    }
    (out / "model.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), "utf-8")
    log(f"wrote {out} ({meta['version']}) in {config['seconds']}s")
    return meta


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Train and export the linear fast path.")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--max-features", type=int, default=250_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--written-weight", type=float, default=None,
                    help="sample weight of texts written here in the cause and churn-intent heads (reviews: 1); "
                         "default: balanced, the written texts together weigh as much as the labelled reviews")
    ap.add_argument("--here-sentiment", choices=("binary", "read"), default="binary",
                    help="sentiment of the reviews labelled here in the sentiment heads: their positive/negative "
                         "review label at weight 1 (default), or the 3-way read label weighted like the shared sample")
    args = ap.parse_args(argv)
    train(args.out, args.max_features, args.seed, folds=args.folds, written_weight=args.written_weight,
          here_sentiment=args.here_sentiment)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
