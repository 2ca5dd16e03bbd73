"""relabel over every input and output format, column mapping and rejects accounting (real pipeline)."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest

from feedback_nlp.batch import InputProblem, RelabelOptions, ResumeProblem, relabel
from feedback_nlp.batch.labeling import CONTRACT_FIELDS

from .conftest import good_rows, read_records, read_rejects, write_csv, write_jsonl, write_parquet

WRITERS = {"csv": write_csv, "jsonl": write_jsonl, "parquet": write_parquet}


def _run(tmp_path, inputs, name="out", **kw):
    out = tmp_path / name
    err = io.StringIO()
    summary = relabel(RelabelOptions(inputs=[str(p) for p in inputs], output=str(out), **kw), stream=err)
    return out, summary, err.getvalue()


@pytest.mark.parametrize("in_fmt", ["csv", "jsonl", "parquet"])
@pytest.mark.parametrize("out_fmt", ["parquet", "jsonl"])
def test_every_format_gives_the_pipeline_result(tmp_path, pipeline, in_fmt, out_fmt):
    rows = good_rows(12)
    src = WRITERS[in_fmt](tmp_path / f"in.{in_fmt}", rows)
    out, summary, _ = _run(tmp_path, [src], format=out_fmt, shard_size=5, keep=["channel"])
    assert (summary.read, summary.written, summary.rejected) == (12, 12, 0)
    assert sorted(p.name for p in out.glob("part-*")) == [f"part-0000{i}.{out_fmt}" for i in range(3)]
    records = read_records(out)
    assert [r["id"] for r in records] == [r["id"] for r in rows]
    for rec, row in zip(records, rows):
        expected = pipeline.classify(row["text"], id=row["id"])
        for field in CONTRACT_FIELDS:
            assert rec[field] == expected[field], field
        assert rec["model_version"] == pipeline.model_version
        assert rec["lexicon_version"] == pipeline.lexicon_version
        assert rec["channel"] == row["channel"]
    assert list(records[0])[:2] == ["id", "sentiment"]


def test_parquet_output_is_flat_strings_with_json_nested_fields(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "快递太慢了", "score": 3}])
    out, _, _ = _run(tmp_path, [src], keep=["score"])
    table = pq.read_table(out / "part-00000.parquet")
    assert all(str(t) == "string" for t in table.schema.types)
    row = table.to_pylist()[0]
    assert json.loads(row["sentiment"])["label"] in ("negative", "neutral", "positive")
    assert row["score"] == "3"  # non-string passthrough values are JSON-encoded


def test_column_mapping_and_globs(tmp_path, pipeline):
    rows = [{"ref": f"x{i}", "body": r["text"], "store": f"s{i}", "text": "不是这一列"}
            for i, r in enumerate(good_rows(6))]
    write_csv(tmp_path / "b-1.csv", rows[:3], columns=("ref", "body", "store", "text"))
    write_csv(tmp_path / "b-2.csv", rows[3:], columns=("ref", "body", "store", "text"))
    out, summary, _ = _run(tmp_path, [tmp_path / "b-*.csv"], text_column="body", id_column="ref",
                           keep=["store"], format="jsonl")
    assert summary.read == 6
    records = read_records(out)
    assert [r["id"] for r in records] == [f"x{i}" for i in range(6)]
    assert [r["store"] for r in records] == [f"s{i}" for i in range(6)]
    assert records[0]["sentiment"] == pipeline.classify(rows[0]["body"])["sentiment"]
    assert "text" not in records[0] and "body" not in records[0]


def test_rejects_are_accounted_with_reason_and_source(tmp_path):
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_bytes(b"id,text\nc1,\xe5\xa5\xbd\xe7\x9a\x84\nc2,\n,x\xe6\xb2\xa1\nc4,\xff\xfe\xe5\x9d\x8f\n")
    bad_jsonl = write_jsonl(tmp_path / "bad.jsonl", [
        {"id": "j1", "text": "质量很好"}, {"id": "j2", "text": 123}, {"id": "j3", "text": None},
        {"id": "j4", "text": "长" * 50}, {"id": "j5", "text": "   "}, {"text": "没有编号"},
    ])
    out, summary, err = _run(tmp_path, [bad_csv, bad_jsonl], max_chars=40, shard_size=4)
    assert summary.read == 10
    assert summary.read == summary.written + summary.rejected
    assert summary.written == 2
    rejects = read_rejects(out)
    got = {(r["source_file"].rsplit("/", 1)[-1], r["source_row"]): r["reason"] for r in rejects}
    assert got == {
        ("bad.csv", 1): "empty_text", ("bad.csv", 2): "missing_id", ("bad.csv", 3): "invalid_utf8",
        ("bad.jsonl", 1): "invalid_text", ("bad.jsonl", 2): "empty_text", ("bad.jsonl", 3): "text_too_long",
        ("bad.jsonl", 4): "empty_text", ("bad.jsonl", 5): "missing_id",
    }
    assert [r["position"] for r in rejects] == sorted(r["position"] for r in rejects)
    assert all(r["message"] for r in rejects)
    assert {r["id"] for r in read_records(out)} == {"c1", "j1"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["totals"] == {"read": 10, "written": 2, "rejected": 8}
    assert [s["read"] for s in manifest["shards"]] == [4, 4, 2]
    assert "read 10, written 2, rejected 8" in err


def test_malformed_json_lines_are_rejected_one_by_one(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes('{"id": "a", "text": "送得太慢了"}\n{broken\n\n[1, 2]\n{"id": "b", "text": "很好"}\n'.encode()
                     + b'{"id": "c", "text": "\xff\xfe"}\n')
    out, summary, _ = _run(tmp_path, [path])
    assert (summary.read, summary.written, summary.rejected) == (5, 2, 3)
    reasons = [(r["source_row"], r["reason"]) for r in read_rejects(out)]
    assert reasons == [(1, "malformed_json"), (2, "malformed_json"), (4, "invalid_utf8")]
    assert [r["id"] for r in read_records(out)] == ["a", "b"]


def test_classifier_rejections_land_in_rejects(tmp_path, pipeline):
    # --max-chars above the model's own limit: the pipeline itself rejects the text.
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "好" * (pipeline.max_chars + 1)},
                                              {"id": "b", "text": "很好"}])
    out, summary, _ = _run(tmp_path, [src], max_chars=pipeline.max_chars * 2)
    assert (summary.written, summary.rejected) == (1, 1)
    assert read_rejects(out)[0]["reason"] == "text_too_long"


def test_missing_column_and_reused_output_are_refused(tmp_path):
    src = write_csv(tmp_path / "in.csv", good_rows(3))
    with pytest.raises(InputProblem, match="no text column 'body'"):
        _run(tmp_path, [src], text_column="body")
    with pytest.raises(InputProblem, match="--keep nope"):
        _run(tmp_path, [src], keep=["nope"])
    _run(tmp_path, [src])
    with pytest.raises(ResumeProblem, match="--resume"):
        _run(tmp_path, [src])
    with pytest.raises(ResumeProblem, match="shard_size"):
        _run(tmp_path, [src], resume=True, shard_size=7)


def test_progress_log_lines_when_not_a_tty(tmp_path):
    src = write_csv(tmp_path / "in.csv", good_rows(20))
    _, _, err = _run(tmp_path, [src], batch_size=5, log_every=0.0)
    lines = [line for line in err.splitlines() if "rows/s, ETA" in line]
    assert lines and lines[-1].startswith("relabel: 20/20 rows (100.0%)")
    assert "\r" not in err  # no bar when the stream is not a terminal


def test_progress_bar_on_request_shows_rate_and_total(tmp_path):
    src = write_csv(tmp_path / "in.csv", good_rows(20))
    _, _, err = _run(tmp_path, [src], batch_size=5, progress_bar=True)
    assert "20/20" in err and "rows/s" in err and "\r" in err  # tqdm redraws in place
    assert err.rstrip().splitlines()[-1].startswith("relabel: read 20, written 20, rejected 0")
