"""Tiny pre-training runs: the loss goes down, resume is exact, the shipped folder loads offline."""

import json
import os
import subprocess
import sys

import pytest
import torch

from training.pretrain import PretrainConfig, build_model, load_checkpoint, masked_batch, mlm_loss, train
from training.vocab import build_vocab, load_tokenizer, write_vocab
from training.wwm import encode_to_arrays

LINES = [
    "这个手机的信号很差,送货速度太慢了",
    "客服态度非常好,下次还会购买配件",
    "价格有点贵,但是质量不错",
    "酒店房间干净整洁,早餐种类丰富",
    "外卖送到的时候已经凉了,味道一般",
] * 4


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("pt")
    write_vocab(build_vocab(LINES, min_cjk_freq=1, wordpiece_size=60, wordpiece_min_freq=1), root / "vocab")
    tok = load_tokenizer(root / "vocab" / "vocab.txt")
    data = encode_to_arrays(LINES, tok, seq_len=32)
    return root, tok, data


def tiny(root, name, **kw) -> PretrainConfig:
    base = dict(out_dir=str(root / name), vocab_dir=str(root / "vocab"), layers=1, hidden=32, heads=2, intermediate=64,
                seq_len=32, batch_size=4, lr=5e-3, warmup_steps=1, max_steps=3, log_every=1, threads=1, seed=7)
    base.update(kw)
    return PretrainConfig(**base)


def fixed_batch_loss(model, tok, data) -> float:
    ids, wids = data
    gen = torch.Generator().manual_seed(123)
    inputs, attention, labels = masked_batch(ids, wids, torch.arange(len(ids)).numpy(), tok, gen, 0.3)
    model.eval()
    with torch.no_grad():
        return mlm_loss(model, inputs, attention, labels).item()


def test_three_steps_lower_the_loss_on_a_fixed_batch(setup):
    root, tok, data = setup
    cfg = tiny(root, "three")
    before = fixed_batch_loss(build_model(cfg, tok), tok, data)  # the same seeded init train() starts from
    summary = train(cfg, data=data, log=lambda m: None)
    from transformers import BertForMaskedLM

    after = fixed_batch_loss(BertForMaskedLM.from_pretrained(str(root / "three" / "final")), tok, data)
    assert summary["steps"] == 3
    assert after < before - 0.05, (before, after)
    final = root / "three" / "final"
    rec = json.loads((final / "train_config.json").read_text())
    assert rec["config"]["seed"] == 7 and rec["wall_time_s"] >= 0 and rec["steps"] == 3
    assert (final / "loss_curve.csv").read_text().count("\n") == 4  # header + 3 steps
    assert (final / "loss_curve.png").stat().st_size > 0


def test_resume_continues_from_the_saved_step_with_the_same_state(setup):
    root, tok, data = setup
    straight = train(tiny(root, "straight", max_steps=4), data=data, log=lambda m: None)
    first = train(tiny(root, "split", max_steps=4, stop_at_step=2), data=data, log=lambda m: None)
    assert first["steps"] == 2 and first["stop_reason"] == "stop_at_step"
    ck = load_checkpoint(root / "split" / "checkpoint.pt")
    assert ck["step"] == 2 and ck["scheduler"]["last_epoch"] == 2
    logs = []
    resumed = train(tiny(root, "split", max_steps=4), resume=True, data=data, log=logs.append)
    assert any("resumed from step 2" in m for m in logs)
    assert resumed["steps"] == straight["steps"] == 4
    a = load_checkpoint(root / "straight" / "checkpoint.pt")
    b = load_checkpoint(root / "split" / "checkpoint.pt")
    for k, v in a["model"].items():
        assert torch.allclose(v, b["model"][k], atol=1e-6), k
    assert [r["loss"] for r in a["curve"]] == [r["loss"] for r in b["curve"]]
    assert a["stream"] == b["stream"]


@pytest.mark.slow  # a fresh interpreter with HF_HUB_OFFLINE=1 imports transformers (~10 s)
def test_shipped_folder_loads_offline_with_auto_classes(setup, tmp_path):
    root, tok, data = setup
    if not (root / "three" / "final").is_dir():
        train(tiny(root, "three"), data=data, log=lambda m: None)
    from training.ship import ship

    out = ship(root / "three" / "final", tmp_path / "encoder", results_dir=tmp_path / "none", dtype="float16",
               corpus_dir=tmp_path / "none", vocab_dir=root / "vocab")
    names = {p.name for p in out.iterdir()}
    assert {"model.safetensors", "config.json", "vocab.txt", "tokenizer.json", "MODEL_CARD.md", "train_config.json"} <= names
    script = (
        "import sys, torch\n"
        "from transformers import AutoModel, AutoTokenizer, BertForMaskedLM\n"
        "p = sys.argv[1]\n"
        "tok = AutoTokenizer.from_pretrained(p); m = AutoModel.from_pretrained(p)\n"
        "enc = tok(['送货速度太慢了'], return_tensors='pt')\n"
        "h = m(**enc).last_hidden_state\n"
        "ref = BertForMaskedLM.from_pretrained(sys.argv[2]).bert(**enc).last_hidden_state\n"
        "print(m.dtype, tok.tokenize('送货速度'), float((h - ref).abs().max()))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    res = subprocess.run([sys.executable, "-c", script, str(out), str(root / "three" / "final")], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    dtype, _, rest = res.stdout.strip().splitlines()[-1].partition(" ")
    assert dtype == "torch.float32"  # fp16 on disk, upcast on load
    assert "['送', '货', '速', '度']" in rest
    assert float(rest.rsplit(" ", 1)[1]) < 0.05  # fp16 rounding only
