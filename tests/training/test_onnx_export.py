"""ONNX export of the multi-task BERT, parity with PyTorch, and the PyTorch-free ``onnx-bert`` scorer.

Tolerances on the tiny random model: fp32 ONNX within 1e-4 of PyTorch with every label equal.
int8: sentiment and churn-intent probabilities within 0.02 (the issue's target) with equal labels;
cause probabilities within 0.1 and cause decisions ≥ 98 % equal. A 32-wide random encoder is the
worst case for int8 (per-tensor activation scales over 32 random features, 13 random sigmoid heads);
the issue's targets (agreement ≥ 99.5 %, max difference ≤ 0.02) are measured on the real model by
``python -m training.export_onnx`` on 1,000 dev texts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from feedback_nlp.models.base import Scores, decide  # noqa: E402
from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, SENTIMENTS  # noqa: E402
from training import export_onnx as ex  # noqa: E402
from training import finetune as ft  # noqa: E402

SCALE = 1.0  # head weights as initialised
TEXTS = [
    "送餐太慢了，等了两个小时，再也不点了", "味道很好，下次还来", "客服态度差，打电话13812345678没人接",
    "价格太贵，不值这个钱", "物流很快，包装完好", "app老是闪退，登录不了", "一般般吧",
    "退款一直不到账，我要投诉", "房间干净，服务周到", "推销电话天天打，烦死了", "信号差，准备换运营商了",
    "好", "东西质量不错，好评" * 12,  # longer than max_len: truncated
]


def tiny_finetuned(path: Path) -> Path:
    """A tiny random BERT with heads, saved as a ``bert-multitask`` folder (max_len 32)."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    chars = sorted({c for t in TEXTS for c in t})
    vocab = list(dict.fromkeys(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "*", *"abcdefghijklmnopqrstuvwxyz0123456789", *chars]))
    base = path / "base"
    base.mkdir(parents=True)
    (base / "vocab.txt").write_text("\n".join(vocab) + "\n", "utf-8")
    torch.manual_seed(1)
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=64)
    BertModel(cfg).save_pretrained(str(base))
    BertTokenizerFast(str(base / "vocab.txt"), do_lower_case=True, tokenize_chinese_chars=True).save_pretrained(str(base))
    model, tok = ft.build(ft.FinetuneConfig(base_model=str(base), out="unused"))
    with torch.no_grad():
        for head in (model.sentiment, model.causes, model.intent):
            head.weight.mul_(SCALE)
    ft.save_model(model, tok, path / "bert", {"max_len": 32}, {c: 0.5 for c in CAUSE_CODES})
    return path / "bert"


