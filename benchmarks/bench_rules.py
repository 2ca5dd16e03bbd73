"""Rule evaluations per second for the default rule set on 100,000 synthetic classified records.

Single process. Reproduce from the repository root:

    .venv/bin/python benchmarks/bench_rules.py            # 100,000 records
    .venv/bin/python benchmarks/bench_rules.py --n 20000  # quicker

Records are synthetic classify-contract dicts (seeded, so every run sees the same data) wrapped with
event fields: one record every 3 seconds over ~3.5 days, 200 stores, 5,000 customers (10 % tier A),
a quarter with survey scores. Each record is evaluated against every rule of the default rule set
(window counts, baselines, delayed triggers and digests included); ``tick`` runs once a simulated
minute. The reference in the same run is the bare cost of turning the record into condition fields
(``event_facts``), so the ratio says how much the rules add on top.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedback_nlp.paths import default_rules_path  # noqa: E402
from feedback_nlp.rules import Event, InMemoryState, RuleEngine, load_rules  # noqa: E402
from feedback_nlp.rules.facts import event_facts  # noqa: E402
from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, SENTIMENTS  # noqa: E402

TERMS = [("速度慢", "logistics", 2), ("时间久", "logistics", 2), ("态度差", "service", 2), ("假货", "product_quality", 3),
         ("拉肚子", "safety_health", 3), ("贵", "price_value", 1), ("闪退", "digital_experience", 2)]


def synthetic(n: int, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    t0 = datetime(2026, 11, 16, 0, 0, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        sent = rnd.choices(SENTIMENTS, weights=[5, 3, 2])[0] if len(SENTIMENTS) == 3 else rnd.choice(SENTIMENTS)
        k = rnd.choice([0, 1, 1, 2])
        causes = rnd.sample(CAUSE_CODES[:-1], k) or ["other"]
        churn = rnd.choices(CHURN_INTENTS, weights=[8, 1.5, 0.5][:len(CHURN_INTENTS)])[0]
        kws = []
        for _ in range(rnd.choice([0, 0, 1, 2])):
            term, cause, sev = rnd.choice(TERMS)
            kws.append({"term": term, "text": term, "cause": cause, "severity": sev, "start": 0, "end": len(term),
                        "negated": rnd.random() < 0.1, "polarity": "negative", "weight": 1.0})
        s = rnd.random()
        rec = {
            "id": f"b{i}",
            "received_at": (t0 + timedelta(seconds=3 * i)).isoformat(),
            "classification": {
                "id": f"b{i}",
                "sentiment": {"label": sent, "scores": {x: (0.7 + 0.3 * s if x == sent else 0.1) for x in SENTIMENTS}},
                "causes": [{"code": c, "score": round(0.5 + rnd.random() / 2, 3)} for c in causes],
                "cause_scores": {c: (0.8 if c in causes else round(rnd.random() / 3, 3)) for c in CAUSE_CODES},
                "churn_intent": {"label": churn, "scores": {x: (0.8 if x == churn else 0.1) for x in CHURN_INTENTS}},
                "keywords": kws, "pii": [], "warnings": [], "model_version": "bench", "lexicon_version": "bench",
            },
            "customer": {"id": f"C{rnd.randrange(5000)}", "tier": rnd.choices("ABCD", weights=[1, 2, 4, 3])[0],
                         "ltv": round(rnd.random() * 50000, 2), "tags": rnd.sample(["老客户", "企业客户", "新客户"], 1),
                         "account_manager": "AM1"},
            "attributes": {"store": f"S{rnd.randrange(200)}", "region": rnd.choice(["华东", "华南", "华北"])},
            "source": rnd.choice(["after_sales", "app_review", "hotline", "survey"]),
            "channel": rnd.choice(["app", "phone", "wechat"]),
        }
        if rnd.random() < 0.25:
            rec["survey"] = {"satisfaction": rnd.randint(1, 10), "scale": 10, "nps": rnd.randint(0, 10)}
        out.append(rec)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--rules", default=str(default_rules_path()))
    args = ap.parse_args()

    ruleset = load_rules(args.rules)
    records = synthetic(args.n)
    events = [Event.from_record(r) for r in records]  # parsing is not part of the measurement

    t = time.perf_counter()
    for ev in events:
        event_facts(ev)
    ref = time.perf_counter() - t

    now = {"t": events[0].received_at}
    engine = RuleEngine(ruleset, clock=lambda: now["t"], state=InMemoryState())
    decisions = 0
    next_tick = events[0].received_at
    t = time.perf_counter()
    for ev in events:
        now["t"] = ev.received_at
        if ev.received_at >= next_tick:
            decisions += len(engine.tick(ev.received_at))
            next_tick = ev.received_at + timedelta(minutes=1)
        decisions += len(engine.evaluate(ev))
    elapsed = time.perf_counter() - t

    n_rules = len(engine.rules)
    print(f"rule set {args.rules} version {ruleset.version}: {n_rules} rules")
    print(f"records: {len(events):,}  decisions: {decisions:,}  (alerts, repeats and muted included)")
    print(f"engine:  {elapsed:.2f} s  ->  {len(events) / elapsed:,.0f} records/s, "
          f"{len(events) * n_rules / elapsed:,.0f} rule evaluations/s (single process)")
    print(f"reference (event_facts only): {ref:.2f} s ->  {len(events) / ref:,.0f} records/s; "
          f"engine/reference time ratio {elapsed / ref:.1f}x")
    print("reproduce: .venv/bin/python benchmarks/bench_rules.py --n", args.n)


if __name__ == "__main__":
    main()
