"""Small input files (every format, with bad rows) and helpers to read relabel outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

SNIPPETS = [
    "快递太慢了，等了一个星期才到，再也不买了",
    "质量很好，包装也很用心，下次还来",
    "客服态度很差，问了三遍都不回复",
    "价格有点贵，性价比一般",
    "房间很干净，服务也不错，推荐",
    "外卖送到的时候已经凉了，味道一般",
    "手机用了两天就坏了，申请退款一直没处理",
    "东西还行吧，没什么特别的",
]


def good_rows(n: int, prefix: str = "r") -> list[dict]:
    """Deterministic, varied Chinese texts with ids and a passthrough column."""
    return [{"id": f"{prefix}{i:05d}", "text": f"{SNIPPETS[i % len(SNIPPETS)]}（第{i}条）",
             "channel": ["app", "web", "phone"][i % 3]} for i in range(n)]


def write_csv(path: Path, rows: list[dict], columns=("id", "text", "channel")) -> Path:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
    return path


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_parquet(path: Path, rows: list[dict]) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def read_records(out_dir: Path) -> list[dict]:
    """All output records of a relabel run, nested fields decoded, in shard order."""
    records = []
    for part in sorted(Path(out_dir).glob("part-*")):
        if part.suffix == ".parquet":
            for rec in pq.read_table(part).to_pylist():
                for k in ("sentiment", "causes", "cause_scores", "churn_intent", "keywords", "intent_phrases",
                          "pii", "warnings", "alerts"):
                    if k in rec:
                        rec[k] = json.loads(rec[k])
                records.append(rec)
        else:
            records += [json.loads(line) for line in part.read_text("utf-8").splitlines()]
    return records


def read_rejects(out_dir: Path) -> list[dict]:
    text = (Path(out_dir) / "rejects.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines()]


def tree_bytes(out_dir: Path) -> dict[str, bytes]:
    """Every file of an output folder (relative path -> bytes)."""
    return {str(p.relative_to(out_dir)): p.read_bytes() for p in sorted(Path(out_dir).rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def pipeline():
    from feedback_nlp.pipeline import load_pipeline

    return load_pipeline()
