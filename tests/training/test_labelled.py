"""Labelled-data loading through `datasets`: formats, column mapping, bad rows."""

import json

import pytest

from training.labelled import load_corpus, load_labelled_file, load_rows
from training.splits import is_dev

ROWS = [
    {"uid": "1", "body": "送得太慢了", "sent": "negative", "causes": ["logistics"], "churn_intent": "none"},
    {"uid": "2", "body": "", "sent": "negative", "causes": [], "churn_intent": "none"},
    {"uid": "3", "body": "很好", "sent": "happy", "causes": [], "churn_intent": "none"},
    {"uid": "4", "body": "太贵", "sent": "negative", "causes": ["pricey"], "churn_intent": "none"},
    {"uid": "5", "body": "再也不买了", "sent": "negative", "causes": ["other"], "churn_intent": "explicit"},
]
MAPPING = {"id": "uid", "text": "body", "sentiment": "sent"}


def write(tmp_path, fmt):
    import pandas as pd  # datasets depends on pandas

    df = pd.DataFrame(ROWS)
    path = tmp_path / f"rows.{fmt}"
    if fmt == "jsonl":
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS) + "\n", "utf-8")
    elif fmt == "csv":
        df.assign(causes=df.causes.map(lambda c: ",".join(c))).to_csv(path, index=False)
    else:
        df.to_parquet(path)
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_formats_with_column_mapping_and_bad_rows(tmp_path, fmt):
    examples, report = load_labelled_file(write(tmp_path, fmt), "test", MAPPING)
    assert [e.id for e in examples] == ["1", "5"]
    assert examples[0].text == "送得太慢了" and examples[0].causes == ["logistics"]
    assert examples[1].churn_intent == "explicit"
    assert report.read == 5 and report.kept == 2
    assert dict(report.rejected) == {"empty_text": 1, "unknown_sentiment": 1, "unknown_cause": 1}


def test_missing_column_and_unknown_format(tmp_path):
    path = write(tmp_path, "jsonl")
    with pytest.raises(ValueError, match="no column 'nope'"):
        load_rows(path, {"text": "nope"})
    bad = tmp_path / "rows.xlsx"
    bad.write_bytes(b"x")
    with pytest.raises(ValueError, match="unknown format"):
        load_rows(bad)


def test_dev_split_is_stable_and_disjoint(shared_data):
    corpus = load_corpus(shared_data)
    assert corpus.review_dev and all(is_dev(e.id) for e in corpus.review_dev)
    train_ids = {e.id for e in corpus.train}
    assert not train_ids & {e.id for e in corpus.review_dev}
    assert not train_ids & {e.id for e in corpus.nonreview_dev}
    assert len(corpus.nonreview_check) >= 300 and not train_ids & {e.id for e in corpus.nonreview_check}
    train_texts = {e.text for e in corpus.train}
    assert not train_texts & {e.text for e in corpus.nonreview_check + corpus.nonreview_dev}
    assert 0.08 < len(corpus.review_dev) / (len(corpus.review_dev) + sum(e.source != "written" for e in corpus.train)) < 0.12


def test_labels_made_here_join_train_split_only(tmp_path):
    from training.labelled import Example, _join_labels

    ids = [f"r{i:04d}" for i in range(200)]
    dev_id = next(i for i in ids if is_dev(i))
    train_a, train_b, train_c = [i for i in ids if not is_dev(i)][:3]
    reviews = {i: Example(id=i, text="分量太少了，不值这个价", source="waimai", sentiment="negative", binary_only=True)
               for i in (dev_id, train_a, train_b, train_c)}
    reviews[train_b].binary_only = False  # labelled by the shared file already
    reviews[train_b].causes, reviews[train_b].churn_intent = ["product_quality"], "none"
    rows = [
        {"id": train_a, "sentiment": "negative", "causes": ["price_value"], "churn_intent": "explicit"},
        {"id": dev_id, "sentiment": "negative", "causes": ["price_value"], "churn_intent": "none"},
        {"id": train_b, "sentiment": "negative", "causes": ["price_value"], "churn_intent": "none"},
        {"id": train_c, "sentiment": "negative", "causes": ["other", "price_value"], "churn_intent": "none"},
        {"id": "nosuchid", "sentiment": "negative", "causes": [], "churn_intent": "none"},
    ]
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    report = _join_labels(path, reviews, train_only=True)
    assert report.read == 5 and report.kept == 1
    assert dict(report.rejected) == {"dev_split_id": 1, "already_labelled": 1, "other_combined": 1, "unknown_id": 1}
    assert reviews[train_a].causes == ["price_value"] and reviews[train_a].churn_intent == "explicit"
    assert not reviews[train_a].binary_only
    assert reviews[train_a].labelled_here and reviews[train_a].binary_sentiment == "negative"
    assert reviews[dev_id].binary_only and reviews[dev_id].causes is None  # a dev row never gets labels from here
    assert reviews[train_b].causes == ["product_quality"]  # the shared label wins
    assert reviews[train_c].binary_only


def test_labels_made_here_file_is_train_split(shared_data):
    from training.labelled import REVIEW_LABELS_HERE

    if not REVIEW_LABELS_HERE.is_file():
        pytest.skip("no labels made here yet")
    rows = [json.loads(line) for line in REVIEW_LABELS_HERE.read_text("utf-8").splitlines() if line.strip()]
    assert rows and not [r["id"] for r in rows if is_dev(r["id"])]
    assert len({r["id"] for r in rows}) == len(rows)
    assert not [r["id"] for r in rows if "text" in r]  # ids and labels only: the texts stay in ../shared


def test_labels_made_here_are_no_near_copies_of_dev_reviews(shared_data):
    """The corpora were deduplicated by exact text only; a label on a near-copy would leak into dev."""
    from training.labelled import REVIEW_LABELS_HERE, load_corpus
    from training.near_dups import near_duplicates

    if not REVIEW_LABELS_HERE.is_file():
        pytest.skip("no labels made here yet")
    ids = {json.loads(line)["id"] for line in REVIEW_LABELS_HERE.read_text("utf-8").splitlines() if line.strip()}
    corpus = load_corpus(shared_data, include_written=False)
    here = [{"id": e.id, "text": e.text} for e in corpus.train if e.id in ids]
    assert len(here) == len(ids)
    assert near_duplicates(here, [{"id": e.id, "text": e.text} for e in corpus.review_dev]) == []
