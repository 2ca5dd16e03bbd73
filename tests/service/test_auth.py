"""Layer 3 on SQLite and PostgreSQL: hashed keys, scopes refused where they do not belong, rate limits, first admin key, no secrets in logs."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from service.models import ApiKey


CHURN = "我要注销账户，再也不用你们了，换别家，电话13812345678"
RULES_TEXT = "channels: [hook]\nrules:\n  - id: r\n    description: {zh: 测, en: t}\n    when: {sentiment.label: negative}\n    actions: {level: blue}\n"

# (method, path, body, scope that may call it)
ENDPOINTS = [
    ("POST", "/v1/classify", {"text": "好"}, "ingest"),
    ("POST", "/v1/feedback", {"text": "好"}, "ingest"),
    ("GET", "/v1/feedback", None, "read"),
    ("GET", "/v1/alerts", None, "read"),
    ("GET", "/v1/dashboard", None, "read"),
    ("GET", "/v1/config/rules", None, "read"),
    ("POST", "/v1/config/lexicon/validate", {"content": "x: 1"}, "read"),
    ("POST", "/v1/alerts/{aid}/acknowledge", None, "triage"),
    ("POST", "/v1/alerts/{aid}/comment", {"comment": "hi"}, "triage"),
    ("PUT", "/v1/config/rules", {"content": RULES_TEXT}, "admin"),
    ("GET", "/v1/keys", None, "admin"),
    ("POST", "/v1/keys", {"name": "x", "scopes": ["read"]}, "admin"),
    ("GET", "/v1/outbox", None, "admin"),
]


def test_keys_are_stored_hashed_with_a_salt(svc):
    key = svc.key("read")
    with svc.app.state.db.session() as s:
        rows = s.scalars(select(ApiKey)).all()
    secret = key.split("_", 2)[2]
    for row in rows:
        assert secret not in (row.secret_hash, row.salt) and len(row.salt) == 32 and len(row.secret_hash) == 64
    assert len({r.salt for r in rows}) == len(rows)


def test_missing_wrong_and_revoked_keys_are_refused(svc):
    assert svc.client.get("/v1/alerts").status_code == 401
    assert svc.client.get("/v1/alerts").json()["error"]["code"] == "unauthorized"
    key = svc.key("read")
    assert svc.get("/v1/alerts", key=key).status_code == 200
    assert svc.get("/v1/alerts", key=key[:-2] + "xx").status_code == 401
    assert svc.client.get("/v1/alerts", headers={"X-API-Key": key}).status_code == 200
    key_id = key.split("_")[1]
    assert svc.client.delete(f"/v1/keys/{key_id}", headers=svc.h(svc.admin)).json()["revoked"] is True
    assert svc.get("/v1/alerts", key=key).status_code == 401


@pytest.mark.parametrize("scope", ["ingest", "read", "triage"])
def test_each_scope_is_refused_where_it_does_not_belong(svc, scope):
    aid = svc.post("/v1/feedback", {"text": CHURN}).json()["alerts"][0]["id"]
    key = svc.key(scope)
    for method, path, body, allowed in ENDPOINTS:
        r = svc.client.request(method, path.format(aid=aid), json=body, headers=svc.h(key))
        if allowed == scope:
            assert r.status_code < 400, (scope, method, path, r.text)
        else:
            assert r.status_code == 403, (scope, method, path, r.status_code)
            assert r.json()["error"]["code"] == "forbidden_scope"


def test_admin_may_do_everything(svc):
    aid = svc.post("/v1/feedback", {"text": CHURN}).json()["alerts"][0]["id"]
    for method, path, body, _ in ENDPOINTS:
        r = svc.client.request(method, path.format(aid=aid), json=body, headers=svc.h(svc.admin))
        assert r.status_code < 400, (method, path, r.text)


def test_per_key_rate_limit(svc):
    slow = svc.key("read", rate=3)
    other = svc.key("read")
    codes = [svc.get("/v1/alerts", key=slow).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    r = svc.get("/v1/alerts", key=slow)
    assert r.json()["error"]["code"] == "rate_limited" and int(r.headers["Retry-After"]) >= 1
    assert svc.get("/v1/alerts", key=other).status_code == 200  # limits are per key


def test_first_admin_key_is_created_once(make_service, capfd):
    s = make_service()
    assert s.admin and s.admin.startswith("fnk_")
    assert "first admin API key" in capfd.readouterr().err
    assert s.get("/v1/keys").status_code == 200
    s2 = make_service()  # same database: keys exist, nothing new is printed
    assert s2.admin is None
    assert "first admin API key" not in capfd.readouterr().err


def test_no_secret_or_pii_in_logs(svc, caplog):
    caplog.set_level(logging.DEBUG)
    key = svc.key("ingest", "read")
    svc.post("/v1/feedback", {"text": CHURN + " 邮箱 zhang.san@example.com"}, key=key)
    svc.get("/v1/feedback?token=abc123secret", key=key)
    svc.client.get("/v1/alerts", headers={"Authorization": "Bearer fnk_deadbeef_notarealsecret"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "service.access" in {r.name for r in caplog.records}
    secret = key.split("_", 2)[2]
    for needle in (secret, svc.admin.split("_", 2)[2], "13812345678", "zhang.san@example.com", "abc123secret",
                   "notarealsecret"):
        assert needle not in text, needle


def test_scrub_masks_pii_and_secrets():
    from service.logsafe import scrub

    out = scrub("call 13812345678 key fnk_ab12_SeCrEt url https://x/robot?access_token=tok123&b=1")
    assert "13812345678" not in out and "SeCrEt" not in out and "tok123" not in out and "b=1" in out


def test_access_log_lines_are_scrubbed_and_still_formatted():
    """uvicorn's access formatter unpacks record.args: the filter must keep them a tuple."""
    import logging

    from uvicorn.logging import AccessFormatter

    from service.logsafe import ScrubFilter

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/v1/feedback?token=s3cr3t&phone=13812345678", "1.1", 200), None)
    assert ScrubFilter().filter(record)
    line = AccessFormatter(fmt="%(client_addr)s - \"%(request_line)s\" %(status_code)s", use_colors=False).format(record)
    assert "s3cr3t" not in line and "13812345678" not in line
    assert line == '127.0.0.1:5000 - "GET /v1/feedback?token=***&phone=*********** HTTP/1.1" 200 OK'
