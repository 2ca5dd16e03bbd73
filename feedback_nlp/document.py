"""The one object every pipeline component reads and extends (spaCy's ``Doc``, in small)."""

from __future__ import annotations

from dataclasses import dataclass, field

from feedback_nlp.lexicon.matcher import IntentHit, KeywordHit
from feedback_nlp.text.normalize import NormalizedText
from feedback_nlp.text.pii import PiiSpan
from feedback_nlp.text.segment import Token


@dataclass
class Document:
    original: str
    id: str | None = None
    norm: NormalizedText | None = None
    pii: list[PiiSpan] = field(default_factory=list)  # offsets in the original text
    masked_text: str = ""  # the original with PII replaced by '*', same length
    model_text: str = ""  # normalised and PII-masked: what the models read
    tokens: list[Token] = field(default_factory=list)  # offsets in the normalised text
    keywords: list[KeywordHit] = field(default_factory=list)  # offsets in the normalised text
    intents: list[IntentHit] = field(default_factory=list)
    praise: list[tuple[int, int, float]] = field(default_factory=list)  # (start, end, weight), normalised
    warnings: list[str] = field(default_factory=list)
    lexicon_version: str = ""

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        assert self.norm is not None
        return self.norm.to_original(start, end)
