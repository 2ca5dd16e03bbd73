"""Pick unlabelled training-split reviews for labelling by hand (uncertainty sampling).

The shared sample has few real examples of explicit churn intent and of some cause codes
(``price_value`` limits review cause macro-F1). This picks rows of the **train split only** whose
labels are missing, that are not near-copies of a dev-split review, and where a model is unsure —
churn intent (P(risk)+P(explicit) in a middle band), each rarer cause code (score in a middle
band) — plus a random share, so labels are not
drawn only from the model's blind spots. The picks are then labelled by reading each text
(``training/data/review_labels_here.jsonl``); the model's scores are never shown to the labeller.

    python -m training.select_for_labelling --model models/$(cat models/DEFAULT)/linear --n 800 --out /tmp/picks
    # a round for one weakness only: --share churn_intent=0.8 --share random=0.2
    # or one source: --source hotel --share churn_intent=0.5 --share random=0.5

Writes ``batch_KK.jsonl`` files ({"id", "source", "text"}, shuffled, texts stay outside the
project) and ``picks.json`` (why each id was picked).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from training.labelled import load_corpus
from training.near_dups import near_duplicates

BANDS = {  # (low, high) of the score that counts as unsure
    "churn_intent": (0.15, 0.85),
    "price_value": (0.10, 0.90),
    "competitor": (0.10, 0.90),
    "policy_promise": (0.10, 0.90),
    "billing_refund": (0.10, 0.90),
    "marketing_harassment": (0.05, 0.90),
    "digital_experience": (0.05, 0.90),
    "service": (0.15, 0.85),
    "safety_health": (0.10, 0.90),
}
SHARES = {"churn_intent": 0.30, "price_value": 0.20, "competitor": 0.07, "policy_promise": 0.07,
          "billing_refund": 0.04, "marketing_harassment": 0.03, "digital_experience": 0.02,
          "service": 0.05, "safety_health": 0.04, "random": 0.18}


def parse_shares(items: list[str]) -> dict[str, float]:
    """``["churn_intent=0.8", "random=0.2"]`` → ``{"churn_intent": 0.8, "random": 0.2}``."""
    shares: dict[str, float] = {}
    for item in items:
        reason, sep, value = item.partition("=")
        if not sep or reason not in SHARES:
            raise SystemExit(f"--share {item!r}: expected REASON=FRACTION with REASON one of {', '.join(SHARES)}")
        try:
            shares[reason] = float(value)
        except ValueError:
            raise SystemExit(f"--share {item!r}: {value!r} is not a number") from None
        if not 0 < shares[reason] <= 1:
            raise SystemExit(f"--share {item!r}: the fraction must be in (0, 1]")
    if sum(shares.values()) > 1 + 1e-9:
        raise SystemExit(f"--share: the fractions add up to {sum(shares.values()):g}, more than 1")
    return shares


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="model directory to score with (a fast one: the linear member)")
    p.add_argument("--n", type=int, default=800)
    p.add_argument("--batch", type=int, default=200, help="rows per batch file")
    p.add_argument("--seed", type=int, default=20261123)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--source", default=None, help="only reviews of this source (waimai, shopping, hotel)")
    p.add_argument("--share", action="append", default=[], metavar="REASON=FRACTION",
                   help="pick only for the reasons given, each this fraction of --n (repeatable; "
                        f"reasons: {', '.join(SHARES)}); default: {SHARES}")
    a = p.parse_args(argv)
    shares = parse_shares(a.share) if a.share else SHARES

    from feedback_nlp.pipeline import build_pipeline

    corpus = load_corpus(include_written=False)
    # train split only; binary_only: no 3-way labels yet, neither shared nor made here (load_corpus joins both)
    pool = [e for e in corpus.train if e.binary_only and len(e.text) <= 400 and a.source in (None, e.source)]
    if not pool:
        raise SystemExit(f"no unlabelled train-split reviews{' of source ' + a.source if a.source else ''}")
    # the corpora were deduplicated by exact text only: a train row that is a near-copy of a dev review
    # would carry its label into the dev metrics
    dev_copies = {left for left, _, _ in near_duplicates([{"id": e.id, "text": e.text} for e in pool],
                                                        [{"id": e.id, "text": e.text} for e in corpus.review_dev])}
    pool = [e for e in pool if e.id not in dev_copies]
    pipe = build_pipeline(a.model)
    results = pipe.classify_batch([e.text for e in pool], [e.id for e in pool])
    rng = random.Random(a.seed)
    by_reason: dict[str, list[int]] = {k: [] for k in SHARES}
    for i, r in enumerate(results):
        if not isinstance(r, dict):
            continue
        ci = r["churn_intent"]["scores"]
        lo, hi = BANDS["churn_intent"]
        if lo <= ci["risk"] + ci["explicit"] <= hi:
            by_reason["churn_intent"].append(i)
        for code, (lo, hi) in BANDS.items():
            if code != "churn_intent" and lo <= r["cause_scores"][code] <= hi:
                by_reason[code].append(i)
        by_reason["random"].append(i)
    picked: dict[int, str] = {}
    for reason, share in shares.items():
        cands = [i for i in by_reason[reason] if i not in picked]
        rng.shuffle(cands)
        for i in cands[: round(share * a.n)]:
            picked[i] = reason
    order = list(picked)
    rng.shuffle(order)
    a.out.mkdir(parents=True, exist_ok=True)
    for k in range(0, len(order), a.batch):
        with open(a.out / f"batch_{k // a.batch:02d}.jsonl", "w", encoding="utf-8") as fh:
            for i in order[k:k + a.batch]:
                fh.write(json.dumps({"id": pool[i].id, "source": pool[i].source, "text": pool[i].text},
                                    ensure_ascii=False) + "\n")
    (a.out / "picks.json").write_text(json.dumps({pool[i].id: picked[i] for i in order}, indent=0), "utf-8")
    counts = {r: sum(1 for v in picked.values() if v == r) for r in shares}
    print(f"pool {len(pool)} unlabelled train reviews; picked {len(order)}: {counts}; band sizes "
          f"{ {r: len(v) for r, v in by_reason.items()} }")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
