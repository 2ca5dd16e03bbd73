"""Notification channels: generic webhook (HMAC-SHA256), WeCom, DingTalk (signed), Feishu (signed), SMTP.

A channel is plain data from the channels file, e.g.::

    - {name: ops-hook, type: webhook, url: "https://hooks.example/feedback", secret: "s3cret"}
    - {name: wecom-cs, type: wecom, url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..."}
    - {name: ding, type: dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=...", secret: "SEC..."}
    - {name: feishu, type: feishu, url: "https://open.feishu.cn/open-apis/bot/v2/hook/...", secret: "..."}
    - {name: mail, type: email, smtp_host: 127.0.0.1, smtp_port: 25, from: a@b.cn, to: [lead@b.cn]}

``send(channel, message)`` raises :class:`DeliveryError` on any failure (the outbox retries).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.parse
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import yaml

TYPES = ("webhook", "wecom", "dingtalk", "feishu", "email")
LEVEL_ZH = {"red": "红色", "yellow": "黄色", "blue": "蓝色"}


class DeliveryError(Exception):
    pass


def load_channels(file: str | None, inline: list[dict]) -> dict[str, dict]:
    items = list(inline)
    if file:
        data = yaml.safe_load(Path(file).read_text("utf-8")) or []
        items += data.get("channels", []) if isinstance(data, dict) else data
    out: dict[str, dict] = {}
    for ch in items:
        if not isinstance(ch, dict) or ch.get("type") not in TYPES or not ch.get("name"):
            raise ValueError(f"bad channel definition (need name and type in {TYPES}): {ch.get('name', ch)!r}")
        out[ch["name"]] = ch
    return out


def text_of(message: dict) -> tuple[str, str]:
    """(title, markdown body) for chat robots and e-mail."""
    a = message.get("alert", {})
    level = a.get("level", "")
    title = f"[{LEVEL_ZH.get(level, level)}预警] {a.get('summary_zh') or a.get('rule_id', '')}"
    if message.get("event", "alert") != "alert":
        title = f"[{message['event']}] " + title
    lines = [f"### {title}", f"- 预警编号: #{a.get('id')}", f"- 规则: {a.get('rule_id')}", f"- 级别: {level} {a.get('priority') or ''}",
             f"- 团队: {a.get('team') or '-'}", f"- 原因: {a.get('cause') or '-'}",
             f"- 处理时限: {a.get('sla_deadline') or '-'}"]
    if message.get("feedback_text"):
        lines.append(f"> {message['feedback_text'][:300]}")
    if a.get("summary_en"):
        lines.append(a["summary_en"])
    return title, "\n".join(lines)


def hmac_b64(key: bytes, msg: bytes) -> str:
    return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()


def dingtalk_url(url: str, secret: str, ts_ms: int) -> str:
    """DingTalk: ``&timestamp=<ms>&sign=<urlencode(base64(hmac_sha256(secret, "ts\\nsecret")))>``."""
    sign = hmac_b64(secret.encode(), f"{ts_ms}\n{secret}".encode())
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={ts_ms}&sign={urllib.parse.quote_plus(sign)}"


def feishu_sign(secret: str, ts: int) -> str:
    """Feishu: base64(hmac_sha256(key="ts\\nsecret", msg=b""))."""
    return hmac_b64(f"{ts}\n{secret}".encode(), b"")


def webhook_signature(secret: str, ts: int, body: bytes) -> str:
    """Generic webhook: ``sha256=<hex hmac_sha256(secret, "<ts>." + body)>`` in X-Feedback-Signature."""
    return "sha256=" + hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> httpx.Response:
    try:
        with httpx.Client(timeout=timeout, trust_env=False) as client:
            resp = client.post(url, content=body, headers={"Content-Type": "application/json", **headers})
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    if resp.status_code >= 300:
        raise DeliveryError(f"HTTP {resp.status_code}: {resp.text[:200]}")
    return resp


def _robot_ok(resp: httpx.Response, field: str) -> None:
    try:
        data = resp.json()
    except ValueError:
        return
    if isinstance(data, dict) and data.get(field, 0) not in (0, None):
        raise DeliveryError(f"robot refused: {data.get(field)} {data.get('errmsg') or data.get('msg')}")


def send(channel: dict, message: dict, delivery_id: str, timeout: float = 5.0) -> None:
    kind = channel["type"]
    title, body_md = text_of(message)
    now = int(time.time())
    if kind == "webhook":
        body = json.dumps({**message, "delivery_id": delivery_id}, ensure_ascii=False, sort_keys=True).encode()
        headers = {"X-Feedback-Delivery": delivery_id, "X-Feedback-Timestamp": str(now)}
        if channel.get("secret"):
            headers["X-Feedback-Signature"] = webhook_signature(channel["secret"], now, body)
        _post(channel["url"], body, headers, timeout)
    elif kind == "wecom":
        body = json.dumps({"msgtype": "markdown", "markdown": {"content": body_md}}, ensure_ascii=False).encode()
        _robot_ok(_post(channel["url"], body, {"X-Feedback-Delivery": delivery_id}, timeout), "errcode")
    elif kind == "dingtalk":
        url = dingtalk_url(channel["url"], channel["secret"], now * 1000) if channel.get("secret") else channel["url"]
        body = json.dumps({"msgtype": "markdown", "markdown": {"title": title, "text": body_md}},
                          ensure_ascii=False).encode()
        _robot_ok(_post(url, body, {"X-Feedback-Delivery": delivery_id}, timeout), "errcode")
    elif kind == "feishu":
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": f"{title}\n{body_md}"}}
        if channel.get("secret"):
            payload = {"timestamp": str(now), "sign": feishu_sign(channel["secret"], now), **payload}
        body = json.dumps(payload, ensure_ascii=False).encode()
        _robot_ok(_post(channel["url"], body, {"X-Feedback-Delivery": delivery_id}, timeout), "code")
    elif kind == "email":
        msg = EmailMessage()
        msg["Subject"] = title
        msg["From"] = channel.get("from", "feedback-nlp@localhost")
        to = channel.get("to") or []
        msg["To"] = ", ".join(to if isinstance(to, list) else [to])
        msg["X-Feedback-Delivery"] = delivery_id
        msg.set_content(body_md)
        try:
            with smtplib.SMTP(channel.get("smtp_host", "127.0.0.1"), int(channel.get("smtp_port", 25)),
                              timeout=timeout) as smtp:
                if channel.get("starttls"):
                    smtp.starttls()
                if channel.get("username"):
                    smtp.login(channel["username"], channel.get("password", ""))
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    else:  # pragma: no cover - load_channels refuses unknown types
        raise DeliveryError(f"unknown channel type {kind}")
