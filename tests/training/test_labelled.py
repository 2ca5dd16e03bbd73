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
    assert 0.08 < len(corpus.review_dev) / (len(corpus.review_dev) + sum(e.source != "written" for e in corpus.train)) < 0.12
