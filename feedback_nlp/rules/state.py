"""What the rule engine remembers between events, behind a narrow plain-data protocol.

The service implements :class:`RuleState` on its database; batch jobs and tests use
:class:`InMemoryState`. Everything stored is plain data (str, datetime, dict of JSON values).

- *series*: time-stamped event ids per window group (``"<rule>|<group>"``), for window counts,
  baselines and digests;
- *alerts*: the open alert per dedup key (a dict: ``alert_id, rule_id, level, priority, opened_at,
  last_seen, expires_at, count``);
- *silences*: operator silences;
- *pending*: delayed triggers and digest flushes, each a dict with at least ``id`` and ``due_at``.
"""

from __future__ import annotations

import bisect
import heapq
from datetime import datetime
from typing import Protocol, runtime_checkable

from .model import Silence


@runtime_checkable
class RuleState(Protocol):
    def add_point(self, series: str, at: datetime, item_id: str) -> None: ...
    def count(self, series: str, start: datetime, end: datetime) -> int:
        """Points with ``start < at <= end``."""
    def points(self, series: str, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
        """Points with ``start < at <= end``, oldest first."""
    def prune(self, before: datetime) -> None:
        """Forget points at or before ``before`` (the engine calls it from ``tick`` with its longest
        window). May also forget open-alert records that expired by then (the engine ignores expired ones)."""

    def get_alert(self, dedup_key: str) -> dict | None: ...
    def put_alert(self, dedup_key: str, record: dict) -> None: ...
    def close_alert(self, dedup_key: str) -> None: ...

    def silences(self, now: datetime) -> list[Silence]:
        """Silences active at ``now``."""
    def add_silence(self, silence: Silence) -> None: ...
    def remove_silence(self, silence_id: str) -> None: ...

    def add_pending(self, item: dict) -> None:
        """Store (or replace, by ``id``) a pending item."""
    def get_pending(self, item_id: str) -> dict | None: ...
    def pop_due(self, now: datetime) -> list[dict]:
        """Remove and return the items with ``due_at <= now``, ordered by (due_at, id)."""


class InMemoryState:
    """The reference :class:`RuleState`: dicts and sorted lists, for batch jobs and tests."""

    def __init__(self) -> None:
        self._series: dict[str, tuple[list[float], list[tuple[datetime, str]]]] = {}
        self._alerts: dict[str, dict] = {}
        self._expiry: list[tuple[float, str]] = []  # heap of (expires_at, dedup key) for prune
        self._silences: dict[str, Silence] = {}
        self._pending: dict[str, dict] = {}

    # series
    def add_point(self, series: str, at: datetime, item_id: str) -> None:
        keys, items = self._series.setdefault(series, ([], []))
        ts = at.timestamp()
        if not keys or ts >= keys[-1]:
            keys.append(ts)
            items.append((at, item_id))
        else:
            i = bisect.bisect_right(keys, ts)
            keys.insert(i, ts)
            items.insert(i, (at, item_id))

    def _range(self, series: str, start: datetime, end: datetime) -> tuple[int, int, list]:
        keys, items = self._series.get(series, ([], []))
        lo = bisect.bisect_right(keys, start.timestamp())
        hi = bisect.bisect_right(keys, end.timestamp())
        return lo, hi, items

    def count(self, series: str, start: datetime, end: datetime) -> int:
        lo, hi, _ = self._range(series, start, end)
        return max(0, hi - lo)

    def points(self, series: str, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
        lo, hi, items = self._range(series, start, end)
        return items[lo:hi]

    def prune(self, before: datetime) -> None:
        cut = before.timestamp()
        for name in list(self._series):
            keys, items = self._series[name]
            i = bisect.bisect_right(keys, cut)
            if i:
                del keys[:i], items[:i]
            if not keys:
                del self._series[name]
        while self._expiry and self._expiry[0][0] <= cut:
            _, key = heapq.heappop(self._expiry)
            rec = self._alerts.get(key)
            if rec is not None and rec["expires_at"].timestamp() <= cut:
                del self._alerts[key]

    # alerts
    def get_alert(self, dedup_key: str) -> dict | None:
        return self._alerts.get(dedup_key)

    def put_alert(self, dedup_key: str, record: dict) -> None:
        old = self._alerts.get(dedup_key)
        self._alerts[dedup_key] = dict(record)
        if old is None or old.get("expires_at") != record.get("expires_at"):
            heapq.heappush(self._expiry, (record["expires_at"].timestamp(), dedup_key))

    def close_alert(self, dedup_key: str) -> None:
        self._alerts.pop(dedup_key, None)

    # silences
    def silences(self, now: datetime) -> list[Silence]:
        return [s for s in self._silences.values() if s.starts_at <= now < s.ends_at]

    def add_silence(self, silence: Silence) -> None:
        self._silences[silence.id] = silence

    def remove_silence(self, silence_id: str) -> None:
        self._silences.pop(silence_id, None)

    # pending
    def add_pending(self, item: dict) -> None:
        self._pending[item["id"]] = dict(item)

    def get_pending(self, item_id: str) -> dict | None:
        return self._pending.get(item_id)

    def pop_due(self, now: datetime) -> list[dict]:
        due = [p for p in self._pending.values() if p["due_at"] <= now]
        due.sort(key=lambda p: (p["due_at"], p["id"]))
        for p in due:
            del self._pending[p["id"]]
        return due
