"""Alert rules: from a classified text to a routed, timed alert.

A pure, deterministic library (given an injected clock), used by the service and by batch jobs.
The rule file syntax is documented in ``docs/rules.md`` and in ``rules/default_rules.yaml``.

Typical use::

    from feedback_nlp.rules import load_rules, RuleEngine, InMemoryState, Event

    ruleset = load_rules("rules/default_rules.yaml")       # raises RulesError listing EVERY mistake
    engine = RuleEngine(ruleset, clock=lambda: now, state=InMemoryState(), lookup=find_event)
    decisions = engine.evaluate(Event.from_record(record))  # immediate, window-count and baseline rules
    decisions += engine.tick(now)                           # due delayed triggers and digests
    overdue = engine.escalations(open_alerts, now)          # first-response / resolution targets passed

Public API
----------
``load_rules(path) -> RuleSet`` / ``parse_rules(text, file="<string>") -> RuleSet``
    Validate a rule file. On any mistake raise :class:`RulesError` whose ``errors`` is the list of
    ``feedback_nlp.yamlsource.SourceError`` (``file:line: field.path: message``), all of them, not only
    the first. ``RuleSet.version`` is the first 12 hex digits of the sha256 of the file text.
``Event``
    Input record: ``id``, ``received_at`` (aware datetime), ``classification`` (the classify-contract
    dict), ``source``, ``channel``, ``survey`` (``{"satisfaction", "scale", "nps"}``), ``customer``
    (``{"id", "tier", "ltv", "tags", "account_manager"}``), ``attributes`` (store, product, region, ...),
    ``answered``, ``status``. ``Event.from_record(dict)`` accepts a wrapper or a bare classification
    dict and never raises.
``RuleEngine(ruleset, clock, state=None, lookup=None)``
    ``evaluate(event) -> list[AlertDecision]``: immediate rules, window counts and baseline rises fire
    here; delayed triggers and digest items are recorded in ``state``. ``tick(now=None)`` fires due
    delayed triggers and digests. A delayed rule is re-checked on the event's current state:
    ``lookup(event_id)`` when given (``None`` = the event is gone: nothing fires), else the snapshot
    stored at evaluation time, refreshed by ``update_event(event)``.
    ``escalations(open_alerts, now) -> list[Escalation]``. ``resolve(dedup_key)`` closes an open alert.
    ``add_silence(Silence)`` / ``remove_silence(id)``.
``RuleState`` / ``InMemoryState``
    The narrow storage protocol the service implements on its database (see ``state.py``).
``AlertDecision``, ``Deadline``, ``Escalation``, ``Silence``
    Plain-data results; each has ``to_dict()`` (JSON-ready).
``SlaPolicy``, ``BusinessCalendar``
    SLA clocks (24x7 or business hours on China's calendar via ``chinese_calendar``; unknown years
    fall back to weekends plus the operator holiday file and flag ``Deadline.estimated``).
``backtest(ruleset, records) -> dict``
    Replay classified records in time order on a simulated clock; per-rule and per-level counts and
    samples.
"""

from .model import AlertDecision, Deadline, Escalation, Event, Silence
from .state import InMemoryState, RuleState
from .sla import BusinessCalendar, SlaPolicy
from .ruleset import Rule, RuleSet, RulesError, load_rules, parse_rules
from .engine import RuleEngine
from .backtest import backtest

__all__ = [
    "AlertDecision", "BusinessCalendar", "Deadline", "Escalation", "Event", "InMemoryState", "Rule",
    "RuleEngine", "RuleSet", "RuleState", "RulesError", "Silence", "SlaPolicy", "backtest", "load_rules",
    "parse_rules",
]
