"""Scorer for ``kind: onnx-bert``: the fine-tuned multi-task BERT exported to ONNX, run without PyTorch.

Needs only ``onnxruntime``, ``tokenizers`` and numpy. A model folder (written by
``training/export_onnx.py``) holds ``model.json``, ``model.onnx`` (inputs ``input_ids`` and
``attention_mask``; outputs the probabilities ``sentiment``, ``causes``, ``churn_intent``),
``tokenizer.json`` and ``thresholds.json``. Documents are sorted by token length and run in
batches padded to the longest in the batch, so short texts do not pay for long ones. A text longer
than ``max_len`` tokens keeps the head and tail that ``truncation_head`` in ``model.json`` names
(:mod:`feedback_nlp.models.truncation`), as in training.

Workers and threads: ``workers`` batches run at once (``workers`` argument, else
``FEEDBACK_NLP_ORT_WORKERS``, else one per core for one-text batches and 1 otherwise), each on
``intra_op_num_threads`` threads (argument, else ``FEEDBACK_NLP_ORT_THREADS``, else onnxruntime's
default of all cores when there is one worker and 1 when there are several). onnxruntime releases
the GIL while it runs, so several single-thread workers keep every core busy on the one-text batches of int8 models, which one multi-threaded run cannot.

Batch size: ``batch_size`` argument, else ``FEEDBACK_NLP_ORT_BATCH``, else 16 — except for dynamic
int8 models, where the default is 1: dynamic quantisation picks activation scales per batch, so a
text's scores would move (by up to ~0.01 here) with the texts it happens to be batched with, and the
live service, ``classify`` and batch re-labelling would disagree. fp32 models give the same scores
to 4 decimals in any batch (checked in the tests).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from feedback_nlp.document import Document
from feedback_nlp.models.base import Scores, Thresholds
from feedback_nlp.models.truncation import check, head_of, keep_head_and_tail
from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, SENTIMENTS

KIND = "onnx-bert"
THREADS_ENV = "FEEDBACK_NLP_ORT_THREADS"
WORKERS_ENV = "FEEDBACK_NLP_ORT_WORKERS"
BATCH_ENV = "FEEDBACK_NLP_ORT_BATCH"


class OnnxBertScorer:
    """A :class:`~feedback_nlp.models.base.Scorer` over an exported ONNX model folder."""

    def __init__(self, path: str | Path, intra_op_num_threads: int | None = None, batch_size: int | None = None,
                 workers: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = Path(path)
        meta = json.loads((path / "model.json").read_text("utf-8"))
        if meta.get("kind") != KIND:
            raise ValueError(f"{path}: kind {meta.get('kind')!r}, expected {KIND!r}")
        labels = meta["labels"]
        if tuple(labels["causes"]) != CAUSE_CODES or tuple(labels["sentiment"]) != SENTIMENTS \
                or tuple(labels["churn_intent"]) != CHURN_INTENTS:
            raise ValueError(f"{path}: model labels do not match the taxonomy")
        self.path = path
        self.version: str = meta["version"]
        self.max_len = int(meta.get("max_len", 128))
        self.truncation_head = head_of(meta)
        check(self.max_len, self.truncation_head)
        dynamic_int8 = str(meta.get("quantization", "")).startswith("int8")
        if batch_size is None:
            batch_size = int(os.environ.get(BATCH_ENV, "0")) or (1 if dynamic_int8 else 16)
        if batch_size < 1:
            raise ValueError(f"batch_size must be ≥ 1, got {batch_size}")
        self.batch_size = batch_size
        th = json.loads((path / "thresholds.json").read_text("utf-8"))
        self.thresholds = Thresholds(causes=dict(th.get("causes", {})), default=float(th.get("default", 0.5)))

        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.pad_id = int(meta.get("pad_token_id", self.tokenizer.token_to_id("[PAD]") or 0))

        options = ort.SessionOptions()
        self.workers = workers if workers is not None else int(os.environ.get(WORKERS_ENV, "0")) or (
            (os.cpu_count() or 1) if batch_size == 1 else 1)
        if self.workers < 1:
            raise ValueError(f"workers must be ≥ 1, got {self.workers}")
        threads = intra_op_num_threads if intra_op_num_threads is not None else int(os.environ.get(THREADS_ENV, "0"))
        if threads == 0 and self.workers > 1:
            threads = 1
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.output_names = [o.name for o in self.session.get_outputs()]

    def encode(self, texts: list[str]) -> list[list[int]]:
        return [keep_head_and_tail(e.ids, self.max_len, self.truncation_head) for e in self.tokenizer.encode_batch(texts)]

    def predict_ids(self, ids: list[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Probabilities (sentiment, causes, churn intent) in input order."""
        out = [np.zeros((len(ids), n), np.float32) for n in (len(SENTIMENTS), len(CAUSE_CODES), len(CHURN_INTENTS))]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        batches = [order[s:s + self.batch_size] for s in range(0, len(order), self.batch_size)]

        def run(idx: list[int]) -> None:
            width = max(len(ids[i]) for i in idx)
            x = np.full((len(idx), width), self.pad_id, np.int64)
            m = np.zeros((len(idx), width), np.int64)
            for r, i in enumerate(idx):
                x[r, :len(ids[i])] = ids[i]
                m[r, :len(ids[i])] = 1
            res = self.session.run(self.output_names, {"input_ids": x, "attention_mask": m})
            for arr, p in zip(out, res):
                arr[idx] = p  # batches write disjoint rows

        if self.workers > 1 and len(batches) > 1:
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                list(pool.map(run, batches))
        else:
            for idx in batches:
                run(idx)
        return out[0], out[1], out[2]

    def predict_texts(self, model_texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Probabilities for texts that are already model text (normalised, PII-masked)."""
        return self.predict_ids(self.encode(model_texts))

    def score(self, docs: list[Document]) -> list[Scores]:
        if not docs:
            return []
        sent, causes, intent = self.predict_texts([d.model_text for d in docs])
        return [Scores(
            sentiment={s: round(float(sent[i, k]), 4) for k, s in enumerate(SENTIMENTS)},
            causes={c: round(float(causes[i, k]), 4) for k, c in enumerate(CAUSE_CODES)},
            churn_intent={s: round(float(intent[i, k]), 4) for k, s in enumerate(CHURN_INTENTS)},
        ) for i in range(len(docs))]


def _register() -> None:
    from feedback_nlp.models.registry import register_loader

    register_loader(KIND, OnnxBertScorer)


_register()
