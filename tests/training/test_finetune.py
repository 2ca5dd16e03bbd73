"""Multi-task fine-tuning on a tiny randomly initialised BERT saved to a temporary folder."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from feedback_nlp.taxonomy import CAUSE_CODES  # noqa: E402
from training import finetune as ft  # noqa: E402
from training.labelled import Example  # noqa: E402

TEXTS = [
    "送餐太慢了，等了两个小时，再也不点了", "味道很好，下次还来", "客服态度差，打电话没人接",
    "价格太贵，不值这个钱", "物流很快，包装完好", "app老是闪退，登录不了", "一般般吧，没什么特别",
    "退款一直不到账，我要投诉", "房间干净，服务周到", "推销电话天天打，烦死了", "信号差，准备换运营商了",
    "东西质量不错，好评",
]


def tiny_bert(path: Path) -> Path:
    """A 2-layer, 32-wide random BERT plus a character vocabulary covering TEXTS, saved to ``path``."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    chars = sorted({c for t in TEXTS for c in t} - {"，"})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "，", "。", "*", *"abcdefghijklmnopqrstuvwxyz0123456789", *chars]
    path.mkdir(parents=True, exist_ok=True)
    (path / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n", "utf-8")
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=len(dict.fromkeys(vocab)), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=128)
    BertModel(cfg).save_pretrained(str(path))
    BertTokenizerFast(str(path / "vocab.txt"), do_lower_case=True, tokenize_chinese_chars=True).save_pretrained(str(path))
    return path


def examples() -> list[Example]:
    """Every label shape the trainer sees: 3-way + causes + intent, binary-only, causes unknown."""
    out = []
    for i, t in enumerate(TEXTS):
        if i % 3 == 0:
            out.append(Example(f"b{i}", t, "waimai", sentiment="positive" if "好" in t else "negative", binary_only=True))
        elif i % 3 == 1:
            out.append(Example(f"l{i}", t, "written", sentiment="negative", causes=[CAUSE_CODES[i % 12]], churn_intent="risk"))
        else:
            out.append(Example(f"u{i}", t, "written", sentiment="neutral"))
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def test_cli_accepts_a_local_base_model_and_writes_the_run(base, tmp_path):
    train = tmp_path / "train.jsonl"
    rows = [{"id": e.id, "text": e.text, "sentiment": "negative" if e.binary_only and e.sentiment == "negative" else e.sentiment,
             "causes": e.causes, "churn_intent": e.churn_intent} for e in examples()]
    train.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    out = tmp_path / "run"
    assert ft.main(["--base-model", str(base), "--out", str(out), "--epochs", "1", "--batch-size", "6",
                    "--threads", "1", "--no-tune-split", "--train-file", str(train), "--dev-file", str(train)]) == 0
    manifest = json.loads((out / "model.json").read_text("utf-8"))
    assert manifest["kind"] == "bert-multitask" and manifest["version"].startswith("bert-")
    assert manifest["base_model"] == str(base)
    assert json.loads((out / "config.json").read_text("utf-8"))["base_model"] == str(base)
    log = [json.loads(x) for x in (out / "train_log.jsonl").read_text("utf-8").splitlines()]
    assert [r["step"] for r in log] == [1, 2]  # 12 rows, batches of 6, one epoch
    assert all(math.isfinite(r["loss"]) for r in log)
    metrics = json.loads((out / "metrics.json").read_text("utf-8"))
    assert metrics["wall_time_s"] > 0 and metrics["train"]["steps"] == 2
    assert set(metrics["dev"]["dev"]["cause_f1"]) == set(CAUSE_CODES)
    for f in ("encoder/model.safetensors", "encoder/config.json", "heads.safetensors", "tokenizer/tokenizer.json", "thresholds.json"):
        assert (out / f).is_file(), f


