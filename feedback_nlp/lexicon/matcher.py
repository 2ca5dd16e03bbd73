"""Fast lexicon matching: one Aho–Corasick automaton over every surface form.

Overlapping matches keep the longest ("速度慢" wins over "慢"). A single-character term (or one
marked ``whole_word``) only counts when the jieba word that holds it is the term itself, possibly
with degree adverbs, negators or particles around it, so "贵" fires in "太贵了" but not in "贵州".

``KeywordHit.fires`` tells whether the hit is a complaint: a negative term not negated ("太慢"),
or a positive term negated ("不太快", "一点都不便宜"). "不慢", "并不贵" and "没有任何问题" are
reported with ``negated=True`` and do not fire.
"""

from __future__ import annotations

from dataclasses import dataclass

import ahocorasick

from feedback_nlp.lexicon.schema import Entry, IntentEntry, Lexicon
from feedback_nlp.lexicon.scope import NEGATORS, STRONG_DEGREE, WEAK_DEGREE, scope_of
from feedback_nlp.text.segment import Token

_AFFIXES = tuple(sorted(set(NEGATORS + STRONG_DEGREE + WEAK_DEGREE + ("了", "啦", "啊", "的", "得", "死", "呀", "吧", "很")), key=len, reverse=True))


@dataclass(frozen=True)
class KeywordHit:
    term: str
    cause: str
    severity: int
    start: int  # normalised-text offsets; the pipeline maps them to the original
    end: int
    negated: bool
    polarity: str
    weight: float

    @property
    def fires(self) -> bool:
        return (self.polarity == "negative") != self.negated


@dataclass(frozen=True)
class IntentHit:
    term: str
    intent: str
    start: int
    end: int


def _core(word: str) -> str:
    """A jieba word with leading/trailing negators, degree adverbs and particles removed."""
    changed = True
    while changed and word:
        changed = False
        for a in _AFFIXES:
            if len(word) > len(a) and word.startswith(a):
                word, changed = word[len(a):], True
                break
            if len(word) > len(a) and word.endswith(a):
                word, changed = word[: -len(a)], True
                break
    return word


class LexiconMatcher:
    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        self._auto = ahocorasick.Automaton()
        payloads: dict[str, tuple] = {}
        for e in lexicon.entries:
            for s in e.surfaces:
                payloads[s] = ("entry", e)
        for ie in lexicon.intents:
            for s in ie.surfaces:
                payloads[s] = ("intent", ie)
        for w in lexicon.praise:
            payloads.setdefault(w, ("praise", w))
        for s, payload in payloads.items():
            self._auto.add_word(s, (s, payload))
        if payloads:
            self._auto.make_automaton()
        self._empty = not payloads

    def _raw_matches(self, text: str) -> list[tuple[int, int, tuple]]:
        if self._empty:
            return []
        found = [(end + 1 - len(s), end + 1, payload) for end, (s, payload) in self._auto.iter(text)]
        # longest first, then leftmost; keep non-overlapping
        found.sort(key=lambda m: (-(m[1] - m[0]), m[0]))
        taken: list[tuple[int, int, tuple]] = []
        occupied = bytearray(len(text))
        for m in found:
            if not any(occupied[m[0]:m[1]]):
                taken.append(m)
                occupied[m[0]:m[1]] = b"\x01" * (m[1] - m[0])
        taken.sort(key=lambda m: m[0])
        return taken

    @staticmethod
    def _on_word_boundary(start: int, end: int, tokens: list[Token]) -> bool:
        for t in tokens:
            if t.start <= start and end <= t.end:
                if t.start == start and t.end == end:
                    return True
                return _core(t.text) == t.text[start - t.start:end - t.start]
        return True  # spans several tokens: it is not inside one unrelated word

    def match(self, text: str, tokens: list[Token] | None = None) -> tuple[list[KeywordHit], list[IntentHit], list[tuple[int, int, float]]]:
        """(keyword hits, intent hits, praise not negated as (start, end, contrast weight)) in normalised ``text``."""
        hits: list[KeywordHit] = []
        intents: list[IntentHit] = []
        praise: list[tuple[int, int, float]] = []
        for start, end, (kind, obj) in self._raw_matches(text):
            if kind == "intent":
                ie: IntentEntry = obj
                intents.append(IntentHit(ie.term, ie.intent, start, end))
                continue
            single = end - start == 1
            if kind == "praise":
                if single and tokens is not None and not self._on_word_boundary(start, end, tokens):
                    continue
                sc = scope_of(text, start)
                if not sc.negated:
                    praise.append((start, end, sc.weight))
                continue
            e: Entry = obj
            if (single or e.whole_word) and tokens is not None and not self._on_word_boundary(start, end, tokens):
                continue
            sc = scope_of(text, start)
            severity = min(3, max(1, e.severity + sc.degree))
            hits.append(KeywordHit(e.term, e.cause, severity, start, end, sc.negated, e.polarity, sc.weight))
        return hits, intents, praise
