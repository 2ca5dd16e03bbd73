"""Linear probe: does the frozen encoder's representation carry review sentiment?

Logistic regression on mean-pooled last-layer embeddings (padding excluded), trained on
``n_train`` train-split shared reviews and scored on ``n_dev`` dev-split reviews
(:mod:`training.splits`), for three feature sets on the same rows:

* the pre-trained encoder,
* the same architecture randomly initialised (what pre-training adds),
* TF-IDF over character 1–2 grams (the linear baseline the classifier must beat).

Texts are normalised with ``feedback_nlp.text.normalize`` first, as in pre-training.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import torch

from feedback_nlp.text.normalize import normalize

from training.splits import is_dev


def sample_reviews(csv_path: Path, n_train: int, n_dev: int, seed: int = 0) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    train, dev = [], []
    with open(csv_path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            (dev if is_dev(row["id"]) else train).append((normalize(row["text"]).text, int(row["label"])))
    rng = random.Random(seed)
    rng.shuffle(train)
    rng.shuffle(dev)
    return train[:n_train], dev[:n_dev]


@torch.no_grad()
def mean_pooled(model, tokenizer, texts: list[str], *, max_length: int = 128, batch_size: int = 64) -> np.ndarray:
    model.eval()
    out = []
    for start in range(0, len(texts), batch_size):
        enc = tokenizer(texts[start : start + batch_size], padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        hidden = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state.float()
        mask = enc["attention_mask"].unsqueeze(-1).float()
        out.append(((hidden * mask).sum(1) / mask.sum(1).clamp(min=1)).numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.hidden_size), np.float32)


def _fit_score(x_train, y_train, x_dev, y_dev, *, scale: bool) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = LogisticRegression(max_iter=3000, C=1.0)
    model = make_pipeline(StandardScaler(), clf) if scale else clf
    model.fit(x_train, y_train)
    pred = model.predict(x_dev)
    return {"accuracy": round(float(accuracy_score(y_dev, pred)), 4), "macro_f1": round(float(f1_score(y_dev, pred, average="macro")), 4)}


def probe_encoder(model, tokenizer, train, dev) -> dict:
    x_tr = mean_pooled(model, tokenizer, [t for t, _ in train])
    x_dv = mean_pooled(model, tokenizer, [t for t, _ in dev])
    return _fit_score(x_tr, [y for _, y in train], x_dv, [y for _, y in dev], scale=True)


def probe_tfidf(train, dev) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    x_tr = vec.fit_transform([t for t, _ in train])
    x_dv = vec.transform([t for t, _ in dev])
    return _fit_score(x_tr, [y for _, y in train], x_dv, [y for _, y in dev], scale=False)


def run_probe(model_dir: Path, reviews_csv: Path, *, n_train: int = 3000, n_dev: int = 2000, seed: int = 0, threads: int = 2) -> dict:
    from transformers import AutoModel, AutoTokenizer

    torch.set_num_threads(threads)
    train, dev = sample_reviews(Path(reviews_csv), n_train, n_dev, seed)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    pretrained = AutoModel.from_pretrained(str(model_dir), dtype=torch.float32)
    torch.manual_seed(seed)
    untrained = AutoModel.from_config(pretrained.config)
    rounded = AutoModel.from_pretrained(str(model_dir), dtype=torch.float32)
    with torch.no_grad():  # what shipping in fp16 would cost: weights rounded to fp16, run in fp32
        for p in rounded.parameters():
            p.copy_(p.half().float())
    return {
        "reviews": str(reviews_csv),
        "n_train": len(train),
        "n_dev": len(dev),
        "dev_positive_share": round(sum(y for _, y in dev) / max(1, len(dev)), 4),
        "features": "mean-pooled last hidden layer (frozen), StandardScaler + LogisticRegression(C=1)",
        "pretrained": probe_encoder(pretrained, tokenizer, train, dev),
        "pretrained_fp16_weights": probe_encoder(rounded, tokenizer, train, dev),
        "untrained": probe_encoder(untrained, tokenizer, train, dev),
        "tfidf_char_1_2": probe_tfidf(train, dev),
    }
