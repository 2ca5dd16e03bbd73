"""--rules: the alerts each row would raise, added in the same pass (real rule engine, shipped rules)."""

from __future__ import annotations

import io

import pytest
from typer.testing import CliRunner

from feedback_nlp.batch import RelabelOptions, relabel
from feedback_nlp.paths import default_rules_path

from .conftest import read_records, write_jsonl
from .test_diff_and_cli import _app

rules_mod = pytest.importorskip("feedback_nlp.rules")


def test_alerts_column_from_the_shipped_rules(tmp_path):
    rules = default_rules_path()
    if not rules.is_file():
        pytest.skip(f"no shipped rule file at {rules}")
    src = write_jsonl(tmp_path / "in.jsonl", [
        {"id": "bad", "text": "房间脏得要命，前台推诿不管，太失望了，再也不住了，我要投诉到消协"},
        {"id": "good", "text": "房间干净，服务很好，下次还来"},
    ])
    relabel(RelabelOptions(inputs=[str(src)], output=str(tmp_path / "out"), rules=str(rules)), stream=io.StringIO())
    by_id = {r["id"]: r for r in read_records(tmp_path / "out")}
    assert by_id["good"]["alerts"] == []
    alerts = by_id["bad"]["alerts"]
    assert alerts, by_id["bad"]
    assert all(a["level"] in ("blue", "yellow", "red") and a["rule_id"] for a in alerts)
    assert alerts[0]["ruleset_version"] == rules_mod.load_rules(rules).version


def test_invalid_rule_file_is_reported_with_its_line(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - id: x\n    when: [\n", encoding="utf-8")
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "很好"}])
    res = CliRunner().invoke(_app(), ["relabel", str(src), "-o", str(tmp_path / "o"), "--rules", str(bad)])
    assert res.exit_code == 2
    assert "rules.yaml" in res.output and "error:" in res.output
