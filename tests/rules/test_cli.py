"""``feedback-nlp rules check|backtest`` through typer's CliRunner on the sub-app."""

import json
from datetime import timedelta

from typer.testing import CliRunner

from feedback_nlp_cli.rules import app

from .helpers import DEFAULT_RULES, T0, classification

runner = CliRunner()


def test_check_ok_prints_one_line_with_version():
    from feedback_nlp.rules import load_rules

    r = runner.invoke(app, ["check", str(DEFAULT_RULES)])
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("OK ") and load_rules(DEFAULT_RULES).version in lines[0]


def test_check_reports_every_error_on_stderr(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: a\n    description: {zh: 甲, en: a}\n    when: {causes: nope}\n"
                   "    actions: {level: purple}\n", encoding="utf-8")
    r = runner.invoke(app, ["check", str(bad)])
    assert r.exit_code == 1
    assert f"{bad}:4: rules.0.when.causes: unknown value 'nope'" in r.stderr
    assert f"{bad}:5: rules.0.actions.level: unknown level 'purple'" in r.stderr
    assert "2 error(s)" in r.stderr and r.stdout == ""


def test_backtest_counts_per_rule_and_level_with_samples(tmp_path):
    rows = []
    for i in range(6):  # six logistics complaints for one store within an hour, one of them a safety issue
        c = classification(keywords=[{}] if i == 0 else [], causes=("safety_health",) if i == 5 else ("logistics",),
                           score=0.6)
        c["id"] = f"r{i}"
        rows.append({"id": f"r{i}", "received_at": (T0 + timedelta(minutes=5 * i)).isoformat(), "classification": c,
                     "customer": {"id": f"K{i}", "tier": "C"}, "attributes": {"store": "S1"}})
    bare = classification(causes=("safety_health",))  # a bare classify result, no event fields
    bare["id"] = "bare"
    rows.append(bare)
    inp = tmp_path / "classified.jsonl"
    inp.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in reversed(rows)) + "\nnot json\n",
                   encoding="utf-8")
    out = tmp_path / "report.json"
    r = runner.invoke(app, ["backtest", str(DEFAULT_RULES), "--input", str(inp), "--output", str(out)])
    assert r.exit_code == 0, r.output
    assert f"{inp}:8: malformed JSON" in r.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["records"] == 7 and report["skipped_lines"] == 1
    per_rule = report["per_rule"]
    assert per_rule["safety_health_immediate"]["new"] == 2
    assert per_rule["lexicon_delivery_delay"]["new"] == 1
    assert per_rule["store_logistics_burst"]["new"] == 1  # 5 logistics in the hour (replayed in time order)
    assert per_rule["vip_explicit_churn"]["new"] == 0
    assert report["per_level"]["red"]["alerts"] == 2 and report["per_level"]["yellow"]["alerts"] == 2
    sample = per_rule["store_logistics_burst"]["samples"][0]
    assert sample["event_ids"] == ["r0", "r1", "r2", "r3", "r4"] and sample["team"] == "物流部"
    assert "safety_health_immediate" in r.stdout and "red" in r.stdout


def test_backtest_missing_input(tmp_path):
    r = runner.invoke(app, ["backtest", str(DEFAULT_RULES), "--input", str(tmp_path / "nope.jsonl")])
    assert r.exit_code == 1 and "no such file" in r.stderr
