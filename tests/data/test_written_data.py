"""Checks on the hand-written training set and the non-review dev set in training/data/.

Both files are plain JSON Lines written and labelled by hand (see training/data/README.md).
These tests keep them well-formed, on the taxonomy, above the agreed coverage minimums and
free of train/dev near-duplicates (so dev metrics on non-review text stay honest).
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, SENTIMENTS
from training.near_dups import NEAR_DUP_JACCARD, near_duplicates

DATA_DIR = Path(__file__).resolve().parents[2] / "training" / "data"
DEV_PATH = DATA_DIR / "nonreview_dev.jsonl"
CHECK_PATH = DATA_DIR / "nonreview_check.jsonl"
TRAIN_PATH = DATA_DIR / "written_train.jsonl"

FIELDS = {"id", "text", "register", "industry", "script", "sentiment", "causes",
          "churn_intent", "origin"}
REGISTERS = {"survey", "ticket", "email", "chat", "app_review"}
INDUSTRIES = {"telecom", "banking", "insurance", "ecommerce", "food_delivery", "ride_hailing",
              "airline", "hotel", "saas", "education", "gym", "utilities"}
SCRIPTS = {"simplified", "traditional"}
RARE_TRAIN_CODES = ("need_change", "privacy_security", "marketing_harassment",
                    "digital_experience", "billing_refund", "policy_promise", "competitor",
                    "safety_health")


def _load(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{path.name}:{n}: empty line"
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:  # pragma: no cover - message only
            pytest.fail(f"{path.name}:{n}: invalid JSON: {exc}")
    return rows


@pytest.fixture(scope="module")
def dev() -> list[dict]:
    return _load(DEV_PATH)


@pytest.fixture(scope="module")
def train() -> list[dict]:
    return _load(TRAIN_PATH)


@pytest.fixture(scope="module")
def check() -> list[dict]:
    return _load(CHECK_PATH)


def _check_records(rows: list[dict], id_prefix: str) -> None:
    for r in rows:
        where = r.get("id", "?")
        assert set(r) == FIELDS, f"{where}: fields {sorted(r)}"
        assert r["id"].startswith(id_prefix), where
        assert isinstance(r["text"], str) and r["text"].strip() == r["text"] and r["text"], where
        assert r["register"] in REGISTERS, where
        assert r["industry"] in INDUSTRIES, where
        assert r["script"] in SCRIPTS, where
        assert r["origin"] == "written-here", where
        assert r["sentiment"] in SENTIMENTS, where
        assert r["churn_intent"] in CHURN_INTENTS, where
        causes = r["causes"]
        assert isinstance(causes, list), where
        assert all(c in CAUSE_CODES for c in causes), f"{where}: {causes}"
        assert len(set(causes)) == len(causes), f"{where}: repeated code"
        if "other" in causes:
            assert causes == ["other"], f"{where}: 'other' combined with {causes}"
            assert r["sentiment"] == "negative", f"{where}: 'other' needs a negative text"


def test_dev_records_valid(dev):
    _check_records(dev, "nrdev-")


def test_train_records_valid(train):
    _check_records(train, "wtrain-")


def test_check_records_valid(check):
    _check_records(check, "nrchk-")


def test_ids_unique_and_texts_unique(dev, train, check):
    ids = [r["id"] for r in dev + train + check]
    assert len(ids) == len(set(ids))
    texts = Counter(r["text"] for r in dev + train + check)
    assert [t for t, n in texts.items() if n > 1] == []


def test_dev_coverage(dev):
    assert len(dev) >= 320
    codes = Counter(c for r in dev for c in r["causes"])
    for code in CAUSE_CODES:
        need = 10 if code == "other" else 15
        assert codes[code] >= need, f"dev {code}: {codes[code]} < {need}"
    assert sum(1 for r in dev if not r["causes"]) >= 40
    assert sum(1 for r in dev if len(r["causes"]) > 1) >= 30
    churn = Counter(r["churn_intent"] for r in dev)
    assert churn["explicit"] >= 45 and churn["risk"] >= 40


def test_check_coverage(check):
    assert len(check) >= 300
    codes = Counter(c for r in check for c in r["causes"])
    assert all(codes[code] >= 10 for code in CAUSE_CODES), codes


def test_train_coverage(train):
    assert len(train) >= 1200
    codes = Counter(c for r in train for c in r["causes"])
    for code in RARE_TRAIN_CODES:
        assert codes[code] >= 60, f"train {code}: {codes[code]} < 60"
    for code in CAUSE_CODES:
        assert codes[code] >= 20, f"train {code}: {codes[code]}"
    sentiments = Counter(r["sentiment"] for r in train)
    assert sentiments["positive"] >= 100 and sentiments["neutral"] >= 100


@pytest.mark.parametrize("which", ["dev", "check", "train"])
def test_registers_industries_scripts_covered(which, dev, train, check):
    rows = {"dev": dev, "check": check, "train": train}[which]
    scale = 3 if which == "train" else 1
    registers = Counter(r["register"] for r in rows)
    industries = Counter(r["industry"] for r in rows)
    assert all(registers[x] >= 20 * scale for x in REGISTERS), registers
    assert all(industries[x] >= 15 * scale for x in INDUSTRIES), industries
    traditional = sum(1 for r in rows if r["script"] == "traditional")
    assert traditional / len(rows) >= 0.10


def test_jaccard_flags_a_paraphrase():
    a = {"id": "a", "text": "外卖送了一个半小时，面都坨了"}
    b = {"id": "b", "text": "外卖送了一个半小时，面全都坨了"}
    c = {"id": "c", "text": "信用卡被重复扣了年费"}
    found = near_duplicates([a], [b, c], NEAR_DUP_JACCARD)
    assert [(x, y) for x, y, _ in found] == [("a", "b")]
    assert found[0][2] == pytest.approx(10 / 15, abs=1e-3)  # 10 shared of 15 distinct 3-grams


def test_no_train_dev_near_duplicates(dev, train):
    assert near_duplicates(train, dev, NEAR_DUP_JACCARD) == []


def test_check_set_near_duplicates_none(check, dev, train):
    assert near_duplicates(check, train, NEAR_DUP_JACCARD) == []
    assert near_duplicates(check, dev, NEAR_DUP_JACCARD) == []


def test_readme_counts_match_files(dev, train, check):
    """The README's count table is pasted output; keep its row line in step with the files."""
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert f"| rows | {len(dev)} | {len(check)} | {len(train)} |" in readme
    for code in CAUSE_CODES:
        n = [sum(1 for r in rows if code in r["causes"]) for rows in (dev, check, train)]
        assert f"| {code} | {n[0]} | {n[1]} | {n[2]} |" in readme, code
