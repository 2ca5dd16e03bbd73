"""Evaluate a model directory on the dev sets and write the evaluation report.

    python -m training.evaluate --model models/<version> [--out models/<version>/eval]
    python -m training.evaluate --model lexicon            # the lexicon-only floor

Dev sets: the shared rows in the hash dev split (binary sentiment for every review; causes,
3-way sentiment and churn intent where labelled) and the non-review dev set written and labelled
here (``training/data/nonreview_dev.jsonl``), plus the non-review check set written by a second writer
(``training/data/nonreview_check.jsonl``, reported on its own). Nothing here is ever trained on.

Writes ``report.json`` (every number), ``REPORT.md`` (the tables), ``reliability.png`` and
``confusion.png``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from feedback_nlp.pipeline import build_pipeline
from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, SENTIMENTS
from training.labelled import Example, load_corpus

MIN_SUPPORT_REVIEW = 20
MIN_SUPPORT_NONREVIEW = 10


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn}


def ece(conf: np.ndarray, correct: np.ndarray, bins: int = 10) -> tuple[float, list[dict]]:
    edges = np.linspace(0, 1, bins + 1)
    total, table = 0.0, []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if m.sum() == 0:
            table.append({"bin": [round(lo, 2), round(hi, 2)], "n": 0})
            continue
        acc, c = float(correct[m].mean()), float(conf[m].mean())
        total += m.sum() / len(conf) * abs(acc - c)
        table.append({"bin": [round(lo, 2), round(hi, 2)], "n": int(m.sum()), "accuracy": round(acc, 4), "confidence": round(c, 4)})
    return round(float(total), 4), table


def cause_metrics(examples: list[Example], results: list[dict], min_support: int) -> dict:
    counts = {c: Counter() for c in CAUSE_CODES}
    exact = 0
    for ex, res in zip(examples, results):
        pred = {c["code"] for c in res["causes"]}
        gold = set(ex.causes)
        exact += pred == gold
        for c in CAUSE_CODES:
            counts[c]["tp" if c in pred and c in gold else "fp" if c in pred else "fn" if c in gold else "tn"] += 1
    per = {c: prf(counts[c]["tp"], counts[c]["fp"], counts[c]["fn"]) for c in CAUSE_CODES}
    eligible = [c for c in CAUSE_CODES if per[c]["support"] >= min_support]
    tp = sum(counts[c]["tp"] for c in CAUSE_CODES)
    fp = sum(counts[c]["fp"] for c in CAUSE_CODES)
    fn = sum(counts[c]["fn"] for c in CAUSE_CODES)
    return {
        "n": len(examples), "per_code": per, "macro_f1_codes": eligible, "min_support": min_support,
        "macro_f1": round(float(np.mean([per[c]["f1"] for c in eligible])), 4) if eligible else None,
        "micro_f1": prf(tp, fp, fn)["f1"], "exact_set_accuracy": round(exact / max(1, len(examples)), 4),
    }


def confusion(gold: list[str], pred: list[str], labels: tuple[str, ...]) -> list[list[int]]:
    m = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred):
        m[labels.index(g)][labels.index(p)] += 1
    return m


def labelled_metrics(examples: list[Example], results: list[dict], min_support: int) -> dict:
    gold_s = [e.sentiment for e in examples]
    pred_s = [r["sentiment"]["label"] for r in results]
    gold_i = [e.churn_intent for e in examples]
    pred_i = [r["churn_intent"]["label"] for r in results]
    ci = Counter(("tp" if p == "explicit" and g == "explicit" else "fp" if p == "explicit" else "fn" if g == "explicit" else "tn")
                 for g, p in zip(gold_i, pred_i))
    cr = Counter(("tp" if p == "risk" and g == "risk" else "fp" if p == "risk" else "fn" if g == "risk" else "tn")
                 for g, p in zip(gold_i, pred_i))
    return {
        "causes": cause_metrics(examples, results, min_support),
        "sentiment_accuracy_3way": round(float(np.mean([g == p for g, p in zip(gold_s, pred_s)])), 4),
        "sentiment_confusion": confusion(gold_s, pred_s, SENTIMENTS),
        "churn_intent_accuracy": round(float(np.mean([g == p for g, p in zip(gold_i, pred_i)])), 4),
        "churn_intent_confusion": confusion(gold_i, pred_i, CHURN_INTENTS),
        "churn_explicit": prf(ci["tp"], ci["fp"], ci["fn"]),
        "churn_risk": prf(cr["tp"], cr["fp"], cr["fn"]),
    }


def calibration(examples: list[Example], results: list[dict]) -> dict:
    conf = np.array([max(r["sentiment"]["scores"].values()) for r in results])
    correct = np.array([r["sentiment"]["label"] == e.sentiment for e, r in zip(examples, results)], float)
    s_ece, s_table = ece(conf, correct)
    probs, hits = [], []
    for e, r in zip(examples, results):
        for c in CAUSE_CODES:
            probs.append(r["cause_scores"][c])
            hits.append(float(c in e.causes))
    p, h = np.array(probs), np.array(hits)
    # cause calibration: reliability of P(code) against the observed frequency
    edges = np.linspace(0, 1, 11)
    total, table = 0.0, []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (p >= lo) & (p <= hi) if lo == 0 else (p > lo) & (p <= hi)
        if m.sum():
            total += m.sum() / len(p) * abs(float(h[m].mean()) - float(p[m].mean()))
            table.append({"bin": [round(lo, 2), round(hi, 2)], "n": int(m.sum()), "observed": round(float(h[m].mean()), 4),
                          "predicted": round(float(p[m].mean()), 4)})
    return {"sentiment_ece": s_ece, "sentiment_bins": s_table, "cause_ece": round(float(total), 4), "cause_bins": table}


def run(model: str, out: Path | None) -> dict:
    corpus = load_corpus()
    pipe = build_pipeline(model_dir=None if model == "lexicon" else model)
    if model == "lexicon":
        from feedback_nlp.models.lexicon_scorer import LexiconScorer
        pipe.scorer = LexiconScorer()

    def classify(exs: list[Example]) -> list[dict]:
        res = pipe.classify_batch([e.text for e in exs], [e.id for e in exs])
        return [r if isinstance(r, dict) else {"causes": [], "cause_scores": dict.fromkeys(CAUSE_CODES, 0.0),
                                                 "sentiment": {"label": "neutral", "scores": {s: 1 / 3 for s in SENTIMENTS}},
                                                 "churn_intent": {"label": "none", "scores": {"none": 1.0, "risk": 0.0, "explicit": 0.0}}}
                for r in res]

    review = corpus.review_dev
    review_res = classify(review)
    by_source: dict[str, list[bool]] = defaultdict(list)
    for e, r in zip(review, review_res):
        by_source[e.source].append((r["sentiment"]["label"] == "positive") == (e.sentiment == "positive"))
    binary = {s: {"accuracy": round(float(np.mean(v)), 4), "n": len(v)} for s, v in sorted(by_source.items())}

    lab = [(e, r) for e, r in zip(review, review_res) if e.causes is not None]
    lab_ex, lab_res = [e for e, _ in lab], [r for _, r in lab]
    review_lab = labelled_metrics(lab_ex, lab_res, MIN_SUPPORT_REVIEW)
    per_source_causes = {}
    for src in sorted({e.source for e in lab_ex}):
        idx = [i for i, e in enumerate(lab_ex) if e.source == src]
        per_source_causes[src] = cause_metrics([lab_ex[i] for i in idx], [lab_res[i] for i in idx], 5)
    nr_res = classify(corpus.nonreview_dev)
    nonreview = labelled_metrics(corpus.nonreview_dev, nr_res, MIN_SUPPORT_NONREVIEW) if corpus.nonreview_dev else None
    check = None
    if corpus.nonreview_check:
        check = labelled_metrics(corpus.nonreview_check, classify(corpus.nonreview_check), MIN_SUPPORT_NONREVIEW)
    report = {
        "model_version": pipe.model_version,
        "lexicon_version": pipe.lexicon_version,
        "sentiment_binary_accuracy": binary,
        "review_dev_labelled": review_lab,
        "review_dev_causes_by_source": per_source_causes,
        "nonreview_dev": nonreview,
        "nonreview_check": check,
        "calibration_review_dev": calibration(lab_ex, lab_res),
        "calibration_nonreview_dev": calibration(corpus.nonreview_dev, nr_res) if corpus.nonreview_dev else None,
    }
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
        (out / "REPORT.md").write_text(markdown(report), "utf-8")
        plots(report, out)
    return report


def headline(report: dict) -> list[tuple[str, object]]:
    b = report["sentiment_binary_accuracy"]
    r = report["review_dev_labelled"]
    n = report["nonreview_dev"] or {}
    k = report.get("nonreview_check") or {}
    return [
        ("sentiment accuracy, binary, waimai", b.get("waimai", {}).get("accuracy")),
        ("sentiment accuracy, binary, shopping", b.get("shopping", {}).get("accuracy")),
        ("sentiment accuracy, binary, hotel", b.get("hotel", {}).get("accuracy")),
        (f"cause macro-F1, review dev (codes with ≥{MIN_SUPPORT_REVIEW} examples)", r["causes"]["macro_f1"]),
        ("cause micro-F1, review dev", r["causes"]["micro_f1"]),
        (f"cause macro-F1, non-review dev (codes with ≥{MIN_SUPPORT_NONREVIEW} examples)", n.get("causes", {}).get("macro_f1")),
        ("churn explicit F1, review dev", r["churn_explicit"]["f1"]),
        ("churn explicit F1, non-review dev", n.get("churn_explicit", {}).get("f1")),
        (f"cause macro-F1, non-review check set, second writer (codes with ≥{MIN_SUPPORT_NONREVIEW})",
         k.get("causes", {}).get("macro_f1")),
        ("churn explicit F1, non-review check set, second writer", k.get("churn_explicit", {}).get("f1")),
        ("sentiment ECE, review dev (labelled rows)", report["calibration_review_dev"]["sentiment_ece"]),
        ("cause ECE, review dev (labelled rows)", report["calibration_review_dev"]["cause_ece"]),
    ]


def markdown(report: dict) -> str:
    lines = [f"# Evaluation: {report['model_version']}", "", f"Lexicon {report['lexicon_version']}.", "",
             "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in headline(report)]
    for name, key in (("review dev (labelled rows)", "review_dev_labelled"), ("non-review dev", "nonreview_dev"),
                      ("non-review check set (second writer)", "nonreview_check")):
        sec = report.get(key)
        if not sec:
            continue
        lines += ["", f"## Causes, {name}: n={sec['causes']['n']}, macro-F1 {sec['causes']['macro_f1']} "
                      f"over {', '.join(sec['causes']['macro_f1_codes'])}", "",
                  "| code | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        for c, m in sec["causes"]["per_code"].items():
            lines.append(f"| {c} | {m['precision']} | {m['recall']} | {m['f1']} | {m['support']} |")
        lines += ["", f"Sentiment confusion (rows gold, columns predicted; {', '.join(SENTIMENTS)}): {sec['sentiment_confusion']}",
                  f"Churn-intent confusion ({', '.join(CHURN_INTENTS)}): {sec['churn_intent_confusion']}", ""]
    lines += ["## Causes by source (review dev)", "", "| source | n | micro-F1 | exact set |", "|---|---|---|---|"]
    for s, m in report["review_dev_causes_by_source"].items():
        lines.append(f"| {s} | {m['n']} | {m['micro_f1']} | {m['exact_set_accuracy']} |")
    return "\n".join(lines) + "\n"


def plots(report: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    for ax, key, title in ((axes[0], "sentiment_bins", "sentiment (max prob)"), (axes[1], "cause_bins", "cause probabilities")):
        bins = [b for b in report["calibration_review_dev"][key] if b.get("n")]
        x = [b.get("confidence", b.get("predicted")) for b in bins]
        y = [b.get("accuracy", b.get("observed")) for b in bins]
        ax.plot([0, 1], [0, 1], "--", color="grey")
        ax.plot(x, y, "o-")
        ax.set_title(f"Reliability: {title}")
        ax.set_xlabel("predicted")
        ax.set_ylabel("observed")
    fig.tight_layout()
    fig.savefig(out / "reliability.png", dpi=90)
    plt.close(fig)

    secs = [(n, report[k]) for n, k in (("review dev", "review_dev_labelled"), ("non-review dev", "nonreview_dev")) if report.get(k)]
    fig, axes = plt.subplots(len(secs), 2, figsize=(9, 4 * len(secs)), squeeze=False)
    for row, (name, sec) in enumerate(secs):
        for col, (key, labels) in enumerate((("sentiment_confusion", SENTIMENTS), ("churn_intent_confusion", CHURN_INTENTS))):
            ax = axes[row][col]
            m = np.array(sec[key])
            ax.imshow(m, cmap="Blues")
            for i in range(m.shape[0]):
                for j in range(m.shape[1]):
                    ax.text(j, i, str(m[i, j]), ha="center", va="center")
            ax.set_xticks(range(len(labels)), labels)
            ax.set_yticks(range(len(labels)), labels)
            ax.set_title(f"{key.split('_')[0]} — {name}")
            ax.set_xlabel("predicted")
            ax.set_ylabel("gold")
    fig.tight_layout()
    fig.savefig(out / "confusion.png", dpi=90)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Evaluate a model directory on the dev sets.")
    ap.add_argument("--model", required=True, help="model directory, or 'lexicon'")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    report = run(args.model, args.out)
    for k, v in headline(report):
        print(f"{k:70s} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
