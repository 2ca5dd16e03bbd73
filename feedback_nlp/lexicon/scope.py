"""Negation, degree and contrast scope for lexicon hits (all offsets in normalised text).

- Negation: a negator governs a term when only filler words ("很", "太", "怎么", "任何" ...) stand
  between them inside the same clause: "不慢", "并不贵", "没有任何问题", "不太快", "一点都不便宜".
  Two negators in a row cancel ("不是不好吃").
- Degree: "太慢", "非常贵" raise severity by one; "有点慢", "稍微贵" lower it by one.
- Contrast: in "虽然A，但是B" and "A，不过B" the conceded part A weighs half; B weighs fully.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NEGATORS = (
    "一点儿也不", "一点儿都不", "一点也不", "一点都不", "从来没有", "从来不", "从来没", "并没有", "并不是", "根本不",
    "根本没", "绝对不", "完全不", "完全没", "丝毫不", "毫不", "毫无", "并不", "并非", "并没", "不是", "没有", "从不",
    "从没", "绝不", "决不", "不", "没", "无", "未", "别", "非", "莫",
)
EMPHATIC_NEGATORS = frozenset(
    {"一点儿也不", "一点儿都不", "一点也不", "一点都不", "根本不", "根本没", "绝对不", "完全不", "完全没", "丝毫不", "毫不", "毫无"}
)
# Words that may stand between a negator and the term it governs.
FILLERS = (
    "那么", "这么", "怎么", "任何", "什么", "特别", "十分", "非常", "觉得", "感觉", "算是", "真的", "一点", "有点",
    "太", "很", "是", "算", "够", "会", "的", "得", "有", "大", "再", "都", "也", "还", "真", "挺", "怎", "算太", "够",
)
STRONG_DEGREE = (
    "非常", "特别", "极其", "超级", "十分", "相当", "实在", "真的", "简直", "太", "超", "巨", "贼", "忒", "好", "极", "最", "严重",
)
WEAK_DEGREE = ("有点儿", "有点", "有些", "稍微", "稍", "略微", "略", "一点")
CLAUSE_BREAKS = frozenset(",，。.!！?？;；:：、~\n")
SENTENCE_BREAKS = frozenset("。.!！?？\n")
CONTRAST_MARKERS = ("但是", "可是", "不过", "然而", "只是", "就是", "可惜", "但", "却")
CONCESSION_MARKERS = ("虽然", "虽说", "尽管", "虽")
CONCESSION_WEIGHT = 0.5
MAX_LOOKBACK = 8


@dataclass(frozen=True)
class Scope:
    negated: bool
    emphatic: bool
    degree: int  # -1 weak, 0 none, +1 strong
    weight: float
    negator_start: int | None  # where the governing negator starts, for display


_FILLER_RE = re.compile("(?:" + "|".join(sorted(set(FILLERS), key=len, reverse=True)) + ")*")
_NEG_CHARS = frozenset("".join(NEGATORS))


def _strip_fillers(gap: str) -> bool:
    """True when ``gap`` is made only of filler words."""
    return _FILLER_RE.fullmatch(gap) is not None


def _clause_start(text: str, pos: int) -> int:
    i = pos
    while i > 0 and text[i - 1] not in CLAUSE_BREAKS:
        i -= 1
    return i


def _negator_ending_at(text: str, end: int, floor: int) -> str | None:
    for n in NEGATORS:  # longest first
        s = end - len(n)
        if s >= floor and text.startswith(n, s):
            return n
    return None


def negation(text: str, start: int) -> tuple[bool, bool, int | None]:
    """(negated, emphatic, negator_start) for a term starting at ``start``."""
    floor = max(_clause_start(text, start), start - MAX_LOOKBACK)
    if not _NEG_CHARS.intersection(text[floor:start]):
        return False, False, None
    count, emphatic, first_start = 0, False, None
    anchor = start
    while True:
        found = None
        for p in range(anchor, floor - 1, -1):
            if not _strip_fillers(text[p:anchor]):
                continue
            neg = _negator_ending_at(text, p, floor)
            if neg:
                found = (p - len(neg), neg)
                break
        if not found:
            break
        count += 1
        emphatic = emphatic or found[1] in EMPHATIC_NEGATORS
        first_start = found[0] if first_start is None else first_start
        anchor = found[0]
        if count >= 2:
            break
    return count % 2 == 1, emphatic and count % 2 == 1, first_start


def degree(text: str, start: int, negator_start: int | None, emphatic: bool) -> int:
    """+1 for a strong degree adverb right before the term, -1 for a weak one. Under negation,
    "一点都不" is strong and "不太"/"不怎么"/"不是很" are weak."""
    if negator_start is not None:
        if emphatic:
            return 1
        gap = text[negator_start:start]
        return -1 if any(w in gap for w in ("太", "很", "怎么", "那么", "算", "大")) else 0
    window = text[max(_clause_start(text, start), start - 4):start]
    if any(window.endswith(w) for w in WEAK_DEGREE):
        return -1
    if any(window.endswith(s) for s in STRONG_DEGREE):
        return 1
    return 0


def contrast_weight(text: str, start: int) -> float:
    """Half weight when the term sits in a conceded part: before a contrast marker in the same sentence,
    or inside a clause opened by 虽然/尽管."""
    s = start
    while s > 0 and text[s - 1] not in SENTENCE_BREAKS:
        s -= 1
    e = start
    while e < len(text) and text[e] not in SENTENCE_BREAKS:
        e += 1
    clause_start = _clause_start(text, start)
    clause = text[clause_start:start]
    if any(clause.lstrip().startswith(m) for m in CONCESSION_MARKERS):
        return CONCESSION_WEIGHT
    # a later clause of the same sentence that opens with a contrast marker
    i = start
    while i < e:
        if text[i] in CLAUSE_BREAKS:
            rest = text[i + 1:e].lstrip()
            if any(rest.startswith(m) for m in CONTRAST_MARKERS):
                return CONCESSION_WEIGHT
        i += 1
    return 1.0


def scope_of(text: str, start: int) -> Scope:
    negated, emphatic, neg_start = negation(text, start)
    deg = degree(text, start, neg_start, emphatic)
    return Scope(negated=negated, emphatic=emphatic, degree=deg, weight=contrast_weight(text, start), negator_start=neg_start)
