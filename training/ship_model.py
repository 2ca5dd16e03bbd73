"""Ship a trained classifier as the default model: ``models/<version>/`` with its evaluation report and
model card, replacing the one in place only when it is better on dev.

    python -m training.ship_model --model runs/linear-v1 [--force]

"Better" is the mean of the headline dev metrics of ``training.evaluate`` (binary sentiment per
source, cause macro-F1 on both dev sets, churn explicit F1 on both); the previous shipped model
directory is removed from the tree and ``models/DEFAULT`` names the new one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from feedback_nlp.models.registry import default_model_dir
from feedback_nlp.paths import models_dir
from training.evaluate import headline, run

SIZE_BUDGET = 40 * 1024 * 1024
SCORED = (
    "sentiment accuracy, binary, waimai", "sentiment accuracy, binary, shopping", "sentiment accuracy, binary, hotel",
    "cause macro-F1, review dev", "cause macro-F1, non-review dev", "churn explicit F1, review dev",
    "churn explicit F1, non-review dev",
)


def dev_score(report: dict) -> float:
    vals = [v for k, v in headline(report) if any(k.startswith(s) for s in SCORED) and v is not None]
    return sum(vals) / len(vals)


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def model_card(meta: dict, report: dict, extra: str = "") -> str:
    rows = "\n".join(f"| {k} | {v} |" for k, v in headline(report))
    cfg = meta.get("config", {})
    rows_line = (f"Training rows: {cfg['train_rows']} (sentiment {cfg.get('sentiment_rows', '?')}, causes "
                 f"{cfg.get('cause_rows', '?')}, churn intent {cfg.get('intent_rows', '?')})." if "train_rows" in cfg
                 else "Training rows: see each member below.")
    return f"""# Model card: {meta['version']}

**Kind:** `{meta['kind']}` — {meta.get('description', 'the classifier the pipeline loads by default')}.

## What it predicts
Churn causes (13 codes, multi-label, per-code thresholds in `model.json`), sentiment
(negative/neutral/positive) and churn intent (none/risk/explicit), as defined in the labelling guide
and `feedback_nlp/data/taxonomy.yaml`.

## Data
- Shared reviews (`reviews_train.csv`, waimai / shopping / hotel): binary sentiment, train split only
  (dev split = `sha1(id) % 10 == 0`).
- Shared cause labels (`cause_labels_train.jsonl`): 3-way sentiment, causes and churn intent, train split.
- `training/data/review_labels_here.jsonl` (where present): more train-split shared reviews labelled
  here by reading, picked by uncertainty sampling (`training.select_for_labelling`) plus a random share.
- `training/data/written_train.jsonl`: texts written here in other registers (surveys, tickets,
  chats, e-mails, app reviews) and industries, labelled by reading; training only.
- Dev sets: the shared dev split and `training/data/nonreview_dev.jsonl` (written here, labelled by
  reading, never trained on); `training/data/nonreview_check.jsonl` (318 texts by a second writer who
  saw none of the other files; never trained on, never used for any choice) is reported on its own.

{rows_line}

## Method
{meta.get('method', '')}

Config: `{json.dumps(cfg, ensure_ascii=False)}`

## Dev metrics (measured by `python -m training.evaluate`)
| metric | value |
|---|---|
{rows}

Full tables: `eval/REPORT.md`, `eval/report.json`; reliability diagram `eval/reliability.png`;
confusion matrices `eval/confusion.png`.

## Known limits
- The non-review dev set and the extra training texts were written here, not collected from real
  customers; real survey/ticket text will differ. Codes with little real data (need_change,
  privacy_security, marketing_harassment, digital_experience, billing_refund) rest mostly on them.
