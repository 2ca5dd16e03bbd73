"""API keys (stored as salted SHA-256 hashes), scopes and per-key rate limits.

A key looks like ``fnk_<key_id>_<secret>``; only ``key_id`` (public), a random salt and
``sha256(salt + secret)`` are stored. Send it as ``Authorization: Bearer <key>`` or ``X-API-Key``.
Scopes: ``ingest`` (post feedback, classify), ``read`` (list, view, dashboard, read config),
``triage`` (alert actions), ``admin`` (everything, incl. keys, rules/lexicon replace, redelivery).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .errors import ApiError
from .models import ApiKey, utcnow

SCOPES = ("ingest", "read", "triage", "admin")


@dataclass(frozen=True)
class Principal:
    key_id: str
    name: str
    scopes: frozenset[str]
    rate_limit_per_minute: int | None

    def has(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes

    @property
    def actor(self) -> str:
        return f"{self.name} ({self.key_id})"


def _hash(salt: str, secret: str) -> str:
    return hashlib.sha256((salt + secret).encode()).hexdigest()


def create_api_key(session: Session, name: str, scopes: list[str] | tuple[str, ...],
                   rate_limit_per_minute: int | None = None) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the full key (shown once, never stored)."""
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise ApiError(422, "invalid_scope", f"unknown or missing scopes {bad}; known: {', '.join(SCOPES)}", "scopes")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(24).replace("_", "-")
    salt = secrets.token_hex(16)
    row = ApiKey(key_id=key_id, name=name, salt=salt, secret_hash=_hash(salt, secret),
                 scopes=",".join(sorted(set(scopes))), rate_limit_per_minute=rate_limit_per_minute)
    session.add(row)
    session.flush()
    return row, f"fnk_{key_id}_{secret}"


def count_keys(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ApiKey)) or 0


def _parse(raw: str) -> tuple[str, str] | None:
    if not raw.startswith("fnk_"):
        return None
    parts = raw[4:].split("_", 1)
    return (parts[0], parts[1]) if len(parts) == 2 and parts[0] and parts[1] else None


class TokenBucket:
    """Per-key token buckets in this process: ``rate`` requests per minute, bursts up to ``rate``."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, rate_per_minute: int) -> float:
        """0 when allowed, else seconds until a token is free."""
        now = time.monotonic()
        per_sec = rate_per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(key, (float(rate_per_minute), now))
            tokens = min(float(rate_per_minute), tokens + (now - last) * per_sec)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / per_sec if per_sec > 0 else 60.0


class Authenticator:
    def __init__(self, db, default_rate_limit: int):
        self.db = db
        self.default_rate_limit = default_rate_limit
        self.buckets = TokenBucket()
        self._cache: dict[str, tuple[float, Principal | None, str, str]] = {}
        self._lock = threading.Lock()

    def _lookup(self, key_id: str) -> tuple[Principal | None, str, str]:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key_id)
        if hit and now - hit[0] < 2.0:  # short cache: revocation takes effect within 2 s
            return hit[1], hit[2], hit[3]
        with self.db.session() as s:
            row = s.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
            if row is None or row.revoked_at is not None:
                result: tuple[Principal | None, str, str] = (None, "", "")
            else:
                result = (Principal(row.key_id, row.name, frozenset(row.scopes.split(",")), row.rate_limit_per_minute),
                          row.salt, row.secret_hash)
        with self._lock:
            self._cache[key_id] = (now, *result)
        return result

    def forget(self, key_id: str) -> None:
        with self._lock:
            self._cache.pop(key_id, None)

    def authenticate(self, request: Request) -> Principal:
        raw = request.headers.get("x-api-key")
        auth = request.headers.get("authorization", "")
        if not raw and auth.lower().startswith("bearer "):
            raw = auth[7:].strip()
        if not raw:
            raise ApiError(401, "unauthorized", "missing API key (Authorization: Bearer <key> or X-API-Key)",
                           headers={"WWW-Authenticate": "Bearer"})
        parsed = _parse(raw)
        principal, salt, digest = self._lookup(parsed[0]) if parsed else (None, "", "")
        if principal is None or not hmac.compare_digest(_hash(salt, parsed[1]), digest):
            raise ApiError(401, "unauthorized", "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})
        request.scope.setdefault("state", {})["key_id"] = principal.key_id
        rate = principal.rate_limit_per_minute or self.default_rate_limit
        wait = self.buckets.take(principal.key_id, rate)
        if wait > 0:
            raise ApiError(429, "rate_limited", f"rate limit of {rate} requests per minute exceeded",
                           headers={"Retry-After": str(max(1, int(wait + 0.999)))})
        return principal


def require(scope: str):
    """A FastAPI dependency: the caller's key must carry ``scope`` (or ``admin``)."""

    def dependency(request: Request) -> Principal:
        principal = request.app.state.auth.authenticate(request)
        if not principal.has(scope):
            raise ApiError(403, "forbidden_scope", f"this key lacks the '{scope}' scope")
        return principal

    dependency.__name__ = f"require_{scope}"
    return dependency


def revoke(session: Session, key_id: str) -> bool:
    row = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
    if row is None:
        return False
    row.revoked_at = utcnow()
    return True
