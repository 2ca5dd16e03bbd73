"""Prometheus metrics, one registry per app (so several apps in one process do not clash)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from .models import OutboxMessage

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class _OutboxCollector:
    def __init__(self, db):
        self.db = db

    def collect(self):
        g = GaugeMetricFamily("feedback_outbox_messages", "Outbox messages by status", labels=["status"])
        try:
            with self.db.session() as s:
                rows = s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
        except Exception:  # database down: report nothing rather than fail the scrape
            rows = []
        counts = {"pending": 0, "delivered": 0, "dead": 0, **{st: n for st, n in rows}}
        for status, n in counts.items():
            g.add_metric([status], n)
        yield g


class Metrics:
    def __init__(self, db):
        self.registry = CollectorRegistry()
        r = self.registry
        self.request_latency = Histogram("feedback_http_request_duration_seconds", "HTTP request latency",
                                         ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=r)
        self.model_latency = Histogram("feedback_model_latency_seconds", "Pipeline classify latency per call",
                                       buckets=LATENCY_BUCKETS, registry=r)
        self.classifications = Counter("feedback_classifications_total", "Texts classified", ["endpoint"], registry=r)
        self.alerts = Counter("feedback_alerts_total", "Alerts raised", ["level"], registry=r)
        self.sla_breaches = Counter("feedback_sla_breaches_total", "Alerts past their SLA", ["level", "reason"],
                                    registry=r)
        self.deliveries = Counter("feedback_deliveries_total", "Delivery attempts", ["channel", "result"], registry=r)
        r.register(_OutboxCollector(db))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.request_latency.labels(method, route, str(status)).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
