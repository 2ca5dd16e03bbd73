"""Layer 4: rules and lexicon read / validate / replace (admin), effective without a restart, all versions kept."""

from __future__ import annotations

import pytest

from feedback_nlp.paths import default_lexicon_path

from .conftest import RULES

TEXT = "这个功能真是鸡肋"
NEW_TERM = "  - {term: 鸡肋, cause: product_quality, severity: 3}\n"


@pytest.fixture
def backend():
    return "sqlite"


def with_entry(content: str) -> str:
    head, sep, tail = content.partition("entries:\n")
    assert sep, "lexicon has an entries list"
    return head + sep + NEW_TERM + tail


def terms(result: dict) -> list[str]:
    return [k["term"] for k in result["keywords"]]


def test_shipped_files_are_version_one(svc):
    lex = svc.get("/v1/config/lexicon").json()
    assert lex["version"] == 1 and lex["created_by"] == "system"
    assert lex["content"] == default_lexicon_path().read_text("utf-8")
    rules = svc.get("/v1/config/rules").json()
    assert rules["version"] == 1 and rules["content"] == RULES.read_text("utf-8")


def test_validate_reports_every_problem_with_line_and_field(svc):
    bad = "entries:\n  - {term: 坏, cause: no_such_cause, severity: 9}\n  - {cause: logistics}\n"
    r = svc.post("/v1/config/lexicon/validate", {"content": bad})
    assert r.status_code == 200
    body = r.json()
    assert body["valid"] is False and len(body["errors"]) >= 2
    assert all(e["line"] for e in body["errors"])
    assert any("cause" in (e["field"] or "") for e in body["errors"])
    good = svc.post("/v1/config/lexicon/validate", {"content": default_lexicon_path().read_text("utf-8")}).json()
    assert good == {"valid": True, "errors": []}


@pytest.mark.parametrize("kind, content", [
    ("rules", "rules:\n  - id: Bad Id\n    when: {sentiment.label: furious}\n    actions: {level: purple}\n"),
    ("rules", "rules: ["),
    ("lexicon", "entries:\n  - {term: 坏, cause: nope}\n"),
])
def test_invalid_files_are_refused_and_nothing_is_stored(svc, kind, content):
    r = svc.client.put(f"/v1/config/{kind}", json={"content": content}, headers=svc.h(svc.admin))
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == f"invalid_{kind}" and err["details"] and err["details"][0]["message"]
    assert [v["version"] for v in svc.get(f"/v1/config/{kind}/versions").json()["items"]] == [1]


def test_lexicon_replace_applies_at_once_and_versions_diff(make_service):
    a = make_service(config_refresh_seconds=0)
    b = make_service(config_refresh_seconds=0)  # a second replica on the same database
    b.admin = a.admin
    assert "鸡肋" not in terms(a.post("/v1/classify", {"text": TEXT}).json())
    old = a.get("/v1/config/lexicon").json()
    r = a.client.put("/v1/config/lexicon", json={"content": with_entry(old["content"]), "comment": "add 鸡肋"},
                     headers=a.h(a.admin))
    assert r.status_code == 200 and r.json()["version"] == 2
    for svc in (a, b):
        result = svc.post("/v1/classify", {"text": TEXT}).json()
        assert "鸡肋" in terms(result)
        assert result["lexicon_version"] != old["content"]
    versions = a.get("/v1/config/lexicon/versions").json()["items"]
    assert [v["version"] for v in versions] == [2, 1] and versions[0]["comment"] == "add 鸡肋"
    assert "first-admin" in versions[0]["created_by"]
    diff = a.get("/v1/config/lexicon/diff", params={"from_version": 1, "to_version": 2}).text
    assert "+" + NEW_TERM in diff and diff.startswith("--- lexicon@v1")
    assert a.get("/v1/config/lexicon/versions/1").json()["content"] == old["content"]
    # the same content again makes no new version
    same = a.client.put("/v1/config/lexicon", json={"content": with_entry(old["content"])}, headers=a.h(a.admin))
    assert same.json()["version"] == 2


def test_rules_replace_applies_to_the_next_feedback(svc):
    text = "东西很好，很满意"
    assert svc.post("/v1/feedback", {"text": text}).json()["alerts"] == []
    rules = ("channels: [hook]\nrules:\n  - id: praise\n    description: {zh: 表扬, en: praise}\n"
             "    when: {sentiment.label: positive}\n    actions: {level: blue, team: happy}\n")
    assert svc.client.put("/v1/config/rules", json={"content": rules}, headers=svc.h(svc.admin)).json()["version"] == 2
    alerts = svc.post("/v1/feedback", {"text": text + "!"}).json()["alerts"]
    assert [a["rule_id"] for a in alerts] == ["praise"] and alerts[0]["team"] == "happy"
    assert svc.get("/v1/config/rules/versions/3").status_code == 404
