"""ONNX int8 (onnxruntime) vs PyTorch fp32 eager throughput: same model, same texts, one run.

    python benchmarks/bench_onnx.py --bert runs/bert-finetune --onnx runs/bert-finetune/onnx \\
        [--n 1000] [--rounds 3] [--threads 2] [--batch-size 16]

Both sides get the same model text (normalised, PII-masked; prepared once, outside the timing),
tokenise it themselves (``transformers`` fast tokenizer vs ``tokenizers``), sort by length and run
batches of the same size with the same thread count. Rounds alternate A/B (interleaved) so load
from other processes hits both alike; the median texts/s of each side and their ratio are printed
(issue 4 target: ONNX int8 ≥ 2× PyTorch fp32 eager). Texts: the dev sets when ``../shared/data``
is there, else ``--texts FILE`` (one per line).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bert", required=True, help="bert-multitask folder (training.finetune)")
    p.add_argument("--onnx", required=True, help="onnx-bert folder (training.export_onnx)")
    p.add_argument("--texts", default=None, help="file of texts, one per line (default: dev sets)")
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--json-out", default=None)
    a = p.parse_args(argv)

    import torch

    from feedback_nlp.models.onnx_bert import OnnxBertScorer
    from feedback_nlp.models.truncation import head_of, keep_head_and_tail
    from training.finetune import load_model, model_text, predict_ids

    torch.set_num_threads(a.threads)
    if a.texts:
        texts = [t for t in Path(a.texts).read_text("utf-8").splitlines() if t.strip()][:a.n]
    else:
        from training.export_onnx import dev_texts

        texts = dev_texts(a.n, seed=1)
    mtexts = [model_text(t) for t in texts]
    model, tok, manifest, _th = load_model(a.bert)
    onnx = OnnxBertScorer(a.onnx, intra_op_num_threads=a.threads, batch_size=a.batch_size)
    max_len = manifest.get("max_len", 128)
    head = head_of(manifest)

    def run_torch() -> None:
        ids = [keep_head_and_tail(x, max_len, head) for x in tok(mtexts, truncation=False, verbose=False)["input_ids"]]
        predict_ids(model, ids, tok.pad_token_id, batch_size=a.batch_size)

    def run_onnx() -> None:
        onnx.predict_texts(mtexts)

    run_torch(), run_onnx()  # warm-up (allocations, graph optimisation)
    times: dict[str, list[float]] = {"pytorch_fp32": [], "onnx": []}
    for _ in range(a.rounds):
        for name, fn in (("pytorch_fp32", run_torch), ("onnx", run_onnx)):
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    rate = {k: len(texts) / statistics.median(v) for k, v in times.items()}
    result = {
        "texts": len(texts), "rounds": a.rounds, "threads": a.threads, "batch_size": a.batch_size,
        "onnx_quantization": json.loads((Path(a.onnx) / "model.json").read_text("utf-8")).get("quantization"),
        "pytorch_fp32_texts_per_s": round(rate["pytorch_fp32"], 1), "onnx_texts_per_s": round(rate["onnx"], 1),
        "ratio_onnx_over_pytorch": round(rate["onnx"] / rate["pytorch_fp32"], 2),
        "seconds": {k: [round(x, 3) for x in v] for k, v in times.items()},
    }
    print(f"PyTorch fp32 eager: {result['pytorch_fp32_texts_per_s']:.1f} texts/s")
    print(f"ONNX {result['onnx_quantization']}: {result['onnx_texts_per_s']:.1f} texts/s")
    print(f"ratio: {result['ratio_onnx_over_pytorch']:.2f}x (target >= 2x)")
    print(json.dumps(result))
    if a.json_out:
        Path(a.json_out).write_text(json.dumps(result, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
