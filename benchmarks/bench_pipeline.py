"""Throughput of normalise + PII + segment + lexicon (the text pipeline before any model), in texts/s,
next to jieba's bare ``lcut`` on the same texts in the same process, as a ratio.

    python benchmarks/bench_pipeline.py [--n 20000] [--data ../shared/data/reviews_train.csv]

Single process. Both sides segment with the same private jieba tokenizer (already initialised),
and the two sides run in ``--repeat`` interleaved pairs; medians are reported.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

from feedback_nlp.pipeline import build_pipeline
from feedback_nlp.text.segment import get_tokenizer


def load_texts(path: Path, n: int) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f) if row["text"].strip()]
    return texts[:n]


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared/data/reviews_train.csv")
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not args.data.is_file():
        print(f"no data at {args.data}; pass --data", file=sys.stderr)
        return 2
    texts = load_texts(args.data, args.n)
    pipe = build_pipeline()
    tok = get_tokenizer()
    max_chars = pipe.max_chars
    texts = [t for t in texts if len(t) <= max_chars]

    def bare() -> None:
        for t in texts:
            tok.lcut(t)

    def pipeline() -> None:
        for t in texts:
            pipe.process(t)

    bare()  # warm caches
    # interleaved A/B pairs, so drift of a shared machine hits both sides alike
    pairs = [(timed(bare), timed(pipeline)) for _ in range(args.repeat)]
    ratios = sorted(b / p for b, p in pairs)
    t_bare = statistics.median(b for b, _ in pairs)
    t_pipe = statistics.median(p for _, p in pairs)
    n = len(texts)
    chars = sum(map(len, texts))
    print(f"texts: {n} (mean {chars / n:.1f} chars) from {args.data.name}")
    print(f"jieba lcut only:                         {n / t_bare:9.0f} texts/s")
    print(f"normalise+pii+segment+lexicon pipeline:  {n / t_pipe:9.0f} texts/s")
    print(f"ratio pipeline / bare lcut throughput:   {statistics.median(ratios):9.3f} "
          f"(median of {len(ratios)} interleaved pairs; min {ratios[0]:.3f}, max {ratios[-1]:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
