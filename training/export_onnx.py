"""Export a fine-tuned multi-task BERT (``training/finetune.py``) to ONNX for PyTorch-free inference.

    python -m training.export_onnx --model runs/bert-finetune --out runs/bert-finetune/onnx \\
        [--quant int8|fp32] [--per-channel] [--exclude-op-types Gather] [--fallbacks] [--parity-n 1000]

Steps: trace encoder + heads (probabilities out) with ``torch.onnx.export`` (TorchScript exporter,
opset 17, dynamic batch and sequence axes); onnxruntime's transformer fusions (multi-head
Attention, SkipLayerNormalization, BiasGelu; ``--no-fuse`` skips them); dynamic int8 quantisation of the weights with
``onnxruntime.quantization.quantize_dynamic``; copy ``tokenizer.json`` and ``thresholds.json``;
write ``model.json`` (kind ``onnx-bert``). Then the parity check: the PyTorch model (its own
``transformers`` tokenizer) against the ONNX scorer (``tokenizers`` + onnxruntime) on N dev texts:
label agreement for sentiment, churn intent and every cause decision at the model's thresholds,
and the largest probability difference. Printed and saved as ``parity.json``.

Targets (issue 4): label agreement ≥ 99.5 % and max probability difference ≤ 0.02. With
``--fallbacks``, when the first variant misses them the next is tried: int8 with the embeddings
(Gather) left in fp32, the same per-channel, the same with the top encoder layer in fp32, and
fp32 ONNX; the first that passes is kept and every attempt is recorded in ``parity.json``.
Dynamic quantisation picks activation scales per batch, so int8 scores move slightly with the
other texts in a batch; fp32 ONNX does not.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from feedback_nlp.models.truncation import head_of
from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, SENTIMENTS
from training.finetune import Probabilities, encode_texts, load_model, model_text, predict_ids

OPSET = 17
KIND = "onnx-bert"
TARGET_AGREEMENT = 0.995
TARGET_MAX_DIFF = 0.02
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json")


@dataclass
class Variant:
    quant: str = "int8"  # int8 | fp32
    per_channel: bool = False
    exclude_op_types: tuple[str, ...] = ()
    fp32_last_layers: int = 0  # encoder layers (counted from the top) left unquantised
    fused: bool = True  # onnxruntime's transformer fusions (Attention, SkipLayerNormalization, Gelu) first

    def __post_init__(self):
        if self.fused and self.fp32_last_layers:
            raise ValueError("fp32_last_layers needs the unfused graph (fused=False): it finds layers by MatMul names")

    @property
    def name(self) -> str:
        if self.quant == "fp32":
            return "fp32" + ("-fused" if self.fused else "")
        parts = ["int8"] + (["fused"] if self.fused else []) + (["per-channel"] if self.per_channel else []) + \
            [f"no-{t}" for t in self.exclude_op_types] + ([f"fp32-top{self.fp32_last_layers}"] if self.fp32_last_layers else [])
        return "-".join(parts)


FALLBACKS = (Variant("int8", exclude_op_types=("Gather",)), Variant("int8", per_channel=True, exclude_op_types=("Gather",)),
             Variant("int8", exclude_op_types=("Gather",), fp32_last_layers=1, fused=False), Variant("int8", fused=False),
             Variant("fp32"), Variant("fp32", fused=False))


def export_fp32(model, path: Path, max_len: int) -> None:
    """Trace ``Probabilities(model)`` to ONNX with dynamic batch and sequence axes."""
    wrapper = Probabilities(model).eval()
    ids = torch.randint(5, 100, (2, min(16, max_len)), dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, -4:] = 0
    axes = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(
            wrapper, (ids, mask), str(path), dynamo=False, opset_version=OPSET,
            input_names=["input_ids", "attention_mask"], output_names=["sentiment", "causes", "churn_intent"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "sentiment": {0: "batch"},
                          "causes": {0: "batch"}, "churn_intent": {0: "batch"}},
            do_constant_folding=True,
        )


def fuse(fp32: Path, out: Path, num_heads: int, hidden_size: int) -> dict:
    """onnxruntime's BERT graph fusions (multi-head Attention, SkipLayerNormalization, BiasGelu ...);
    returns the fused operator counts. (On the 2-core AVX2 CPU here, without VNNI, fused int8 and
    fused fp32 ran at the same speed; see docs/models.md.)"""
    from onnxruntime.transformers.optimizer import optimize_model

    opt = optimize_model(str(fp32), model_type="bert", num_heads=num_heads, hidden_size=hidden_size, opt_level=0)
    opt.save_model_to_file(str(out))
    return {k: v for k, v in opt.get_fused_operator_statistics().items() if v}


def top_layer_nodes(onnx_path: Path, n_layers: int) -> list[str]:
    """Names of the MatMul nodes of the top ``n_layers`` encoder layers (left in fp32 when asked).
    (The heads are Gemm nodes, which dynamic quantisation leaves in fp32 anyway.)"""
    import re

    import onnx

    graph = onnx.load(str(onnx_path), load_external_data=False).graph
    layer_of = {n.name: int(m.group(1)) for n in graph.node if n.op_type == "MatMul"
                and (m := re.search(r"/layer\.(\d+)/", n.name))}
    if not layer_of or n_layers <= 0:
        return []
    top = max(layer_of.values())
    return [name for name, k in layer_of.items() if k > top - n_layers]


def quantize(fp32: Path, out: Path, variant: Variant) -> None:
    if variant.quant == "fp32":
        shutil.copyfile(fp32, out)
        return
    from onnxruntime.quantization import QuantType, quantize_dynamic

    exclude = top_layer_nodes(fp32, variant.fp32_last_layers)
    op_types = None
    if variant.exclude_op_types:
        op_types = [t for t in ("MatMul", "Gather", "Attention", "EmbedLayerNormalization") if t not in variant.exclude_op_types]
    import onnx

    # fused contrib ops (Attention, SkipLayerNormalization) defeat ONNX shape inference: say the
    # untyped tensors are float
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=variant.per_channel,
                     nodes_to_exclude=exclude, op_types_to_quantize=op_types,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def write_folder(src: Path, out: Path, manifest: dict, variant: Variant) -> dict:
    tok_dir = src / "tokenizer"
    for name in TOKENIZER_FILES:
        if (tok_dir / name).is_file():
            shutil.copyfile(tok_dir / name, out / name)
    if not (out / "tokenizer.json").is_file():
        raise FileNotFoundError(f"{tok_dir}: no tokenizer.json (a fast tokenizer is needed)")
    shutil.copyfile(src / "thresholds.json", out / "thresholds.json")
    for name in ("config.json", "metrics.json"):  # the fine-tune run's settings and numbers travel with it
        if (src / name).is_file():
            shutil.copyfile(src / name, out / f"finetune_{name}")
    from tokenizers import Tokenizer

    pad_id = Tokenizer.from_file(str(out / "tokenizer.json")).token_to_id("[PAD]")
    meta = {
        "kind": KIND, "version": f"{manifest['version']}-onnx-{variant.name}", "source_version": manifest["version"],
        "labels": {"sentiment": list(SENTIMENTS), "causes": list(CAUSE_CODES), "churn_intent": list(CHURN_INTENTS)},
        "max_len": manifest.get("max_len", 128), "truncation_head": head_of(manifest), "pad_token_id": pad_id if pad_id is not None else 0,
        "quantization": variant.name, "opset": OPSET, "base_model": manifest.get("base_model"),
    }
    (out / "model.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), "utf-8")
    return meta


def parity(model, tokenizer, scorer, texts: list[str], thresholds: dict) -> dict:
    """Agreement of labels and largest probability difference, PyTorch vs the ONNX scorer."""
    mtexts = [model_text(t) for t in texts]
    ref = predict_ids(model, encode_texts(tokenizer, texts, scorer.max_len, scorer.truncation_head), tokenizer.pad_token_id)
    got = scorer.predict_texts(mtexts)
    th = np.array([thresholds.get(c, 0.5) for c in CAUSE_CODES])
    sent_agree = float((ref[0].argmax(1) == got[0].argmax(1)).mean())
    intent_agree = float((ref[2].argmax(1) == got[2].argmax(1)).mean())
    cause_agree_each = (ref[1] >= th) == (got[1] >= th)
    diffs = [float(np.abs(r - g).max()) for r, g in zip(ref, got)]
    rep = {
        "n": len(texts),
        "sentiment_agreement": round(sent_agree, 5),
        "churn_intent_agreement": round(intent_agree, 5),
        "cause_decision_agreement": round(float(cause_agree_each.mean()), 5),
        "cause_all_codes_agreement": round(float(cause_agree_each.all(1).mean()), 5),
        "max_prob_diff": {"sentiment": round(diffs[0], 6), "causes": round(diffs[1], 6), "churn_intent": round(diffs[2], 6)},
    }
    worst_agree = min(sent_agree, intent_agree, float(cause_agree_each.mean()))
    rep["max_prob_diff_all"] = round(max(diffs), 6)
    rep["min_agreement"] = round(worst_agree, 5)
    rep["passes"] = bool(worst_agree >= TARGET_AGREEMENT and max(diffs) <= TARGET_MAX_DIFF)
    return rep


def export(model_dir: Path, out: Path, texts: list[str], variants: list[Variant], threads: int | None = None,
           log=print) -> dict:
    """Export and check each variant in turn until one passes parity (or all are tried); the
    folder ``out`` keeps the passing one, else the first. Returns the report written to parity.json."""
    from feedback_nlp.models.onnx_bert import OnnxBertScorer

    model, tokenizer, manifest, thresholds = load_model(model_dir, attn_implementation="eager")
    out.mkdir(parents=True, exist_ok=True)
    attempts, chosen = [], None
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.fp32.onnx"
        t0 = time.monotonic()
        export_fp32(model, fp32, manifest.get("max_len", 128))
        log(f"exported fp32 ONNX in {time.monotonic() - t0:.1f} s ({fp32.stat().st_size / 1e6:.1f} MB)")
        fused = Path(tmp) / "model.fused.onnx"
        cfg = model.encoder.config
        fusion = fuse(fp32, fused, cfg.num_attention_heads, cfg.hidden_size) if any(v.fused for v in variants) else {}
        log(f"fused operators: {fusion}")
        for variant in variants:
            trial = Path(tmp) / variant.name
            trial.mkdir()
            quantize(fused if variant.fused else fp32, trial / "model.onnx", variant)
            write_folder(model_dir, trial, manifest, variant)
            scorer = OnnxBertScorer(trial, intra_op_num_threads=threads)
            rep = {"variant": variant.name, "onnx_bytes": (trial / "model.onnx").stat().st_size,
                   **parity(model, tokenizer, scorer, texts, thresholds.get("causes", {}))}
            log(json.dumps(rep))
            attempts.append((variant, trial, rep))
            if rep["passes"]:
                chosen = (variant, trial, rep)
                break
        variant, trial, rep = chosen or attempts[0]
        for f in trial.iterdir():
            shutil.copyfile(f, out / f.name)
    report = {"model": str(model_dir), "kept": variant.name, "fused_operators": fusion, "kept_passes": rep["passes"],
              "targets": {"agreement": TARGET_AGREEMENT, "max_prob_diff": TARGET_MAX_DIFF},
              "attempts": [r for _v, _t, r in attempts]}
    (out / "parity.json").write_text(json.dumps(report, indent=2), "utf-8")
    return report


def dev_texts(n: int, seed: int) -> list[str]:
    """``n`` texts from the dev sets (review dev split and the non-review dev set), seeded sample."""
    from training.labelled import load_corpus

    corpus = load_corpus(include_written=False)
    texts = [e.text for e in corpus.review_dev] + [e.text for e in corpus.nonreview_dev]
    random.Random(seed).shuffle(texts)
    return texts[:n]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.export_onnx", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="folder written by training.finetune")
    p.add_argument("--out", required=True)
    p.add_argument("--quant", choices=["int8", "fp32"], default="int8")
    p.add_argument("--per-channel", action="store_true")
    p.add_argument("--exclude-op-types", nargs="*", default=[], help="op types left unquantised (e.g. Gather)")
    p.add_argument("--fp32-last-layers", type=int, default=0, help="top encoder layers left unquantised (unfused graph only)")
    p.add_argument("--no-fuse", action="store_true", help="skip onnxruntime's transformer graph fusions")
    p.add_argument("--fallbacks", action="store_true", help="try other variants until parity passes")
    p.add_argument("--parity-n", type=int, default=1000, help="dev texts for the parity check")
    p.add_argument("--parity-file", default=None, help="text file (one per line) instead of the dev sets")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    if a.parity_file:
        texts = [t for t in Path(a.parity_file).read_text("utf-8").splitlines() if t.strip()][:a.parity_n]
    else:
        texts = dev_texts(a.parity_n, a.seed)
    first = Variant(a.quant, a.per_channel, tuple(a.exclude_op_types), a.fp32_last_layers, fused=not a.no_fuse and not a.fp32_last_layers)
    variants = [first] + ([v for v in FALLBACKS if v.name != first.name] if a.fallbacks else [])
    report = export(Path(a.model), Path(a.out), texts, variants, threads=a.threads)
    print(json.dumps({k: v for k, v in report.items() if k != "attempts"}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