def test_losses_are_masked_by_what_each_row_knows(base):
    cfg = ft.FinetuneConfig(base_model=str(base), out="unused", dropout=0.0)
    model, tok = ft.build(cfg)
    exs = examples()
    enc = ft.encode_examples(tok, exs, 32)
    binary_only = [i for i, e in enumerate(exs) if e.binary_only]
    batch = ft.make_batch(enc, binary_only, tok.pad_token_id)
    logits = model(batch["input_ids"], batch["attention_mask"])
    loss, parts = ft.multitask_loss(logits, batch)
    assert set(parts) == {"sentiment"}  # no cause or intent labels on these rows
    p_pos = torch.softmax(logits[0], -1)[:, ft.POSITIVE]
    y = batch["binary_pos"].float()
    expected = -(y * p_pos.log() + (1 - y) * (1 - p_pos).log()).mean()
    assert float(loss) == pytest.approx(float(expected), rel=1e-5)

    full = ft.make_batch(enc, list(range(len(exs))), tok.pad_token_id)
    _loss, parts = ft.multitask_loss(model(full["input_ids"], full["attention_mask"]), full)
    assert set(parts) == {"sentiment", "causes", "intent"}


def test_loss_falls_on_a_fixed_batch(base):
    cfg = ft.FinetuneConfig(base_model=str(base), out="unused", dropout=0.0, lr=1e-3, head_lr=1e-2)
    model, tok = ft.build(cfg)
    enc = ft.encode_examples(tok, examples(), 32)
    batch = ft.make_batch(enc, list(range(len(TEXTS))), tok.pad_token_id)
    opt = ft.make_optimizer(model, cfg)
    losses = []
    for _ in range(8):
        loss, _parts = ft.multitask_loss(model(batch["input_ids"], batch["attention_mask"]), batch)
        losses.append(float(loss))
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < losses[0] * 0.9


def test_training_is_reproducible_with_a_seed(base, tmp_path):
    runs = []
    for name in ("a", "b"):
        cfg = ft.FinetuneConfig(base_model=str(base), out=str(tmp_path / name), epochs=1, batch_size=4, threads=1)
        ft.run(cfg, examples(), {}, log=lambda _m: None)
        runs.append((tmp_path / name / "train_log.jsonl").read_text("utf-8").splitlines())
    strip = lambda lines: [{k: v for k, v in json.loads(x).items() if k != "elapsed_s"} for x in lines]  # noqa: E731
    assert strip(runs[0]) == strip(runs[1])


def test_save_load_round_trip_gives_identical_outputs(base, tmp_path):
    cfg = ft.FinetuneConfig(base_model=str(base), out=str(tmp_path))
    model, tok = ft.build(cfg)
    model.eval()
    with torch.no_grad():
        model.causes.bias.add_(0.3)  # heads differ from a fresh init, so loading must restore them
    thresholds = {c: 0.4 for c in CAUSE_CODES}
    manifest = ft.save_model(model, tok, tmp_path / "m", {"max_len": 32}, thresholds)
    loaded, tok2, manifest2, th2 = ft.load_model(tmp_path / "m")
    assert manifest2 == manifest and th2["causes"] == thresholds
    a = ft.predict_texts(model, tok, TEXTS, 32)
    b = ft.predict_texts(loaded, tok2, TEXTS, 32)
    for x, y in zip(a, b):
        assert x.shape == y.shape
        assert (x == y).all()


def test_predictions_do_not_depend_on_batch_padding(base):
    model, tok = ft.build(ft.FinetuneConfig(base_model=str(base), out="unused"))
    alone = ft.predict_texts(model, tok, TEXTS[:1], 32)
    batched = ft.predict_texts(model, tok, TEXTS, 32, batch_size=len(TEXTS))
    for x, y in zip(alone, batched):
        assert abs(x[0] - y[0]).max() < 1e-5


def test_tuned_thresholds_pick_the_best_f1_cut():
    import numpy as np

    p = np.array([0.9, 0.8, 0.3, 0.2, 0.1])
    y = np.array([1, 1, 1, 0, 0])
    assert ft.best_threshold(p, y) == pytest.approx(0.225)
    th = ft.tune_thresholds(np.tile(p[:, None], (1, len(CAUSE_CODES))), np.zeros((5, len(CAUSE_CODES))))
    assert set(th.values()) == {0.5}  # no positives: nothing to tune, the default stays
