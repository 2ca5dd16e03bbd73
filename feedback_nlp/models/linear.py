"""The fast path: TF-IDF over jieba words, character n-grams and lexicon evidence → linear heads.

Runs with numpy alone (no scikit-learn, no PyTorch at run time): the trainer
(``training/linear.py``) exports the vocabulary, idf weights, coefficients, calibration and
per-code thresholds, and this module recomputes the same features and probabilities.

Features of a document (``terms``):
- ``c:`` character 1–3-grams of the model text (normalised, PII-masked), spaces excluded;
- ``w:`` jieba words;
- ``L:<cause>`` per firing lexicon keyword, ``N:<cause>`` per negated one, ``I:<intent>`` per churn
  phrase, ``P`` per praise word — the operator lexicon as evidence the model can weigh.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from feedback_nlp.document import Document
from feedback_nlp.models.base import Scores, Thresholds
from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, SENTIMENTS

CHAR_NGRAMS = (1, 2, 3)


def document_terms(doc: Document) -> list[str]:
    text = doc.model_text
    terms: list[str] = []
    for n in CHAR_NGRAMS:
        for i in range(len(text) - n + 1):
            gram = text[i:i + n]
            if " " not in gram:
                terms.append("c:" + gram)
    terms.extend("w:" + t.text for t in doc.tokens if not t.text.isspace())
    for h in doc.keywords:
        terms.append(("L:" if h.fires else "N:") + h.cause)
    terms.extend("I:" + ih.intent for ih in doc.intents)
    terms.extend("P" for _ in doc.praise)
    return terms


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def with_positive(sent: np.ndarray, p_pos: np.ndarray) -> np.ndarray:
    """A 3-way distribution whose P(positive) is ``p_pos``, the rest split as in ``sent``."""
    pos = SENTIMENTS.index("positive")
    rest = np.delete(sent, pos, axis=1)
    rest = rest / np.maximum(rest.sum(axis=1, keepdims=True), 1e-12) * (1.0 - p_pos)[:, None]
    return np.insert(rest, pos, p_pos, axis=1)


class TfidfFeatures:
    """Sublinear-tf TF-IDF with l2 normalisation, as scikit-learn's ``TfidfVectorizer`` computes it."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray):
        self.vocabulary = vocabulary
        self.idf = idf.astype(np.float32)

    def transform(self, term_lists: list[list[str]]) -> list[tuple[np.ndarray, np.ndarray]]:
        rows = []
        vocab = self.vocabulary
        for terms in term_lists:
            counts: dict[int, int] = {}
            for t in terms:
                j = vocab.get(t)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                rows.append((np.zeros(0, np.int64), np.zeros(0, np.float32)))
                continue
            idx = np.fromiter(counts.keys(), np.int64, len(counts))
            tf = np.fromiter(counts.values(), np.float32, len(counts))
            val = (1.0 + np.log(tf)) * self.idf[idx]
            val /= max(float(np.sqrt((val * val).sum())), 1e-12)
            rows.append((idx, val))
        return rows


class LinearHeads:
    """Coefficients of the three heads plus calibration (temperature for softmax heads, Platt a/b per cause)."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.w_sent, self.b_sent = arrays["w_sentiment"].astype(np.float32), arrays["b_sentiment"]
        self.w_cause, self.b_cause = arrays["w_causes"].astype(np.float32), arrays["b_causes"]
        self.w_int, self.b_int = arrays["w_intent"].astype(np.float32), arrays["b_intent"]
        self.t_sent = float(arrays["t_sentiment"])
        self.t_int = float(arrays["t_intent"])
        self.platt = arrays["platt_causes"]  # shape (n_causes, 2): a, b
        # optional positive-vs-not head: it decides P(positive), the 3-way head splits the rest
        self.w_pos = arrays["w_positive"].astype(np.float32)[:, None] if "w_positive" in arrays else None
        if self.w_pos is not None:
            self.b_pos = np.atleast_1d(arrays["b_positive"]).astype(np.float32)
            self.platt_pos = arrays["platt_positive"]

    @staticmethod
    def _dot(rows: list[tuple[np.ndarray, np.ndarray]], w: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.empty((len(rows), w.shape[1]), np.float32)
        for i, (idx, val) in enumerate(rows):
            out[i] = val @ w[idx] if len(idx) else 0.0
        return out + b

    def predict(self, rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        sent = _softmax(self._dot(rows, self.w_sent, self.b_sent) / self.t_sent)
        if self.w_pos is not None:
            p = _sigmoid(self._dot(rows, self.w_pos, self.b_pos)[:, 0] * self.platt_pos[0] + self.platt_pos[1])
            sent = with_positive(sent, p)
        z = self._dot(rows, self.w_cause, self.b_cause)
        causes = _sigmoid(z * self.platt[:, 0] + self.platt[:, 1])
        intent = _softmax(self._dot(rows, self.w_int, self.b_int) / self.t_int)
        return sent, causes, intent


class LinearScorer:
    """A :class:`~feedback_nlp.models.base.Scorer` over an exported linear model directory."""

    FILES = ("model.json", "linear.npz", "vocabulary.json")

    def __init__(self, path: str | Path):
        path = Path(path)
        meta = json.loads((path / "model.json").read_text("utf-8"))
        self.version = meta["version"]
        self.labels = meta["labels"]
        if tuple(self.labels["causes"]) != CAUSE_CODES or tuple(self.labels["sentiment"]) != SENTIMENTS \
                or tuple(self.labels["churn_intent"]) != CHURN_INTENTS:
            raise ValueError(f"{path}: model labels do not match the taxonomy")
        with np.load(path / "linear.npz") as arrays:
            data = {k: arrays[k] for k in arrays.files}
        vocab = json.loads((path / "vocabulary.json").read_text("utf-8"))
        self.features = TfidfFeatures(vocab, data["idf"])
        self.heads = LinearHeads(data)
        self.thresholds = Thresholds(causes=dict(meta.get("thresholds", {})), default=meta.get("default_threshold", 0.5))

    def score(self, docs: list[Document]) -> list[Scores]:
        if not docs:
            return []
        rows = self.features.transform([document_terms(d) for d in docs])
        sent, causes, intent = self.heads.predict(rows)
        out = []
        for i in range(len(docs)):
            out.append(Scores(
                sentiment={s: round(float(sent[i, k]), 4) for k, s in enumerate(SENTIMENTS)},
                causes={c: round(float(causes[i, k]), 4) for k, c in enumerate(CAUSE_CODES)},
                churn_intent={s: round(float(intent[i, k]), 4) for k, s in enumerate(CHURN_INTENTS)},
            ))
        return out
