"""The label set, read from the one taxonomy data file (``data/taxonomy.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Label:
    code: str
    zh: str
    en: str
    group: str | None = None
    exclusive: bool = False


@dataclass(frozen=True)
class Taxonomy:
    groups: tuple[Label, ...]
    causes: tuple[Label, ...]
    sentiments: tuple[Label, ...]
    churn_intents: tuple[Label, ...]

    @property
    def cause_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.causes)

    @property
    def group_codes(self) -> tuple[str, ...]:
        return tuple(g.code for g in self.groups)

    @property
    def sentiment_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.sentiments)

    @property
    def churn_intent_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.churn_intents)

    def cause(self, code: str) -> Label:
        for c in self.causes:
            if c.code == code:
                return c
        raise KeyError(f"unknown cause code {code!r}; known: {', '.join(self.cause_codes)}")

    def group_of(self, cause_code: str) -> str:
        return self.cause(cause_code).group or "none"


def _labels(rows: list[dict]) -> tuple[Label, ...]:
    return tuple(
        Label(code=r["code"], zh=r["zh"], en=r["en"], group=r.get("group"), exclusive=bool(r.get("exclusive", False)))
        for r in rows
    )


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    raw = yaml.safe_load(resources.files("feedback_nlp.data").joinpath("taxonomy.yaml").read_text("utf-8"))
    return Taxonomy(
        groups=_labels(raw["groups"]),
        causes=_labels(raw["causes"]),
        sentiments=_labels(raw["sentiment"]),
        churn_intents=_labels(raw["churn_intent"]),
    )


TAXONOMY = load_taxonomy()
CAUSE_CODES: tuple[str, ...] = TAXONOMY.cause_codes
SENTIMENTS: tuple[str, ...] = TAXONOMY.sentiment_codes
CHURN_INTENTS: tuple[str, ...] = TAXONOMY.churn_intent_codes
GROUPS: tuple[str, ...] = TAXONOMY.group_codes
