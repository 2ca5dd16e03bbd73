"""Labelled data for the classifier heads, loaded through Hugging Face ``datasets``.

Any CSV, JSON Lines or Parquet file can be read with a column mapping (``--text-column`` and
friends); rows with a missing/empty text or an unknown label are counted and reported, never
silently dropped. The project's own sources are then assembled into train and dev sets:

- ``reviews``: ``../shared/data/reviews_train.csv`` — binary sentiment for 61k reviews
  (label 1 → positive, 0 → negative; no neutral).
- ``cause_labels``: ``../shared/data/cause_labels_train.jsonl`` joined to the review texts by id —
  3-way sentiment, causes and churn intent, labelled by reading.
- ``review_labels_here``: ``training/data/review_labels_here.jsonl`` — more shared **train-split**
  reviews labelled here by reading (ids and labels only, the texts stay in ``../shared``); picked by
  :mod:`training.select_for_labelling`. A dev-split id there is rejected; the shared labels win
  where both label an id.
- ``written_train``: ``training/data/written_train.jsonl`` — texts written here (surveys, tickets,
  chats...), for training only, never in a metric.
- ``nonreview_dev``: ``training/data/nonreview_dev.jsonl`` — written here, labelled by reading;
  never trained on.
- ``nonreview_check``: ``training/data/nonreview_check.jsonl`` — written and labelled by a second
  writer who never saw the other files: never trained on and never used to tune or pick anything,
  so it shows how the model does on non-review text from someone else's hand.

The dev split of the shared rows is :func:`training.splits.is_dev` (a stable hash of the id).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, SENTIMENTS
from training.splits import is_dev

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
WRITTEN_TRAIN = REPO / "training" / "data" / "written_train.jsonl"
REVIEW_LABELS_HERE = REPO / "training" / "data" / "review_labels_here.jsonl"
NONREVIEW_DEV = REPO / "training" / "data" / "nonreview_dev.jsonl"
NONREVIEW_CHECK = REPO / "training" / "data" / "nonreview_check.jsonl"

FORMATS = {".csv": "csv", ".jsonl": "json", ".json": "json", ".parquet": "parquet"}


@dataclass
class Example:
    id: str
    text: str
    source: str  # waimai | shopping | hotel | written | nonreview | ...
    sentiment: str | None = None  # None: not labelled for this task
    causes: list[str] | None = None
    churn_intent: str | None = None
    binary_only: bool = False  # sentiment known only as positive vs negative (reviews file)
    # labelled here (review_labels_here.jsonl): picked for cause / churn-intent uncertainty, so a biased
    # sample for sentiment; the review's own positive/negative label is kept beside the read one
    labelled_here: bool = False
    binary_sentiment: str | None = None


@dataclass
class LoadReport:
    path: str
    read: int = 0
    kept: int = 0
    rejected: Counter = field(default_factory=Counter)

    def __str__(self) -> str:
        bad = ", ".join(f"{k}={v}" for k, v in sorted(self.rejected.items())) or "none"
        return f"{self.path}: read={self.read} kept={self.kept} rejected: {bad}"


def load_rows(path: str | Path, columns: dict[str, str] | None = None) -> list[dict]:
    """Rows of a CSV / JSON Lines / Parquet file through ``datasets``, columns renamed by ``columns``
    ({"our_name": "their_name"}). Raises ``ValueError`` for an unknown format or a missing column."""
    from datasets import load_dataset

    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: unknown format {path.suffix!r}; use .csv, .jsonl or .parquet")
    ds = load_dataset(fmt, data_files=str(path), split="train")
    columns = columns or {}
    for ours, theirs in columns.items():
        if theirs not in ds.column_names:
            raise ValueError(f"{path}: no column {theirs!r} (for {ours}); columns: {', '.join(ds.column_names)}")
    rename = {theirs: ours for ours, theirs in columns.items() if theirs != ours}
    rows = ds.to_list()
    return [{rename.get(k, k): v for k, v in r.items()} for r in rows]


def label_problem(sentiment, causes, churn_intent) -> str | None:
    """Why a row's labels are unusable (a reject reason), or None; a missing label (None) is fine."""
    if sentiment is not None and sentiment not in SENTIMENTS:
        return "unknown_sentiment"
    if causes is not None and any(c not in CAUSE_CODES for c in causes):
        return "unknown_cause"
    if causes is not None and "other" in causes and len(causes) > 1:
        return "other_combined"  # the guide: `other` never appears together with another code
    if churn_intent is not None and churn_intent not in CHURN_INTENTS:
        return "unknown_churn_intent"
    return None


