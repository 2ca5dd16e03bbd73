"""Multi-task fine-tuning of a BERT encoder: one encoder, three heads (sentiment, causes, churn intent).

    python -m training.finetune --base-model models/encoder-zh-mini --out runs/bert-finetune \\
        --max-minutes 15 --max-train 6000

``--base-model`` is any Hugging Face BERT id (``bert-base-chinese``, ``hfl/chinese-roberta-wwm-ext``)
or local folder; its own tokenizer is used. The text fed is the pipeline's model text (normalised,
PII-masked), so training and serving read the same string. A text longer than ``--max-len`` tokens
keeps its first ``--truncation-head`` tokens and the rest of the budget from its end
(:mod:`feedback_nlp.models.truncation`; default: the first tokens only).

Heads sit on the attention-masked mean of the last hidden states (the pooler of an MLM-only
checkpoint is untrained, so it is not used):

- sentiment: 3-way softmax. Rows from the reviews file know only positive vs not (``binary_only``):
  their loss is the binary cross-entropy of P(positive) against that label, so a negative review
  may still be neutral. Rows with 3-way labels use ordinary cross-entropy.
- causes: 13 sigmoid outputs; loss (summed over codes, averaged over rows) only on rows whose causes
  are labelled.
- churn intent: 3-way softmax; loss only on labelled rows.

Per-code thresholds maximise F1 on a ``tune`` split held out from the cause-labelled training rows
(a stable hash of the id), never on the dev sets; the dev sets are only measured.

The output folder holds ``model.json`` (kind ``bert-multitask``), ``encoder/`` (safetensors),
``heads.safetensors``, ``tokenizer/``, ``thresholds.json``, plus ``config.json`` (this run's
settings), ``metrics.json`` (dev numbers, wall time) and ``train_log.jsonl`` (loss per step).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from feedback_nlp.models.truncation import check, head_or_plain, keep_head_and_tail
from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, SENTIMENTS
from feedback_nlp.text.normalize import normalize
from feedback_nlp.text.pii import mask_pii
from training.labelled import Example
from training.thresholds import best_threshold

KIND = "bert-multitask"
HEADS_FILE = "heads.safetensors"
POSITIVE = SENTIMENTS.index("positive")
TUNE_MODULUS = 8  # one cause-labelled training row in 8 is held out to tune thresholds


@dataclass
class FinetuneConfig:
    base_model: str
    out: str
    epochs: float = 3.0
    lr: float = 1e-4
    head_lr: float = 1e-3
    batch_size: int = 32
    max_len: int = 128
    truncation_head: int | None = None  # tokens kept from the start of a long text (None: plain truncation)
    seed: int = 13
    max_minutes: float | None = None
    max_train: int | None = 8000  # binary-only review rows kept (labelled and written rows always kept)
    max_dev: int | None = 3000  # binary-only dev rows measured (labelled dev rows always measured)
    warmup: float = 0.06
    weight_decay: float = 0.01
    dropout: float = 0.1
    threads: int = 2
    tune_split: bool = True


def model_text(text: str) -> str:
    """What the models read: the pipeline's normalised, PII-masked text."""
    return mask_pii(normalize(text).text)[0]


# --- model --------------------------------------------------------------------------------------

class MultiTaskBert(nn.Module):
    """Encoder + three linear heads on the masked mean of the last hidden states; returns logits."""

    def __init__(self, encoder: nn.Module, dropout: float = 0.1):
        super().__init__()
        hidden = encoder.config.hidden_size
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.sentiment = nn.Linear(hidden, len(SENTIMENTS))
        self.causes = nn.Linear(hidden, len(CAUSE_CODES))
        self.intent = nn.Linear(hidden, len(CHURN_INTENTS))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = self.dropout((h * m).sum(1) / m.sum(1).clamp(min=1.0))
        return self.sentiment(pooled), self.causes(pooled), self.intent(pooled)

    def head_state(self) -> dict[str, torch.Tensor]:
        return {f"{name}.{k}": v.detach().contiguous() for name in ("sentiment", "causes", "intent")
                for k, v in getattr(self, name).state_dict().items()}


