"""Layer 1: health, readiness, OpenAPI, /v1/classify and machine-readable errors for bad input."""

from __future__ import annotations

import pytest



@pytest.fixture
def backend():
    """These tests do not depend on the database: SQLite only."""
    return "sqlite"

NEG = "快递太慢了，三天还没到，客服也不理人"


def test_health_ready_and_openapi(svc):
    assert svc.client.get("/healthz").json() == {"status": "ok"}
    r = svc.client.get("/readyz")
    assert r.status_code == 200
    body = r.json()
    assert body["checks"] == {"database": True, "model": True}
    assert body["model_version"] and body["lexicon_version"]
    spec = svc.client.get("/openapi.json").json()
    for path in ("/v1/classify", "/v1/feedback", "/v1/alerts", "/v1/alerts/{alert_id}/acknowledge",
                 "/v1/config/{kind}", "/v1/outbox/{message_id}/redeliver", "/metrics", "/readyz"):
        assert path in spec["paths"], path
    assert "FeedbackIn" in spec["components"]["schemas"]


def test_classify_one_text_matches_the_pipeline_contract(svc):
    from feedback_nlp.pipeline import load_pipeline

    r = svc.post("/v1/classify", {"text": NEG, "id": "a1"})
    assert r.status_code == 200
    body = r.json()
    expected = load_pipeline().classify(NEG, id="a1")
    assert body["id"] == "a1"
    for key in ("sentiment", "causes", "cause_scores", "churn_intent", "keywords", "pii", "model_version"):
        assert body[key] == expected[key], key
    assert body["sentiment"]["label"] == "negative"
    assert "logistics" in [c["code"] for c in body["causes"]]


def test_classify_batch_keeps_order(svc):
    texts = [NEG, "东西很好，很满意", "我要注销账户，再也不用你们了"]
    r = svc.post("/v1/classify", {"items": [{"id": str(i), "text": t} for i, t in enumerate(texts)]})
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x["id"] for x in results] == ["0", "1", "2"]
    assert results[1]["sentiment"]["label"] == "positive"


@pytest.mark.parametrize("body, status, code, field", [
    ({"text": ""}, 422, "empty_text", "text"),
    ({"text": "   "}, 422, "empty_text", "text"),
    ({"text": "好" * 20000}, 422, "text_too_long", "text"),
    ({"text": 123}, 422, "wrong_type", "text"),
    ({"text": ["a"]}, 422, "wrong_type", "text"),
    ({"text": "好", "colour": "red"}, 422, "unknown_field", "colour"),
    ({}, 422, "invalid_value", None),
    ({"items": []}, 422, "empty_batch", "items"),
    ({"items": [{"text": "好"}] * 1001}, 413, "batch_too_large", "items"),
    ({"items": [{"text": "好"}, {"text": ""}]}, 422, "empty_text", "items.1.text"),
    ({"items": [{"text": "好", "lang": "zh"}]}, 422, "unknown_field", "items.0.lang"),
])
def test_bad_classify_input_gets_a_machine_readable_4xx(svc, body, status, code, field):
    r = svc.post("/v1/classify", body)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code
    assert err["field"] == field
    assert err["message"]


def test_malformed_json_and_oversized_body(make_service):
    s = make_service(max_body_bytes=10_000)
    r = s.client.post("/v1/classify", content=b"{not json", headers=s.h(s.admin, **{"Content-Type": "application/json"}))
    assert r.status_code == 422 and r.json()["error"]["code"] == "malformed_json"
    r = s.post("/v1/classify", {"text": "好" * 5000})  # ~15 kB of UTF-8
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"

    def chunks():  # no Content-Length: counted while streaming
        for _ in range(20):
            yield b" " * 1000

    r = s.client.post("/v1/classify", content=chunks(), headers=s.h(s.admin, **{"Content-Type": "application/json"}))
    assert r.status_code == 413


def test_unknown_route_and_method_are_json_errors(svc):
    r = svc.get("/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = svc.client.delete("/v1/classify", headers=svc.h(svc.admin))
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_cors_is_off_by_default_and_on_when_configured(make_service):
    s = make_service()
    r = s.client.options("/v1/classify", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers
    s2 = make_service(cors_origins=["https://console.example"])
    r = s2.client.options("/v1/classify", headers={"Origin": "https://console.example",
                                                  "Access-Control-Request-Method": "POST"})
    assert r.headers.get("access-control-allow-origin") == "https://console.example"
