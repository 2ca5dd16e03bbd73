"""Compare two relabel outputs (old model vs new model), joined by id.

Either side may be a relabel output folder (its ``part-*`` shards) or a single ``.parquet`` /
``.jsonl`` file. Nested fields may be JSON strings (what ``relabel`` writes to Parquet) or
structs/objects (JSON Lines, or Parquet written by other tools): both are read.

Per label the report holds a change matrix ``matrix[old][new] = count``: sentiment, churn_intent,
each cause code (present/absent) and the whole cause set (same/changed plus the most common
transitions), and the list of rows whose sentiment, churn intent or cause set changed.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from feedback_nlp.taxonomy import CAUSE_CODES

MISSING = "(none)"
LABEL_FIELDS = ("id", "sentiment", "churn_intent", "causes")


class DiffProblem(ValueError):
    pass


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.glob("part-*") if p.suffix in (".parquet", ".jsonl"))
        if not files:
            raise DiffProblem(f"{path}: no part-*.parquet or part-*.jsonl files")
        return files
    if not path.exists():
        raise DiffProblem(f"{path}: no such file or folder")
    if path.suffix not in (".parquet", ".jsonl", ".json", ".ndjson"):
        raise DiffProblem(f"{path}: expected a relabel output folder, a .parquet or a .jsonl file")
    return [path]


def _iter_records(path: Path) -> Iterator[dict]:
    for file in _files(path):
        if file.suffix == ".parquet":
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(file)
            missing = [c for c in LABEL_FIELDS if c not in pf.schema_arrow.names]
            if missing:
                raise DiffProblem(f"{file}: missing column(s) {', '.join(missing)}")
            for batch in pf.iter_batches(columns=list(LABEL_FIELDS), batch_size=4096):
                yield from batch.to_pylist()
        else:
            with open(file, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    if line.strip():
                        try:
                            yield json.loads(line)
                        except ValueError as exc:
                            raise DiffProblem(f"{file}:{n}: not JSON: {exc}") from None


def _nested(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value  # a bare label such as "negative"
    return value


def _label(value: Any) -> str:
    value = _nested(value)
    if isinstance(value, dict):
        value = value.get("label")
    return MISSING if value is None else str(value)


def _causes(value: Any) -> frozenset[str]:
    value = _nested(value)
    if not value:
        return frozenset()
    return frozenset(str(c.get("code")) if isinstance(c, dict) else str(c) for c in value)


@dataclass(frozen=True)
class Labels:
    sentiment: str
    churn_intent: str
    causes: frozenset[str]


def load_labels(path: str | Path) -> tuple[dict[str, Labels], int]:
    """``{id: Labels}`` and the number of rows whose id was already seen (the later one wins)."""
    out: dict[str, Labels] = {}
    duplicates = 0
    for rec in _iter_records(Path(path)):
        ident = rec.get("id")
        if ident is None:
            continue
        ident = str(ident)
        if ident in out:
            duplicates += 1
        out[ident] = Labels(_label(rec.get("sentiment")), _label(rec.get("churn_intent")), _causes(rec.get("causes")))
    return out, duplicates


def _matrix(pairs: Counter) -> dict:
    olds = sorted({o for o, _ in pairs})
    news = sorted({n for _, n in pairs})
    return {o: {n: pairs.get((o, n), 0) for n in news} for o in olds}


def _set_name(codes: frozenset[str]) -> str:
    return "+".join(sorted(codes)) or MISSING


def diff_outputs(old_path: str | Path, new_path: str | Path, top: int = 20) -> dict:
    old, old_dups = load_labels(old_path)
    new, new_dups = load_labels(new_path)
    joined = [i for i in old if i in new]
    sentiment, churn, cause_sets = Counter(), Counter(), Counter()
    codes = sorted(set(CAUSE_CODES).union(*(old[i].causes | new[i].causes for i in joined)) if joined
                   else set(CAUSE_CODES))
    per_code = {c: Counter() for c in codes}
    changed_rows = []
    for i in joined:
        a, b = old[i], new[i]
        sentiment[(a.sentiment, b.sentiment)] += 1
        churn[(a.churn_intent, b.churn_intent)] += 1
        for c in codes:
            per_code[c][("present" if c in a.causes else "absent", "present" if c in b.causes else "absent")] += 1
        if a.causes != b.causes:
            cause_sets[(_set_name(a.causes), _set_name(b.causes))] += 1
        if a != b:
            changed_rows.append({
                "id": i, "sentiment_old": a.sentiment, "sentiment_new": b.sentiment,
                "churn_intent_old": a.churn_intent, "churn_intent_new": b.churn_intent,
                "causes_old": sorted(a.causes), "causes_new": sorted(b.causes),
                "causes_added": sorted(b.causes - a.causes), "causes_removed": sorted(a.causes - b.causes),
            })

    def changed(pairs: Counter) -> int:
        return sum(n for (o, w), n in pairs.items() if o != w)

    set_changed = sum(cause_sets.values())
    return {
        "old": str(old_path), "new": str(new_path),
        "rows": {"old": len(old), "new": len(new), "joined": len(joined),
                 "only_old": len(old) - len(joined), "only_new": sum(1 for i in new if i not in old),
                 "duplicate_ids_old": old_dups, "duplicate_ids_new": new_dups, "changed": len(changed_rows)},
        "labels": {
            "sentiment": {"changed": changed(sentiment), "matrix": _matrix(sentiment)},
            "churn_intent": {"changed": changed(churn), "matrix": _matrix(churn)},
            "causes": {c: {"added": per_code[c][("absent", "present")],
                           "removed": per_code[c][("present", "absent")],
                           "matrix": _matrix(per_code[c])} for c in codes},
            "cause_set": {"changed": set_changed, "unchanged": len(joined) - set_changed,
                          "top_transitions": [{"old": o, "new": n, "count": k}
                                              for (o, n), k in sorted(cause_sets.items(),
                                                                      key=lambda kv: (-kv[1], kv[0]))[:top]]},
        },
        "changed_rows": changed_rows,
    }


def _table(title: str, matrix: dict) -> list[str]:
    news = sorted({n for row in matrix.values() for n in row})
    width = max([len(title), *(len(o) for o in matrix), 6])
    cols = [max(len(n), 6) for n in news]
    lines = [f"{title:<{width}}  " + "  ".join(f"{n:>{w}}" for n, w in zip(news, cols))]
    for o, row in matrix.items():
        lines.append(f"{o:<{width}}  " + "  ".join(f"{row.get(n, 0):>{w}}" for n, w in zip(news, cols)))
    return lines


def format_report(report: dict, show_rows: int = 20) -> str:
    r = report["rows"]
    lines = [
        f"old: {report['old']} ({r['old']} ids)", f"new: {report['new']} ({r['new']} ids)",
        f"joined by id: {r['joined']}; only in old: {r['only_old']}; only in new: {r['only_new']}; "
        f"rows with any change: {r['changed']}",
    ]
    if r["duplicate_ids_old"] or r["duplicate_ids_new"]:
        lines.append(f"warning: duplicate ids (old {r['duplicate_ids_old']}, new {r['duplicate_ids_new']}); "
                     "the last row of each id was compared")
    labels = report["labels"]
    for name in ("sentiment", "churn_intent"):
        lines += ["", f"{name}: {labels[name]['changed']} changed (rows: old, columns: new)"]
        lines += _table("old \\ new", labels[name]["matrix"])
    lines += ["", "causes (present in old -> new):", f"{'code':<22}{'added':>8}{'removed':>9}{'kept':>8}"]
    for code, c in labels["causes"].items():
        kept = c["matrix"].get("present", {}).get("present", 0)
        lines.append(f"{code:<22}{c['added']:>8}{c['removed']:>9}{kept:>8}")
    cs = labels["cause_set"]
    lines += ["", f"cause set: {cs['changed']} changed, {cs['unchanged']} unchanged"]
    for t in cs["top_transitions"]:
        lines.append(f"  {t['count']:>6}  {t['old']} -> {t['new']}")
    rows = report["changed_rows"]
    if rows:
        lines += ["", f"changed rows (first {min(show_rows, len(rows))} of {len(rows)}):"]
        for row in rows[:show_rows]:
            parts = []
            if row["sentiment_old"] != row["sentiment_new"]:
                parts.append(f"sentiment {row['sentiment_old']} -> {row['sentiment_new']}")
            if row["churn_intent_old"] != row["churn_intent_new"]:
                parts.append(f"churn {row['churn_intent_old']} -> {row['churn_intent_new']}")
            if row["causes_added"] or row["causes_removed"]:
                parts.append("causes " + " ".join([f"+{c}" for c in row["causes_added"]]
                                                  + [f"-{c}" for c in row["causes_removed"]]))
            lines.append(f"  {row['id']}: " + "; ".join(parts))
    return "\n".join(lines) + "\n"


def write_changed_csv(report: dict, path: str | Path) -> None:
    fields = ["id", "sentiment_old", "sentiment_new", "churn_intent_old", "churn_intent_new", "causes_old",
              "causes_new", "causes_added", "causes_removed"]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for row in report["changed_rows"]:
            w.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
