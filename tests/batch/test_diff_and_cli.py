"""relabel diff (Parquet with JSON strings, JSON Lines, Parquet with structs) and the CLI shape."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import typer
from typer.testing import CliRunner

from feedback_nlp.batch import diff_outputs
from feedback_nlp_cli.relabel import register

from .conftest import good_rows, read_records, write_csv


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def other() -> None:  # a second command, so "relabel" is a real sub-command of a group
        """Unrelated command."""

    register(app)
    return app


def _relabel(tmp_path, runner, rows=12):
    src = write_csv(tmp_path / "in.csv", good_rows(rows))
    out = tmp_path / "old"
    res = runner.invoke(_app(), ["relabel", str(src), "--output", str(out), "--shard-size", "5", "--keep", "channel"])
    assert res.exit_code == 0, res.output
    return out


def _changed_copy(records):
    """New labels: r00000 positive->negative, r00001 gains 'billing_refund', r00002 churn -> explicit."""
    new = json.loads(json.dumps(records))
    new[0]["sentiment"]["label"] = "negative" if new[0]["sentiment"]["label"] != "negative" else "positive"
    new[1]["causes"] = new[1]["causes"] + [{"code": "billing_refund", "score": 0.9}]
    new[2]["churn_intent"]["label"] = "explicit" if new[2]["churn_intent"]["label"] != "explicit" else "none"
    return new


def test_diff_counts_changes_per_label(tmp_path):
    old = _relabel(tmp_path, CliRunner())
    records = read_records(old)
    new = _changed_copy(records)
    new_file = tmp_path / "new.jsonl"
    new_file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in new[:-1]), encoding="utf-8")

    report = diff_outputs(old, new_file)
    assert report["rows"] == {"old": 12, "new": 11, "joined": 11, "only_old": 1, "only_new": 0,
                              "duplicate_ids_old": 0, "duplicate_ids_new": 0, "changed": 3}
    labels = report["labels"]
    assert labels["sentiment"]["changed"] == 1
    old0, new0 = records[0]["sentiment"]["label"], new[0]["sentiment"]["label"]
    assert labels["sentiment"]["matrix"][old0][new0] == 1
    assert sum(sum(r.values()) for r in labels["sentiment"]["matrix"].values()) == 11
    assert labels["churn_intent"]["changed"] == 1
    assert labels["causes"]["billing_refund"]["added"] == 1
    assert labels["causes"]["billing_refund"]["removed"] == 0
    assert labels["cause_set"]["changed"] == 1
    assert [r["id"] for r in report["changed_rows"]] == ["r00000", "r00001", "r00002"]
    assert report["changed_rows"][1]["causes_added"] == ["billing_refund"]


def test_diff_reads_parquet_with_struct_columns(tmp_path):
    old = _relabel(tmp_path, CliRunner())
    records = read_records(old)
    new = _changed_copy(records)
    # Another tool's Parquet: nested fields as structs/lists, not JSON strings.
    table = pa.Table.from_pylist([{k: r[k] for k in ("id", "sentiment", "churn_intent", "causes")} for r in new])
    assert pa.types.is_struct(table.schema.field("sentiment").type)
    pq.write_table(table, tmp_path / "new.parquet")
    report = diff_outputs(old, tmp_path / "new.parquet")
    assert report["rows"]["changed"] == 3 and report["rows"]["joined"] == 12
    same = diff_outputs(old, old)
    assert same["rows"]["changed"] == 0 and same["labels"]["cause_set"]["unchanged"] == 12


def test_cli_relabel_then_diff_writes_report_and_csv(tmp_path):
    runner = CliRunner()
    old = _relabel(tmp_path, runner)
    new_file = tmp_path / "new.jsonl"
    new_file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _changed_copy(read_records(old))),
                        encoding="utf-8")
    res = runner.invoke(_app(), ["relabel", "diff", str(old), str(new_file), "--output", str(tmp_path / "d.json"),
                                 "--csv", str(tmp_path / "changed.csv")])
    assert res.exit_code == 0, res.output
    assert "sentiment: 1 changed" in res.output and "r00001: causes +billing_refund" in res.output
    report = json.loads((tmp_path / "d.json").read_text("utf-8"))
    assert report["rows"]["changed"] == 3
    lines = (tmp_path / "changed.csv").read_text("utf-8").splitlines()
    assert lines[0].startswith("id,sentiment_old,sentiment_new") and len(lines) == 4


def test_cli_help_errors_and_jsonl_output(tmp_path):
    runner = CliRunner()
    app = _app()
    res = runner.invoke(app, ["relabel", "--help"])
    assert res.exit_code == 0 and "--text-column" in res.output and "relabel diff" in res.output
    res = runner.invoke(app, ["relabel", "diff", "--help"])
    assert res.exit_code == 0 and "change matrix" in res.output
    src = write_csv(tmp_path / "in.csv", good_rows(4))
    res = runner.invoke(app, ["relabel", str(src), "-o", str(tmp_path / "x"), "--text-column", "body"])
    assert res.exit_code == 2 and "no text column 'body'" in res.output
    res = runner.invoke(app, ["relabel", str(tmp_path / "missing-*.csv"), "-o", str(tmp_path / "y")])
    assert res.exit_code == 2 and "no file matches" in res.output
    res = runner.invoke(app, ["relabel", "diff", str(tmp_path / "nope"), str(src)])
    assert res.exit_code == 2 and "no such file or folder" in res.output
    res = runner.invoke(app, ["relabel", str(src), "-o", str(tmp_path / "j"), "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    assert [r["id"] for r in read_records(tmp_path / "j")] == ["r00000", "r00001", "r00002", "r00003"]
    assert "read 4, written 4, rejected 0" in res.output
