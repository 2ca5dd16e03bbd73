"""Classify a batch of prepared rows: the one step both engines (local and Ray) run.

The classifier is anything with ``classify_batch(texts, ids) -> list[dict | InputError]`` and the
attributes ``model_version`` / ``lexicon_version`` (``feedback_nlp.pipeline.Pipeline``). It is
created by a *factory* (a picklable zero-argument callable) so each Ray actor loads it once.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol, Sequence

from .prepare import Prepared

#: Fields of the classify contract copied into every output record, in this order.
CONTRACT_FIELDS = ("sentiment", "causes", "cause_scores", "churn_intent", "keywords", "intent_phrases", "pii",
                   "warnings")
#: Fields that hold nested data (JSON-encoded strings in Parquet output).
NESTED_FIELDS = CONTRACT_FIELDS + ("alerts",)
RESERVED = frozenset(("id", "model_version", "lexicon_version") + NESTED_FIELDS)


class Classifier(Protocol):
    model_version: str
    lexicon_version: str
    max_chars: int

    def classify_batch(self, texts: list[str], ids: list[str] | None = None) -> list[Any]: ...


Alerter = Callable[[dict], list[dict]]


def output_columns(keep: Sequence[str], with_alerts: bool) -> list[str]:
    cols = ["id", *CONTRACT_FIELDS]
    if with_alerts:
        cols.append("alerts")
    return cols + ["model_version", "lexicon_version", *keep]


def reject_record(row: Prepared, reason: str, message: str) -> dict:
    return {
        "position": row.position, "source_file": row.source_file, "source_row": row.source_row,
        "id": row.id, "reason": reason, "message": message, "text_preview": row.preview,
    }


def _is_error(value: Any) -> bool:
    return isinstance(value, BaseException) or (hasattr(value, "code") and hasattr(value, "message")
                                                and not isinstance(value, dict))


def label_rows(rows: Sequence[Prepared], classifier: Classifier, alerter: Alerter | None = None) -> list[dict]:
    """One outcome per row, same order: ``{"position", "record": {...}}`` or ``{"position", "reject": {...}}``."""
    todo = [r for r in rows if r.reject is None]
    results = classifier.classify_batch([r.text for r in todo], ids=[r.id for r in todo]) if todo else []
    if len(results) != len(todo):
        raise RuntimeError(f"classifier returned {len(results)} results for {len(todo)} texts")
    by_position = {r.position: res for r, res in zip(todo, results)}
    outcomes: list[dict] = []
    for row in rows:
        if row.reject is not None:
            outcomes.append({"position": row.position, "reject": reject_record(row, row.reject, row.message or "")})
            continue
        result = by_position[row.position]
        if _is_error(result):
            code = getattr(result, "code", "classify_error")
            message = getattr(result, "message", str(result))
            outcomes.append({"position": row.position, "reject": reject_record(row, code, message)})
            continue
        record: dict[str, Any] = {"id": row.id}
        for name in CONTRACT_FIELDS:
            record[name] = result.get(name)
        if alerter is not None:
            record["alerts"] = alerter({**result, "id": row.id, **row.keep})
        record["model_version"] = result.get("model_version") or getattr(classifier, "model_version", None)
        record["lexicon_version"] = result.get("lexicon_version") or getattr(classifier, "lexicon_version", None)
        record.update(row.keep)
        outcomes.append({"position": row.position, "record": record})
    return outcomes
