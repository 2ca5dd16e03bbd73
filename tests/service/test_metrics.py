"""Layer 7: /metrics exposes request latency, classifications, alerts by level, outbox depth and model latency."""

from __future__ import annotations

import re

import pytest

CHURN = "我要注销账户，再也不用你们了，换别家"


@pytest.fixture
def backend():
    return "sqlite"


def value(text: str, name: str, labels: str = "") -> float:
    m = re.search(rf"^{re.escape(name)}{re.escape(labels)} ([0-9.e+-]+)$", text, re.M)
    assert m, f"{name}{labels} not in metrics"
    return float(m.group(1))


def test_metrics_count_what_happened(make_service):
    svc = make_service(channels=[{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/h"}])
    svc.post("/v1/classify", {"items": [{"text": "快递太慢了"}, {"text": "很好"}]})
    svc.post("/v1/feedback", {"text": CHURN})
    svc.post("/v1/feedback", {"text": "快递太慢了，三天还没到"})
    text = svc.client.get("/metrics").text
    assert value(text, "feedback_classifications_total", '{endpoint="classify"}') == 2
    assert value(text, "feedback_classifications_total", '{endpoint="feedback"}') == 2
    assert value(text, "feedback_alerts_total", '{level="red"}') == 1
    assert value(text, "feedback_alerts_total", '{level="yellow"}') == 1
    assert value(text, "feedback_outbox_messages", '{status="pending"}') == 2  # one per alert: only "hook" is configured
    assert value(text, "feedback_model_latency_seconds_count") == 3  # one batch call + two single calls
    assert value(text, "feedback_http_request_duration_seconds_count",
                 '{method="POST",route="/v1/feedback",status="201"}') == 2
    assert 'route="/v1/alerts/{alert_id}"' not in text  # routes are templates, not raw paths
    svc.get("/v1/alerts/123")
    text = svc.client.get("/metrics").text
    assert value(text, "feedback_http_request_duration_seconds_count",
                 '{method="GET",route="/v1/alerts/{alert_id}",status="404"}') == 1
    svc.app.state.outbox_worker.run_once()  # the receiver is down: still pending, one failed delivery each
    text = svc.client.get("/metrics").text
    assert value(text, "feedback_deliveries_total", '{channel="hook",result="error"}') == 2
