"""The text pipeline: named components over one :class:`Document`, then a scorer.

    clean → normalize → pii → segment → lexicon → score → result

``Pipeline.classify`` returns the classification contract (see ``docs/contract.md``) as a dict.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Iterable

from feedback_nlp.document import Document
from feedback_nlp.errors import InputError
from feedback_nlp.lexicon.store import LexiconStore
from feedback_nlp.models.base import Scorer, Scores, decide
from feedback_nlp.models.registry import load_scorer
from feedback_nlp.paths import default_lexicon_path
from feedback_nlp.settings import PipelineSettings
from feedback_nlp.text.normalize import is_cjk, looks_like_html, normalize
from feedback_nlp.text.pii import PiiSpan, apply_mask, find_pii
from feedback_nlp.text.segment import get_tokenizer, segment

Component = Callable[[Document], None]


def check_text(text: object, max_chars: int) -> str:
    """The text itself, or an :class:`InputError` saying why it cannot be classified."""
    if not isinstance(text, str):
        raise InputError("invalid_text", f"text must be a string, got {type(text).__name__}")
    if not text.strip():
        raise InputError("empty_text", "text is empty or whitespace only")
    if len(text) > max_chars:
        raise InputError("text_too_long", f"text has {len(text)} characters; the limit is {max_chars}")
    return text


class Pipeline:
    def __init__(self, lexicon: LexiconStore, scorer: Scorer, max_chars: int = 5000):
        self.lexicon = lexicon
        self.scorer = scorer
        self.max_chars = max_chars
        self.components: list[tuple[str, Component]] = [
            ("normalize", self._normalize),
            ("pii", self._pii),
            ("segment", self._segment),
            ("lexicon", self._lexicon),
        ]

    @property
    def model_version(self) -> str:
        return self.scorer.version

    @property
    def lexicon_version(self) -> str:
        return self.lexicon.current().lexicon.version

    # --- components -------------------------------------------------------------------------
    @staticmethod
    def _normalize(doc: Document) -> None:
        if looks_like_html(doc.original):
            doc.warnings.append("html_stripped")
        doc.norm = normalize(doc.original)
        if not any(is_cjk(c) for c in doc.norm.text):
            doc.warnings.append("no_chinese_text")

    @staticmethod
    def _pii(doc: Document) -> None:
        norm = doc.norm
        spans = find_pii(norm.text)
        doc.model_text = apply_mask(norm.text, spans)
        doc.pii = [PiiSpan(s.type, *norm.to_original(s.start, s.end)) for s in spans]
        doc.masked_text = apply_mask(doc.original, doc.pii)

    @staticmethod
    def _segment(doc: Document) -> None:
        doc.tokens = segment(doc.model_text)

    def _lexicon(self, doc: Document) -> None:
        matcher = self.lexicon.current()
        doc.lexicon_version = matcher.lexicon.version
        doc.keywords, doc.intents, doc.praise = matcher.match(doc.model_text, doc.tokens)

    # --- running ----------------------------------------------------------------------------
    def process(self, text: object, id: str | None = None) -> Document:
        doc = Document(original=check_text(text, self.max_chars), id=id)
        for _name, component in self.components:
            component(doc)
        return doc

    def result(self, doc: Document, scores: Scores) -> dict:
        decision = decide(scores, self.scorer.thresholds)
        keywords = []
        for h in doc.keywords:
            start, end = doc.to_original(h.start, h.end)
            keywords.append({
                "term": h.term, "text": doc.original[start:end], "cause": h.cause, "severity": h.severity,
                "start": start, "end": end, "negated": h.negated, "fires": h.fires, "polarity": h.polarity,
                "weight": h.weight,
            })
        intents = []
        for ih in doc.intents:
            start, end = doc.to_original(ih.start, ih.end)
            intents.append({"term": ih.term, "text": doc.original[start:end], "intent": ih.intent, "start": start, "end": end})
        return {
            "id": doc.id,
            "sentiment": {"label": decision.sentiment, "scores": scores.sentiment},
            "causes": [{"code": c, "score": round(p, 4)} for c, p in decision.causes],
            "cause_scores": {c: round(p, 4) for c, p in scores.causes.items()},
            "churn_intent": {"label": decision.churn_intent, "scores": scores.churn_intent},
            "keywords": keywords,
            "intent_phrases": intents,
            "pii": [p.as_dict() for p in doc.pii],
            "warnings": list(doc.warnings),
            "model_version": self.model_version,
            "lexicon_version": doc.lexicon_version,
        }

    def classify(self, text: object, id: str | None = None) -> dict:
        doc = self.process(text, id)
        return self.result(doc, self.scorer.score([doc])[0])

    def classify_batch(self, texts: list, ids: Iterable[str | None] | None = None) -> list[dict | InputError]:
        """Same order as ``texts``; a text that cannot be classified yields its :class:`InputError`."""
        ids = list(ids) if ids is not None else [None] * len(texts)
        if len(ids) != len(texts):
            raise ValueError("ids and texts differ in length")
        out: list[dict | InputError | None] = [None] * len(texts)
        docs: list[tuple[int, Document]] = []
        for i, (text, id_) in enumerate(zip(texts, ids)):
            try:
                docs.append((i, self.process(text, id_)))
            except InputError as exc:
                out[i] = exc
        if docs:
            scores = self.scorer.score([d for _, d in docs])
            for (i, doc), sc in zip(docs, scores):
                out[i] = self.result(doc, sc)
        return out  # type: ignore[return-value]


_default: dict[tuple, Pipeline] = {}
_lock = threading.Lock()


def build_pipeline(model_dir: str | Path | None = None, lexicon_path: str | Path | None = None,
                   settings: PipelineSettings | None = None) -> Pipeline:
    settings = settings or PipelineSettings()
    lexicon = LexiconStore(lexicon_path or settings.lexicon or default_lexicon_path(), settings.lexicon_check_interval)
    scorer = load_scorer(model_dir or settings.model)
    get_tokenizer()  # load jieba's dictionary now, not on the first request
    return Pipeline(lexicon, scorer, max_chars=settings.max_chars)


def load_pipeline(model_dir: str | Path | None = None, lexicon_path: str | Path | None = None) -> Pipeline:
    """A cached pipeline per (model, lexicon); building one loads jieba and the model once."""
    key = (str(model_dir) if model_dir else None, str(lexicon_path) if lexicon_path else None)
    with _lock:
        if key not in _default:
            _default[key] = build_pipeline(model_dir, lexicon_path)
        return _default[key]