class Probabilities(nn.Module):
    """The exported graph: probabilities (softmax, sigmoid, softmax) instead of logits."""

    def __init__(self, model: MultiTaskBert):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        s, c, i = self.model(input_ids, attention_mask)
        return torch.softmax(s, -1), torch.sigmoid(c), torch.softmax(i, -1)


def load_encoder(base: str | Path, attn_implementation: str | None = None):
    from transformers import AutoModel

    kwargs = {"add_pooling_layer": False, "dtype": torch.float32}
    if attn_implementation:
        kwargs["attn_implementation"] = attn_implementation
    return AutoModel.from_pretrained(str(base), **kwargs)


def load_tokenizer(base: str | Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(base))


def save_model(model: MultiTaskBert, tokenizer, out: Path, meta: dict, thresholds: dict[str, float]) -> dict:
    """Write the model folder; returns the ``model.json`` written (its version hashes the weights)."""
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    model.encoder.save_pretrained(str(out / "encoder"), safe_serialization=True)
    save_file(model.head_state(), str(out / HEADS_FILE))
    tokenizer.save_pretrained(str(out / "tokenizer"))
    (out / "thresholds.json").write_text(json.dumps({"causes": thresholds, "default": 0.5}, indent=2), "utf-8")
    h = hashlib.sha1()
    for f in sorted((out / "encoder").glob("*.safetensors")) + [out / HEADS_FILE]:
        h.update(f.read_bytes())
    manifest = {"kind": KIND, "version": f"bert-{h.hexdigest()[:8]}",
                "labels": {"sentiment": list(SENTIMENTS), "causes": list(CAUSE_CODES), "churn_intent": list(CHURN_INTENTS)},
                "pooling": "mean", **meta}
    (out / "model.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), "utf-8")
    return manifest


def load_model(path: str | Path, attn_implementation: str | None = None):
    """``(model, tokenizer, manifest, thresholds)`` from a folder written by :func:`save_model`."""
    from safetensors.torch import load_file

    path = Path(path)
    manifest = json.loads((path / "model.json").read_text("utf-8"))
    if manifest.get("kind") != KIND:
        raise ValueError(f"{path}: kind {manifest.get('kind')!r}, expected {KIND!r}")
    model = MultiTaskBert(load_encoder(path / "encoder", attn_implementation))
    heads = load_file(str(path / HEADS_FILE))
    for name in ("sentiment", "causes", "intent"):
        getattr(model, name).load_state_dict({k.split(".", 1)[1]: v for k, v in heads.items() if k.startswith(name + ".")})
    model.eval()
    thresholds = json.loads((path / "thresholds.json").read_text("utf-8"))
    return model, load_tokenizer(path / "tokenizer"), manifest, thresholds


# --- data ---------------------------------------------------------------------------------------

@dataclass
class Encoded:
    ids: list[list[int]]
    sentiment: np.ndarray  # 3-way index, -1 unknown
    binary_pos: np.ndarray  # 1 positive / 0 not / -1 not a binary-only row
    causes: np.ndarray  # (n, 13) 0/1
    cause_known: np.ndarray  # (n,) bool
    intent: np.ndarray  # index, -1 unknown


def encode_texts(tokenizer, texts: list[str], max_len: int, head: int | None = None) -> list[list[int]]:
    """Token ids of the model texts, long ones cut to head and tail (:mod:`feedback_nlp.models.truncation`)."""
    head = head_or_plain(max_len, head)
    check(max_len, head)
    ids = tokenizer([model_text(t) for t in texts], truncation=False, verbose=False)["input_ids"]
    return [keep_head_and_tail(x, max_len, head) for x in ids]


def encode_examples(tokenizer, examples: list[Example], max_len: int, head: int | None = None) -> Encoded:
    n = len(examples)
    sent, binary, intent = np.full(n, -1), np.full(n, -1), np.full(n, -1)
    causes, known = np.zeros((n, len(CAUSE_CODES)), np.float32), np.zeros(n, bool)
    for i, e in enumerate(examples):
        if e.sentiment is not None:
            if e.binary_only:
                binary[i] = int(e.sentiment == "positive")
            else:
                sent[i] = SENTIMENTS.index(e.sentiment)
        if e.causes is not None:
            known[i] = True
            for c in e.causes:
                causes[i, CAUSE_CODES.index(c)] = 1.0
        if e.churn_intent is not None:
            intent[i] = CHURN_INTENTS.index(e.churn_intent)
    return Encoded(encode_texts(tokenizer, [e.text for e in examples], max_len, head), sent, binary, causes, known, intent)


def pad(ids: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(x) for x in ids)
    arr = np.full((len(ids), width), pad_id, np.int64)
    mask = np.zeros((len(ids), width), np.int64)
    for i, x in enumerate(ids):
        arr[i, :len(x)] = x
        mask[i, :len(x)] = 1
    return torch.from_numpy(arr), torch.from_numpy(mask)


def length_batches(lengths: list[int], batch_size: int, rng: random.Random, pool: int = 50) -> list[list[int]]:
    """Shuffled batches of similar lengths (less padding): shuffle, sort within pools, shuffle batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    batches = []
    for s in range(0, len(order), batch_size * pool):
        chunk = sorted(order[s:s + batch_size * pool], key=lambda i: lengths[i])
        batches += [chunk[j:j + batch_size] for j in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def select_training(examples: list[Example], max_binary: int | None, seed: int) -> list[Example]:
    """Every row with 3-way/cause labels (shared or written) plus a seeded sample of binary-only reviews."""
    labelled = [e for e in examples if not e.binary_only]
    binary = sorted((e for e in examples if e.binary_only), key=lambda e: e.id)
    random.Random(seed).shuffle(binary)
    return labelled + (binary if max_binary is None else binary[:max_binary])


def is_tune(example: Example) -> bool:
    digest = hashlib.sha1(f"tune:{example.id}".encode("utf-8")).hexdigest()
    return example.causes is not None and int(digest, 16) % TUNE_MODULUS == 0


# --- loss and training --------------------------------------------------------------------------

def multitask_loss(logits, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
    s_logit, c_logit, i_logit = logits
    parts: dict[str, torch.Tensor] = {}
    ls = torch.log_softmax(s_logit, -1)
    per_row = torch.zeros(len(ls))
    three = batch["sentiment"] >= 0
    if three.any():
        per_row[three] = -ls[three].gather(1, batch["sentiment"][three].unsqueeze(1)).squeeze(1)
    binary = batch["binary_pos"] >= 0
    if binary.any():
        log_pos = ls[binary, POSITIVE]
        others = [k for k in range(ls.shape[1]) if k != POSITIVE]
        log_not = torch.logsumexp(ls[binary][:, others], -1)
        y = batch["binary_pos"][binary].float()
        per_row[binary] = -(y * log_pos + (1 - y) * log_not)
    if (three | binary).any():
        parts["sentiment"] = per_row[three | binary].mean()
    known = batch["cause_known"]
    if known.any():
        bce = nn.functional.binary_cross_entropy_with_logits(c_logit[known], batch["causes"][known], reduction="none")
        parts["causes"] = bce.sum(1).mean()
    has_intent = batch["intent"] >= 0
    if has_intent.any():
        parts["intent"] = nn.functional.cross_entropy(i_logit[has_intent], batch["intent"][has_intent])
    total = sum(parts.values()) if parts else (s_logit.sum() * 0.0)
    return total, {k: round(float(v.detach()), 5) for k, v in parts.items()}


def make_batch(enc: Encoded, idx: list[int], pad_id: int) -> dict[str, torch.Tensor]:
    ids, mask = pad([enc.ids[i] for i in idx], pad_id)
    return {
        "input_ids": ids, "attention_mask": mask,
        "sentiment": torch.from_numpy(enc.sentiment[idx]).long(),
        "binary_pos": torch.from_numpy(enc.binary_pos[idx]).long(),
        "causes": torch.from_numpy(enc.causes[idx]),
        "cause_known": torch.from_numpy(enc.cause_known[idx]),
        "intent": torch.from_numpy(enc.intent[idx]).long(),
    }


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build(cfg: FinetuneConfig) -> tuple[MultiTaskBert, object]:
    set_seed(cfg.seed)
    tokenizer = load_tokenizer(cfg.base_model)
    return MultiTaskBert(load_encoder(cfg.base_model), cfg.dropout), tokenizer


def make_optimizer(model: MultiTaskBert, cfg: FinetuneConfig) -> torch.optim.Optimizer:
    enc_decay = [p for n, p in model.encoder.named_parameters() if p.ndim > 1]
    enc_plain = [p for n, p in model.encoder.named_parameters() if p.ndim <= 1]
    heads = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    return torch.optim.AdamW([
        {"params": enc_decay, "lr": cfg.lr, "weight_decay": cfg.weight_decay, "base_lr": cfg.lr},
        {"params": enc_plain, "lr": cfg.lr, "weight_decay": 0.0, "base_lr": cfg.lr},
        {"params": heads, "lr": cfg.head_lr, "weight_decay": 0.0, "base_lr": cfg.head_lr},
    ])


def lr_factor(progress: float, warmup: float) -> float:
    if progress < warmup:
        return max(progress / warmup, 0.01)
    return max(0.0, (1 - progress) / (1 - warmup))


def train_loop(model: MultiTaskBert, tokenizer, enc: Encoded, cfg: FinetuneConfig,
               log: Callable[[dict], None] = lambda _r: None) -> dict:
    """Train in place. Progress is the larger of steps done / planned and minutes spent / budget, so a
    time-limited run still warms up and decays the learning rate to zero."""
    rng = random.Random(cfg.seed)
    lengths = [len(x) for x in enc.ids]
    per_epoch = math.ceil(len(lengths) / cfg.batch_size)
    planned = max(1, int(round(cfg.epochs * per_epoch)))
    opt = make_optimizer(model, cfg)
    budget = cfg.max_minutes * 60 if cfg.max_minutes else None
    model.train()
    start, step, seen, batches = time.monotonic(), 0, 0, []
    while True:
        elapsed = time.monotonic() - start
        progress = max(step / planned, elapsed / budget if budget else 0.0)
        if progress >= 1.0:
            break
        if not batches:
            batches = length_batches(lengths, cfg.batch_size, rng)
        idx = batches.pop()
        f = lr_factor(progress, cfg.warmup)
        for g in opt.param_groups:
            g["lr"] = g["base_lr"] * f
        batch = make_batch(enc, idx, tokenizer.pad_token_id)
        loss, parts = multitask_loss(model(batch["input_ids"], batch["attention_mask"]), batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        seen += len(idx)
        log({"step": step, "loss": round(float(loss.detach()), 5), **{f"loss_{k}": v for k, v in parts.items()},
             "lr": round(cfg.lr * f, 8), "elapsed_s": round(time.monotonic() - start, 2)})
    model.eval()
    return {"steps": step, "planned_steps": planned, "examples_seen": seen,
            "epochs_done": round(seen / max(1, len(lengths)), 3), "train_s": round(time.monotonic() - start, 1)}


@torch.no_grad()
def predict_ids(model: MultiTaskBert, ids: list[list[int]], pad_id: int, batch_size: int = 64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probabilities (sentiment, causes, intent) in input order, batched by length."""
    model.eval()
    probs = Probabilities(model)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out = [np.zeros((len(ids), n), np.float32) for n in (len(SENTIMENTS), len(CAUSE_CODES), len(CHURN_INTENTS))]
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        x, m = pad([ids[i] for i in idx], pad_id)
        for arr, p in zip(out, probs(x, m)):
            arr[idx] = p.numpy()
    return out[0], out[1], out[2]


def predict_texts(model: MultiTaskBert, tokenizer, texts: list[str], max_len: int, batch_size: int = 64,
                  head: int | None = None):
    return predict_ids(model, encode_texts(tokenizer, texts, max_len, head), tokenizer.pad_token_id, batch_size)


# --- thresholds and metrics ---------------------------------------------------------------------

def tune_thresholds(causes_p: np.ndarray, causes_y: np.ndarray, min_positives: int = 3) -> dict[str, float]:
    """Per code: best-F1 threshold on held-out rows; 0.5 where too few positives to tune."""
    return {code: (best_threshold(causes_p[:, k], causes_y[:, k]) if causes_y[:, k].sum() >= min_positives else 0.5)
            for k, code in enumerate(CAUSE_CODES)}


def f1(tp: float, fp: float, fn: float) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def dev_metrics(examples: list[Example], probs, thresholds: dict[str, float], min_support: int) -> dict:
    """Binary sentiment accuracy per source, cause macro-F1 over codes with ``min_support``
    positives, 3-way sentiment accuracy and churn ``explicit`` F1 on labelled rows."""
    sent, causes, intent = probs
    out: dict = {"n": len(examples)}
    by_source: dict[str, list[bool]] = {}
    for i, e in enumerate(examples):
        if e.sentiment is not None:
            by_source.setdefault(e.source, []).append((int(sent[i].argmax()) == POSITIVE) == (e.sentiment == "positive"))
    out["sentiment_binary_accuracy"] = {s: round(float(np.mean(v)), 4) for s, v in sorted(by_source.items())}
    lab = [i for i, e in enumerate(examples) if e.causes is not None]
    if lab:
        th = np.array([thresholds[c] for c in CAUSE_CODES])
        pred = causes[lab] >= th
        gold = np.array([[c in examples[i].causes for c in CAUSE_CODES] for i in lab])
        per = {}
        for k, code in enumerate(CAUSE_CODES):
            tp = float((pred[:, k] & gold[:, k]).sum())
            per[code] = {"f1": round(f1(tp, float((pred[:, k] & ~gold[:, k]).sum()), float((~pred[:, k] & gold[:, k]).sum())), 4),
                         "support": int(gold[:, k].sum())}
        counted = [v["f1"] for v in per.values() if v["support"] >= min_support]
        out["cause_f1"] = per
        out["cause_macro_f1"] = round(float(np.mean(counted)), 4) if counted else None
        three = [i for i in lab if not examples[i].binary_only and examples[i].sentiment is not None]
        if three:
            out["sentiment_3way_accuracy"] = round(float(np.mean([SENTIMENTS[int(sent[i].argmax())] == examples[i].sentiment for i in three])), 4)
    lab_i = [i for i, e in enumerate(examples) if e.churn_intent is not None]
    if lab_i:
        ex = CHURN_INTENTS.index("explicit")
        p = np.array([int(intent[i].argmax()) == ex for i in lab_i])
        g = np.array([examples[i].churn_intent == "explicit" for i in lab_i])
        out["churn_explicit_f1"] = round(f1(float((p & g).sum()), float((p & ~g).sum()), float((~p & g).sum())), 4)
        out["churn_explicit_support"] = int(g.sum())
    return out


# --- the run ------------------------------------------------------------------------------------

def run(cfg: FinetuneConfig, train: list[Example], dev_sets: dict[str, tuple[list[Example], int]],
        log: Callable[[str], None] = print) -> dict:
    """Fine-tune on ``train`` (already selected), tune thresholds, measure ``dev_sets``
    ({name: (examples, min_support)}), save everything to ``cfg.out``. Returns the metrics."""
    t0 = time.monotonic()
    torch.set_num_threads(cfg.threads)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2), "utf-8")
    tune = [e for e in train if is_tune(e)] if cfg.tune_split else []
    fit = [e for e in train if not (cfg.tune_split and is_tune(e))]
    log(f"train rows {len(fit)} (binary-only {sum(e.binary_only for e in fit)}, cause-labelled "
        f"{sum(e.causes is not None for e in fit)}), tune rows {len(tune)}")
    model, tokenizer = build(cfg)
    enc = encode_examples(tokenizer, fit, cfg.max_len, cfg.truncation_head)
    with (out / "train_log.jsonl").open("w", encoding="utf-8") as fh:
        def step_log(rec: dict) -> None:
            fh.write(json.dumps(rec) + "\n")
            if rec["step"] % 20 == 0 or rec["step"] == 1:
                fh.flush()
                log(json.dumps(rec))
        summary = train_loop(model, tokenizer, enc, cfg, step_log)
    log(f"trained: {json.dumps(summary)}")
    thresholds = {c: 0.5 for c in CAUSE_CODES}
    if tune:
        t_enc = encode_examples(tokenizer, tune, cfg.max_len, cfg.truncation_head)
        _s, c_p, _i = predict_ids(model, t_enc.ids, tokenizer.pad_token_id)
        thresholds = tune_thresholds(c_p, t_enc.causes)
    metrics: dict = {"train": summary, "thresholds": thresholds, "dev": {}}
    for name, (examples, min_support) in dev_sets.items():
        if examples:
            probs = predict_texts(model, tokenizer, [e.text for e in examples], cfg.max_len, head=cfg.truncation_head)
            metrics["dev"][name] = dev_metrics(examples, probs, thresholds, min_support)
            log(f"dev {name}: {json.dumps({k: v for k, v in metrics['dev'][name].items() if k != 'cause_f1'})}")
    manifest = save_model(model, tokenizer, out, {"max_len": cfg.max_len, "base_model": cfg.base_model,
                                                    "truncation_head": head_or_plain(cfg.max_len, cfg.truncation_head)}, thresholds)
    metrics["version"] = manifest["version"]
    metrics["wall_time_s"] = round(time.monotonic() - t0, 1)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False), "utf-8")
    log(f"saved {manifest['version']} to {out} in {metrics['wall_time_s']} s")
    return metrics


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.finetune", description=__doc__.split("\n\n")[0])
    p.add_argument("--base-model", required=True, help="Hugging Face BERT id or local folder")
    p.add_argument("--out", required=True)
    p.add_argument("--epochs", type=float, default=FinetuneConfig.epochs)
    p.add_argument("--lr", type=float, default=FinetuneConfig.lr, help="encoder learning rate")
    p.add_argument("--head-lr", type=float, default=FinetuneConfig.head_lr)
    p.add_argument("--batch-size", type=int, default=FinetuneConfig.batch_size)
    p.add_argument("--max-len", type=int, default=FinetuneConfig.max_len)
    p.add_argument("--truncation-head", type=int, default=None,
                   help="tokens kept from the start of a text longer than --max-len; the rest of the budget "
                        "goes to its end (default: plain truncation, the first tokens only)")
    p.add_argument("--seed", type=int, default=FinetuneConfig.seed)
    p.add_argument("--max-minutes", type=float, default=None, help="wall-clock training budget")
    p.add_argument("--max-train", type=int, default=FinetuneConfig.max_train, help="binary-only review rows sampled (-1: all)")
    p.add_argument("--max-dev", type=int, default=FinetuneConfig.max_dev, help="binary-only dev rows measured (-1: all)")
    p.add_argument("--threads", type=int, default=FinetuneConfig.threads)
    p.add_argument("--train-file", default=None, help="labelled CSV/JSONL/Parquet to train on instead of the project corpus")
    p.add_argument("--dev-file", default=None, help="labelled file measured as dev (with --train-file)")
    p.add_argument("--no-tune-split", action="store_true", help="keep every row for training (thresholds stay 0.5)")
    a = p.parse_args(argv)
    cfg = FinetuneConfig(base_model=a.base_model, out=a.out, epochs=a.epochs, lr=a.lr, head_lr=a.head_lr,
                         batch_size=a.batch_size, max_len=a.max_len, truncation_head=a.truncation_head, seed=a.seed, max_minutes=a.max_minutes,
                         max_train=None if a.max_train is not None and a.max_train < 0 else a.max_train,
                         max_dev=None if a.max_dev is not None and a.max_dev < 0 else a.max_dev,
                         threads=a.threads, tune_split=not a.no_tune_split)
    if a.train_file:
        from training.labelled import load_labelled_file

        train, rep = load_labelled_file(a.train_file, "file")
        print(rep)
        dev = load_labelled_file(a.dev_file, "dev")[0] if a.dev_file else []
        dev_sets = {"dev": (dev, 1)}
    else:
        from training.labelled import load_corpus

        corpus = load_corpus()
        for rep in corpus.reports:
            print(rep)
        train = corpus.train
        review_dev = select_training(corpus.review_dev, cfg.max_dev, cfg.seed)
        dev_sets = {"review_dev": (review_dev, 20), "nonreview_dev": (corpus.nonreview_dev, 10)}
    run(cfg, select_training(train, cfg.max_train, cfg.seed), dev_sets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
