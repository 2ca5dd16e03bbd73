"""Fixtures: a service app per test on SQLite (a fresh file) or PostgreSQL (one schema per run, emptied per test)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from service.app import create_app
from service.auth import create_api_key
from service.settings import Settings

HERE = Path(__file__).resolve().parent
RULES = HERE / "data" / "rules.yaml"
PG_URL = os.environ.get("FEEDBACK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TABLES = ("alert_events", "outbox", "alerts", "feedback", "api_keys", "config_versions", "leases", "rule_points",
          "rule_kv")


def _pg_reason() -> str | None:
    try:
        eng = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL at {PG_URL} unreachable: {type(exc).__name__}: {str(exc)[:120]}"


@pytest.fixture(scope="session")
def pg_schema():
    reason = _pg_reason()
    if reason:
        pytest.skip(reason)
    schema = f"svc_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    eng = create_engine(PG_URL)
    yield schema
    with eng.begin() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def db_settings(backend, tmp_path, request) -> dict:
    if backend == "sqlite":
        return {"database_url": f"sqlite:///{tmp_path / 'svc.sqlite'}"}
    schema = request.getfixturevalue("pg_schema")
    eng = create_engine(PG_URL)
    with eng.begin() as c:
        exists = c.execute(text("SELECT 1 FROM information_schema.tables WHERE table_schema=:s AND "
                                "table_name='feedback'"), {"s": schema}).first()
        if exists:
            c.execute(text(f'SET search_path TO "{schema}"'))
            c.execute(text("TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY CASCADE"))
    eng.dispose()
    return {"database_url": PG_URL, "database_schema": schema}


@pytest.fixture(autouse=True)
def _test_rules(monkeypatch):
    monkeypatch.setenv("FEEDBACK_NLP_RULES", str(RULES))


class Service:
    """A running app (lifespan entered) with an admin key and helpers."""

    def __init__(self, app, client: TestClient):
        self.app, self.client = app, client
        self.admin = app.state.first_admin_key

    def key(self, *scopes: str, rate: int | None = None) -> str:
        with self.app.state.db.session() as s:
            return create_api_key(s, "-".join(scopes) or "none", list(scopes), rate)[1]

    @staticmethod
    def h(key: str, **extra) -> dict:
        return {"Authorization": f"Bearer {key}", **extra}

    def post(self, path: str, json=None, key: str | None = None, **kw):
        return self.client.post(path, json=json, headers=self.h(key or self.admin, **kw.pop("headers", {})), **kw)

    def get(self, path: str, key: str | None = None, **kw):
        return self.client.get(path, headers=self.h(key or self.admin), **kw)


@pytest.fixture
def make_service(db_settings, tmp_path):
    started = []

    def make(**overrides) -> Service:
        settings = Settings(**{"run_workers": False, "state_dir": str(tmp_path / "state"), **db_settings,
                               **overrides})
        app = create_app(settings)
        client = TestClient(app)
        client.__enter__()
        started.append(client)
        return Service(app, client)

    yield make
    for c in started:
        c.__exit__(None, None, None)


@pytest.fixture
def svc(make_service) -> Service:
    return make_service()
