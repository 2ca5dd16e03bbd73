"""Full-pipeline classification throughput vs ``snownlp`` sentiment on the same texts, one process.

    python benchmarks/bench_classify.py [--n 10000] [--batch 256] [--model DIR]

The pipeline side is everything ``feedback-nlp classify`` does per text (normalise, PII, segment,
lexicon, model, result assembly) in batches; the reference side is ``SnowNLP(text).sentiments``.
Both run on the same texts in this process; the ratio is pipeline texts/s ÷ snownlp texts/s.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

from feedback_nlp.pipeline import build_pipeline


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared/data/reviews_train.csv")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    if not args.data.is_file():
        print(f"no data at {args.data}; pass --data", file=sys.stderr)
        return 2
    from snownlp import SnowNLP

    with args.data.open(encoding="utf-8", newline="") as f:
        texts = [r["text"] for r in csv.DictReader(f) if r["text"].strip()][: args.n]
    pipe = build_pipeline(model_dir=args.model)
    pipe.classify_batch(texts[:50])
    SnowNLP(texts[0]).sentiments

    t0 = time.perf_counter()
    for i in range(0, len(texts), args.batch):
        pipe.classify_batch(texts[i:i + args.batch])
    t_pipe = time.perf_counter() - t0

    t0 = time.perf_counter()
    for t in texts:
        SnowNLP(t).sentiments
    t_snow = time.perf_counter() - t0

    n = len(texts)
    print(f"texts: {n}; model {pipe.model_version}")
    print(f"feedback-nlp full pipeline: {n / t_pipe:8.0f} texts/s")
    print(f"snownlp sentiment:          {n / t_snow:8.0f} texts/s")
    print(f"ratio:                      {t_snow / t_pipe:8.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