- `other` and `neutral` are rare in training and are predicted poorly (see the confusion matrices).
- Sarcasm and long multi-topic e-mails are the weakest cases.
{extra}
"""


def stacked_section(model: Path, meta: dict) -> str:
    """Model-card text for a ``kind: stacked`` directory: members, per-task choice, cross-fitted numbers."""
    cv = json.loads((model / "cv_report.json").read_text("utf-8")) if (model / "cv_report.json").is_file() else {}
    lines = ["", "## Members and combination", "",
             "Combiner (`feedback_nlp/models/stacked.py`, fitted by `python -m training.stack` on the review dev split):",
             "| task | kept | cross-fitted review-dev metric |", "|---|---|---|"]
    for task, sel in meta.get("selection", {}).items():
        lines.append(f"| {task} | {sel['chosen']} | {sel['cross_fitted_dev']} |")
    lines += ["", "Review dev, each alone and stacked (stacked: every fold predicted by a combiner fitted on the others):", "",
              "| model | binary sentiment (waimai / shopping / hotel) | cause macro-F1 | explicit F1 |", "|---|---|---|---|"]
    rows = [("stacked, cross-fitted", cv.get("cross_fitted_review_dev"))] + list(cv.get("members_alone_review_dev", {}).items())
    for name, rep in rows:
        if rep:
            b = rep["sentiment_binary_accuracy"]
            lines.append(f"| {name} | {b.get('waimai')} / {b.get('shopping')} / {b.get('hotel')} | "
                         f"{rep['labelled']['causes']['macro_f1']} | {rep['labelled']['churn_explicit']['f1']} |")
    for name in meta.get("members", []):
        sub = model / name
        m = json.loads((sub / "model.json").read_text("utf-8"))
        lines += ["", f"### Member `{name}`: {m.get('kind')} {m.get('version')}"]
        if m.get("method"):
            lines.append(m["method"])
        if (sub / "finetune_config.json").is_file():
            lines.append(f"Fine-tune config: `{(sub / 'finetune_config.json').read_text('utf-8').replace(chr(10), ' ')}`")
        if (sub / "finetune_metrics.json").is_file():
            tr = json.loads((sub / "finetune_metrics.json").read_text("utf-8")).get("train", {})
            lines.append(f"Fine-tune run: {json.dumps(tr)}")
        if (sub / "parity.json").is_file():
            par = json.loads((sub / "parity.json").read_text("utf-8"))
            kept = next((a for a in par["attempts"] if a["variant"] == par["kept"]), {})
            lines.append(f"ONNX {par['kept']}: parity on {kept.get('n')} dev texts vs PyTorch — label agreement "
                         f"{kept.get('min_agreement')} (worst task), max probability difference {kept.get('max_prob_diff_all')}.")
    return "\n".join(lines) + "\n"


def ship(model: Path, force: bool = False, log=print) -> Path | None:
    meta = json.loads((model / "model.json").read_text("utf-8"))
    eval_dir = Path(tempfile.mkdtemp(prefix="ship-eval-"))
    report = run(str(model), eval_dir)  # evaluated once; the files ship with the model
    new_score = dev_score(report)
    current = default_model_dir()
    if current is not None and not force:
        cur_report_path = current / "eval" / "report.json"
        if cur_report_path.is_file():
            cur = dev_score(json.loads(cur_report_path.read_text("utf-8")))
            log(f"dev score: new {new_score:.4f} vs shipped {current.name} {cur:.4f}")
            if new_score <= cur:
                log("not shipped: not better than the model in place (use --force to override)")
                shutil.rmtree(eval_dir)
                return None
    target = models_dir() / meta["version"]
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(model, target, ignore=shutil.ignore_patterns("eval", "checkpoint*", "*.log", "runs"))
    shutil.move(str(eval_dir), target / "eval")
    extra = stacked_section(target, meta) if meta.get("kind") == "stacked" else ""
    (target / "MODEL_CARD.md").write_text(model_card(meta, report, extra), "utf-8")
    size = dir_size(target)
    if size > SIZE_BUDGET:
        shutil.rmtree(target)
        raise SystemExit(f"{target}: {size / 2**20:.1f} MiB is over the 40 MiB budget; not shipped")
    if current is not None and current.resolve() != target.resolve():
        shutil.rmtree(current)
    (models_dir() / "DEFAULT").write_text(meta["version"] + "\n", "utf-8")
    log(f"shipped {target} ({size / 2**20:.1f} MiB), dev score {new_score:.4f}")
    return target


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Ship a trained model as the default.")
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args(argv)
    ship(args.model, args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
