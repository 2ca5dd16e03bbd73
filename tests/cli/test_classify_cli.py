"""The ``feedback-nlp classify`` contract, run as a real process."""

import json
import subprocess
import sys

import pytest

from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, SENTIMENTS

CLI = [sys.executable, "-m", "feedback_nlp_cli.main"]


def run(args, stdin: bytes = b""):
    return subprocess.run(CLI + args, input=stdin, capture_output=True, timeout=120)


def test_jsonl_file_in_file_out(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": "a1", "text": "送得太慢了，再也不点了"}\n'
        '{"id": "a2", "text": "味道不错，下次还来"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = run(["classify", "--input", str(src), "--output", str(out)])
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a1", "a2"]
    first = rows[0]
    assert first["sentiment"]["label"] in SENTIMENTS and set(first["sentiment"]["scores"]) == set(SENTIMENTS)
    assert first["churn_intent"]["label"] in CHURN_INTENTS and set(first["churn_intent"]["scores"]) == set(CHURN_INTENTS)
    assert set(first["cause_scores"]) == set(CAUSE_CODES)
    assert [c["code"] for c in first["causes"]] == ["logistics"]
    assert first["keywords"][0]["cause"] == "logistics"
    assert {"term", "cause", "severity", "start", "end", "negated"} <= set(first["keywords"][0])
    assert first["model_version"] and first["lexicon_version"]
    assert b"read=2 classified=2 rejected=0" in proc.stderr


def test_stdin_stdout_plain_lines_and_bad_lines_keep_order():
    stdin = ("太贵了\n"
             "\n"
             '{"id": "j", "text": "客服不回复"}\n'
             '{"id": "k", "text": ' + '"' + "慢" * 6000 + '"}\n'
             "{broken json\n").encode("utf-8") + b"\xff\xfe\n" + '{"id": "m"}\n{"id": "n", "text": ["x"]}\n'.encode()
    proc = run(["classify", "--input", "-", "--output", "-"], stdin)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert len(rows) == 8  # one output line per input line
    assert rows[0]["id"] == "1" and rows[0]["causes"][0]["code"] == "price_value"
    assert rows[1] == {"id": "2", "error": {"code": "empty_text", "message": "text is empty or whitespace only", "line": 2}}
    assert rows[2]["id"] == "j" and rows[2]["causes"][0]["code"] == "service"
    assert rows[3]["error"]["code"] == "text_too_long" and rows[3]["error"]["line"] == 4
    assert rows[4]["error"]["code"] == "malformed_json" and rows[4]["error"]["line"] == 5
    assert rows[5]["error"]["code"] == "invalid_utf8" and rows[5]["error"]["line"] == 6
    assert rows[6]["error"]["code"] == "missing_text" and rows[6]["id"] == "m"
    assert rows[7]["error"]["code"] == "invalid_text"
    err = proc.stderr.decode("utf-8")
    assert "read=8 classified=2 rejected=6" in err
    assert "line 5: rejected: malformed_json" in err


def test_max_chars_option():
    proc = run(["classify", "--max-chars", "3"], "太慢了啊\n太慢了\n".encode())
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert rows[0]["error"]["code"] == "text_too_long" and "causes" in rows[1]


def test_missing_input_file_is_a_clear_error(tmp_path):
    proc = run(["classify", "--input", str(tmp_path / "nope.jsonl")])
    assert proc.returncode == 2
    assert b"cannot read" in proc.stderr


def test_lexicon_check_cli(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - {term: 慢, cause: nope, severity: 1}\n", encoding="utf-8")
    proc = run(["lexicon", "check", str(bad)])
    assert proc.returncode == 1
    assert f"{bad}:2: entries.0.cause: unknown cause code 'nope'".encode() in proc.stderr
    ok = run(["lexicon", "check"])
    assert ok.returncode == 0 and ok.stdout.startswith(b"OK ")


def test_lexicon_test_cli_shows_negation():
    proc = run(["lexicon", "test", "一点都不便宜，但不慢", "--json"])
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)["keywords"]
    assert [(h["term"], h["negated"], h["fires"]) for h in hits] == [("便宜", True, True), ("慢", True, False)]