def examples_from_rows(rows: list[dict], source: str, report: LoadReport) -> list[Example]:
    """Validate labelled rows (fields ``id, text, sentiment?, causes?, churn_intent?``)."""
    out = []
    for i, r in enumerate(rows):
        report.read += 1
        text = r.get("text")
        if not isinstance(text, str) or not text.strip():
            report.rejected["empty_text"] += 1
            continue
        sent, intent = r.get("sentiment"), r.get("churn_intent")
        causes = r.get("causes")
        if isinstance(causes, str):
            causes = json.loads(causes) if causes.startswith("[") else [c for c in causes.split(",") if c]
        problem = label_problem(sent, causes, intent)
        if problem:
            report.rejected[problem] += 1
            continue
        out.append(Example(id=str(r.get("id", i)), text=text, source=source, sentiment=sent,
                           causes=list(causes) if causes is not None else None, churn_intent=intent))
        report.kept += 1
    return out


def load_labelled_file(path: str | Path, source: str, columns: dict[str, str] | None = None) -> tuple[list[Example], LoadReport]:
    report = LoadReport(str(path))
    return examples_from_rows(load_rows(path, columns), source, report), report


def _join_labels(path: Path, reviews: dict[str, Example], train_only: bool) -> LoadReport:
    """Put 3-way labels from ``path`` on the reviews they name by id; the first file to label an id wins."""
    rep = LoadReport(str(path))
    for r in load_rows(path):
        rep.read += 1
        ex = reviews.get(str(r["id"]))
        if ex is None:
            rep.rejected["unknown_id"] += 1
            continue
        if train_only and is_dev(ex.id):
            rep.rejected["dev_split_id"] += 1
            continue
        if not ex.binary_only:
            rep.rejected["already_labelled"] += 1
            continue
        problem = label_problem(r.get("sentiment"), r.get("causes"), r.get("churn_intent"))
        if problem or None in (r.get("sentiment"), r.get("causes"), r.get("churn_intent")):
            rep.rejected[problem or "missing_label"] += 1
            continue
        if train_only:
            ex.labelled_here, ex.binary_sentiment = True, ex.sentiment
        ex.sentiment, ex.causes, ex.churn_intent, ex.binary_only = r["sentiment"], list(r["causes"]), r["churn_intent"], False
        rep.kept += 1
    return rep


@dataclass
class Corpus:
    train: list[Example]
    review_dev: list[Example]  # shared rows in the dev split (binary sentiment, and 3-way labels where known)
    nonreview_dev: list[Example]
    reports: list[LoadReport]
    nonreview_check: list[Example] = field(default_factory=list)  # second writer, held out from every choice


def load_corpus(shared: Path = SHARED, include_written: bool = True) -> Corpus:
    """Train and dev sets from every source above. Needs ``shared`` (``../shared/data``)."""
    reports = []
    reviews = load_rows(shared / "reviews_train.csv")
    rev_examples: dict[str, Example] = {}
    rep = LoadReport(str(shared / "reviews_train.csv"))
    for r in reviews:
        rep.read += 1
        text = r.get("text")
        if not isinstance(text, str) or not text.strip() or str(r.get("label")) not in ("0", "1"):
            rep.rejected["bad_row"] += 1
            continue
        rid = str(r["id"])
        rev_examples[rid] = Example(id=rid, text=text, source=r["source"],
                                    sentiment="positive" if str(r["label"]) == "1" else "negative", binary_only=True)
        rep.kept += 1
    reports.append(rep)

    reports.append(_join_labels(shared / "cause_labels_train.jsonl", rev_examples, train_only=False))
    if REVIEW_LABELS_HERE.is_file():
        reports.append(_join_labels(REVIEW_LABELS_HERE, rev_examples, train_only=True))

    train = [e for e in rev_examples.values() if not is_dev(e.id)]
    review_dev = [e for e in rev_examples.values() if is_dev(e.id)]

    def optional(path: Path, source: str) -> list[Example]:
        """The labelled file's rows, its load report kept; none when the file is absent."""
        if not path.is_file():
            return []
        rows, rep = load_labelled_file(path, source)
        reports.append(rep)
        return rows

    if include_written:
        train += optional(WRITTEN_TRAIN, "written")
    nonreview = optional(NONREVIEW_DEV, "nonreview")
    check = optional(NONREVIEW_CHECK, "nonreview")
    return Corpus(train=train, review_dev=review_dev, nonreview_dev=nonreview, reports=reports, nonreview_check=check)
