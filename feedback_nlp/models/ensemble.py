"""A weighted average of member scorers' probabilities (e.g. the linear path and the fine-tuned BERT).

An ensemble directory holds ``model.json``::

    {"kind": "ensemble", "version": "...",
     "members": {"linear": 0.5, "bert": 0.5},        # sub-directory -> weight, per task or for all
     "weights": {"sentiment": {...}, "causes": {...}, "churn_intent": {...}},   # optional per task
     "thresholds": {"logistics": 0.4, ...}}

and one sub-directory per member, each a model directory of its own. Weights of a task are
normalised to sum to 1; a member with weight 0 for every task is not loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

from feedback_nlp.document import Document
from feedback_nlp.models.base import Scorer, Scores, Thresholds

TASKS = ("sentiment", "causes", "churn_intent")


class EnsembleScorer:
    def __init__(self, path: str | Path, load_member):
        path = Path(path)
        meta = json.loads((path / "model.json").read_text("utf-8"))
        self.version = meta["version"]
        members: dict[str, float] = meta["members"]
        per_task = meta.get("weights", {})
        self.weights: dict[str, dict[str, float]] = {}
        for task in TASKS:
            w = {m: float(per_task.get(task, {}).get(m, members[m])) for m in members}
            total = sum(w.values())
            if total <= 0:
                raise ValueError(f"{path}: weights for {task} sum to zero")
            self.weights[task] = {m: v / total for m, v in w.items()}
        needed = [m for m in members if any(self.weights[t][m] > 0 for t in TASKS)]
        self.members: dict[str, Scorer] = {m: load_member(path / m) for m in needed}
        self.thresholds = Thresholds(causes=dict(meta.get("thresholds", {})), default=meta.get("default_threshold", 0.5))

    def score(self, docs: list[Document]) -> list[Scores]:
        if not docs:
            return []
        by_member = {m: s.score(docs) for m, s in self.members.items()}
        out = []
        for i in range(len(docs)):
            mixed = {}
            for task in TASKS:
                acc: dict[str, float] = {}
                for m, w in self.weights[task].items():
                    if m not in by_member or w == 0:
                        continue
                    for label, p in getattr(by_member[m][i], task).items():
                        acc[label] = acc.get(label, 0.0) + w * p
                mixed[task] = {k: round(v, 4) for k, v in acc.items()}
            out.append(Scores(sentiment=mixed["sentiment"], causes=mixed["causes"], churn_intent=mixed["churn_intent"]))
        return out
