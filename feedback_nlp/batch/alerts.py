"""``--rules``: the alerts each row would raise, evaluated in the same pass (for backfilling).

Each row is evaluated on its own (fresh rule state), so the result does not depend on sharding,
engine or worker count: immediate rules fire as they would live; window-count and baseline rules
only see the row itself (replay history in time order with ``feedback_nlp.rules.backtest`` for
those). Passthrough columns (``--keep``) reach the rule event, so ``--keep received_at --keep
customer`` etc. make time- and customer-dependent rules meaningful; without ``received_at`` a fixed
time (2000-01-01 UTC) is used so the output stays reproducible.

Each alert is a compact, deterministic dict (no generated alert ids or notification state).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

DEFAULT_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)
ALERT_FIELDS = ("rule_id", "kind", "level", "priority", "team", "owner", "cause", "channels", "muted_by",
                "summary_zh", "summary_en", "ruleset_version")


class RulesUnavailable(RuntimeError):
    """The rule engine (``feedback_nlp.rules``) cannot be used in this installation."""


def _api():
    try:
        from feedback_nlp.rules import Event, InMemoryState, RuleEngine, load_rules
    except ImportError as exc:
        raise RulesUnavailable(f"--rules is not available: the rule engine cannot be imported ({exc})") from exc
    return Event, InMemoryState, RuleEngine, load_rules


class RulesAlerter:
    def __init__(self, ruleset):
        self.Event, self.InMemoryState, self.RuleEngine, _ = _api()
        self.ruleset = ruleset

    def __call__(self, record: dict) -> list[dict]:
        event = self.Event.from_record(record, default_time=DEFAULT_TIME)
        engine = self.RuleEngine(self.ruleset, clock=lambda: event.received_at, state=self.InMemoryState())
        alerts = []
        for decision in engine.evaluate(event):
            d = decision.to_dict()
            alerts.append({k: d.get(k) for k in ALERT_FIELDS})
        return alerts


@dataclass(frozen=True)
class RulesAlerterFactory:
    """Picklable: each Ray actor loads the rule file once."""

    path: str

    def __post_init__(self):
        if not Path(self.path).is_file():
            raise FileNotFoundError(f"--rules {self.path}: no such file")
        _api()[3](self.path)  # validate now, in the driver: RulesError lists every mistake

    def __call__(self) -> RulesAlerter:
        return RulesAlerter(_api()[3](self.path))