@pytest.fixture(scope="module")
def bert_dir(tmp_path_factory) -> Path:
    return tiny_finetuned(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def exported(bert_dir, tmp_path_factory) -> dict[str, Path]:
    out = {}
    for key, variant in (("fp32", ex.Variant("fp32")), ("int8", ex.Variant("int8")), ("fp32-unfused", ex.Variant("fp32", fused=False))):
        d = tmp_path_factory.mktemp(variant.name)
        ex.export(bert_dir, d, TEXTS, [variant], threads=1, log=lambda _m: None)
        out[key] = d
    return out


def test_fp32_onnx_matches_pytorch(exported):
    rep = json.loads((exported["fp32"] / "parity.json").read_text("utf-8"))
    att = rep["attempts"][0]
    assert att["n"] == len(TEXTS)
    assert att["sentiment_agreement"] == 1.0 and att["churn_intent_agreement"] == 1.0
    assert att["cause_decision_agreement"] == 1.0
    assert att["max_prob_diff_all"] <= 1e-4
    assert rep["kept"] == "fp32-fused" and rep["kept_passes"]
    # the fusions really happened (one Attention node per encoder layer)
    assert rep["fused_operators"].get("Attention") == 2


def test_unfused_fp32_matches_pytorch_too(exported):
    rep = json.loads((exported["fp32-unfused"] / "parity.json").read_text("utf-8"))
    assert rep["kept"] == "fp32" and rep["attempts"][0]["max_prob_diff_all"] <= 1e-4


def _near_ties(probs, within: float) -> int:
    """Texts whose top two probabilities are closer than ``within``: any quantisation may swap them."""
    import numpy as np

    top2 = np.sort(probs, axis=1)[:, -2:]
    return int(((top2[:, 1] - top2[:, 0]) <= within).sum())


def test_int8_onnx_is_within_the_documented_tolerance(exported, bert_dir):
    rep = json.loads((exported["int8"] / "parity.json").read_text("utf-8"))["attempts"][0]
    assert rep["variant"] == "int8-fused"
    # labels agree except on texts PyTorch itself scores as a near-tie (the random heads of the tiny model
    # give ~1/3 each; which int8 kernels run, AVX2 or VNNI, decides such ties)
    model, tok, manifest, _ = ft.load_model(str(bert_dir))
    ref = ft.predict_texts(model, tok, TEXTS, manifest.get("max_len", 32))  # as parity() scores them
    n = len(TEXTS)
    for task, probs in (("sentiment", ref[0]), ("churn_intent", ref[2])):
        ties = _near_ties(probs, 2 * rep["max_prob_diff"][task])
        assert rep[f"{task}_agreement"] >= round((n - ties) / n, 5) - 1e-9, (task, ties)
    assert rep["max_prob_diff"]["sentiment"] <= ex.TARGET_MAX_DIFF
    assert rep["max_prob_diff"]["churn_intent"] <= ex.TARGET_MAX_DIFF
    assert rep["cause_decision_agreement"] >= 0.98
    assert rep["max_prob_diff"]["causes"] <= 0.1
    assert rep["max_prob_diff_all"] > 0  # it really is the quantised graph
    fp32_size = (json.loads((Path(str(exported["fp32"])) / "parity.json").read_text("utf-8"))["attempts"][0]["onnx_bytes"])
    assert rep["onnx_bytes"] < fp32_size


def test_exported_folder_is_self_contained(exported):
    d = exported["int8"]
    meta = json.loads((d / "model.json").read_text("utf-8"))
    assert meta["kind"] == "onnx-bert" and meta["version"].endswith("-onnx-int8-fused")
    assert meta["opset"] >= 17
    for f in ("model.onnx", "tokenizer.json", "thresholds.json"):
        assert (d / f).is_file()
    import onnx

    graph = onnx.load(str(d / "model.onnx")).graph
    dims = {i.name: [x.dim_param or x.dim_value for x in i.type.tensor_type.shape.dim] for i in graph.input}
    assert dims == {"input_ids": ["batch", "sequence"], "attention_mask": ["batch", "sequence"]}


def test_fallbacks_stop_at_the_first_variant_that_passes(bert_dir, tmp_path):
    rep = ex.export(bert_dir, tmp_path, TEXTS[:4], [ex.Variant("fp32"), ex.Variant("int8")], threads=1, log=lambda _m: None)
    assert [a["variant"] for a in rep["attempts"]] == ["fp32-fused"]


def test_scorer_needs_no_torch_tokenizer_and_matches_transformers(exported, bert_dir):
    from transformers import AutoTokenizer

    from feedback_nlp.models.onnx_bert import OnnxBertScorer

    scorer = OnnxBertScorer(exported["fp32"], intra_op_num_threads=1)
    hf = AutoTokenizer.from_pretrained(str(bert_dir / "tokenizer"))
    mtexts = [ft.model_text(t) for t in TEXTS]
    assert scorer.encode(mtexts) == hf(mtexts, truncation=True, max_length=32)["input_ids"]
    assert max(len(x) for x in scorer.encode(mtexts)) == 32


def test_scorer_scores_pipeline_documents(exported):
    from feedback_nlp.models.onnx_bert import OnnxBertScorer
    from feedback_nlp.models.registry import load_scorer
    from feedback_nlp.pipeline import load_pipeline

    scorer = load_scorer(exported["int8"])  # registered under kind "onnx-bert"
    assert isinstance(scorer, OnnxBertScorer)
    assert scorer.version.endswith("-onnx-int8-fused")
    pipe = load_pipeline()
    docs = [pipe.process(t) for t in TEXTS]
    scores = scorer.score(docs)
    assert len(scores) == len(docs) and scorer.score([]) == []
    for s in scores:
        assert isinstance(s, Scores)
        assert list(s.sentiment) == list(SENTIMENTS) and list(s.churn_intent) == list(CHURN_INTENTS)
        assert list(s.causes) == list(CAUSE_CODES)
        assert sum(s.sentiment.values()) == pytest.approx(1.0, abs=1e-3)
        assert sum(s.churn_intent.values()) == pytest.approx(1.0, abs=1e-3)
        assert all(0.0 <= p <= 1.0 for p in s.causes.values())
        decide(s, scorer.thresholds)
    # order and batch size do not change a document's scores (fp32: int8 dynamic quantisation picks
    # activation scales per batch, so its scores move slightly with the batch's other texts)
    big = OnnxBertScorer(exported["fp32"], intra_op_num_threads=1).score(docs)
    small = OnnxBertScorer(exported["fp32"], intra_op_num_threads=1, batch_size=3)
    rev = small.score(docs[::-1])[::-1]
    for a, b in zip(big, rev):
        assert max(abs(a.causes[c] - b.causes[c]) for c in CAUSE_CODES) <= 2e-4


def test_int8_scores_do_not_depend_on_batch_companions(exported):
    """Dynamic int8 picks activation scales per batch: the scorer runs such models one text at a
    time by default, so a text scores the same alone and among others."""
    import numpy as np

    from feedback_nlp.models.onnx_bert import OnnxBertScorer

    scorer = OnnxBertScorer(exported["int8"], intra_op_num_threads=1)
    assert scorer.batch_size == 1
    alone = scorer.predict_texts([TEXTS[0]])
    among = scorer.predict_texts(TEXTS[::-1])
    for a, b in zip(alone, among):
        assert np.array_equal(a[0], b[-1])
    assert OnnxBertScorer(exported["fp32"], intra_op_num_threads=1).batch_size == 16


def test_one_text_batches_run_one_worker_per_core_on_one_thread_each(exported, monkeypatch):
    import os

    from feedback_nlp.models.onnx_bert import THREADS_ENV, WORKERS_ENV, OnnxBertScorer

    monkeypatch.delenv(THREADS_ENV, raising=False)
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    int8 = OnnxBertScorer(exported["int8"])
    assert int8.batch_size == 1 and int8.workers == (os.cpu_count() or 1)
    assert int8.session.get_session_options().intra_op_num_threads == (1 if int8.workers > 1 else 0)
    fp32 = OnnxBertScorer(exported["fp32"])
    assert fp32.workers == 1 and fp32.session.get_session_options().intra_op_num_threads == 0
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert OnnxBertScorer(exported["fp32"]).workers == 3


def test_batch_size_and_workers_must_be_positive(exported):
    from feedback_nlp.models.onnx_bert import OnnxBertScorer

    with pytest.raises(ValueError, match="batch_size"):
        OnnxBertScorer(exported["fp32"], batch_size=0)
    with pytest.raises(ValueError, match="workers"):
        OnnxBertScorer(exported["fp32"], workers=0)


@pytest.mark.parametrize("variant", ["int8", "fp32"])
def test_parallel_workers_give_the_same_scores_in_input_order(exported, variant):
    """Several batches at once (one thread each) write every text's scores to its own row."""
    import numpy as np

    from feedback_nlp.models.onnx_bert import OnnxBertScorer

    texts = TEXTS * 3
    one = OnnxBertScorer(exported[variant], batch_size=2, workers=1).predict_texts(texts)
    scorer = OnnxBertScorer(exported[variant], batch_size=2, workers=3)
    assert scorer.session.get_session_options().intra_op_num_threads == 1
    many = scorer.predict_texts(texts)
    for a, b in zip(one, many):
        assert np.array_equal(a, b)
    assert not np.array_equal(many[1][0], many[1][1])  # rows are per text, not one batch's copied


def test_head_and_tail_truncation_travels_to_the_scorer(bert_dir, tmp_path):
    """A model trained with ``truncation_head`` is exported with it, and the ONNX scorer then reads the
    same head and tail tokens as training did (parity would fail otherwise: the texts differ)."""
    import shutil

    from transformers import AutoTokenizer

    from feedback_nlp.models.onnx_bert import OnnxBertScorer

    src = tmp_path / "bert"
    shutil.copytree(bert_dir, src)
    manifest = json.loads((src / "model.json").read_text("utf-8"))
    manifest["truncation_head"] = 8
    (src / "model.json").write_text(json.dumps(manifest), "utf-8")
    long_text = "".join(TEXTS[:11])  # well over 32 tokens, with different characters at its head and tail
    rep = ex.export(src, tmp_path / "onnx", TEXTS + [long_text], [ex.Variant("fp32")], threads=1, log=lambda _m: None)
    assert rep["kept_passes"] and rep["attempts"][0]["max_prob_diff_all"] <= 1e-4
    scorer = OnnxBertScorer(tmp_path / "onnx", intra_op_num_threads=1)
    assert scorer.truncation_head == 8
    hf = AutoTokenizer.from_pretrained(str(src / "tokenizer"))
    full = hf([ft.model_text(long_text)])["input_ids"][0]
    got = scorer.encode([ft.model_text(long_text)])[0]
    assert len(full) > 40
    assert got == full[:9] + full[-23:]  # [CLS] + 8 head tokens, 22 tail tokens + [SEP]
    assert got == ft.encode_texts(hf, [long_text], 32, 8)[0]
    assert got != ft.encode_texts(hf, [long_text], 32)[0]  # plain truncation reads other tokens
