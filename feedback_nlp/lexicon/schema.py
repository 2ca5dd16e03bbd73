"""The warning-keyword lexicon file: loading and validation.

Operators edit ``lexicons/warning_keywords.yaml`` without touching code::

    entries:                      # complaint keywords
      - term: 速度慢
        cause: logistics          # a cause code from the taxonomy
        severity: 2               # 1 (minor) .. 3 (serious)
        synonyms: [送得慢, 配送慢]
      - term: 快
        cause: logistics
        severity: 1
        polarity: positive        # a praise word: it fires only when negated ("不太快")
    intents:                      # churn-intent phrases
      - term: 再也不买
        intent: explicit          # explicit | risk
    praise:                       # plain praise words (sentiment evidence only)
      - 好吃
      - 满意

Terms are normalised like every text (Traditional→Simplified, full-width→half-width, lower case),
so operators may write them either way. The version of a lexicon is the hash of its file content.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from feedback_nlp.taxonomy import CAUSE_CODES
from feedback_nlp.text.normalize import normalize
from feedback_nlp.yamlsource import LineMap, SourceError, load_yaml_file, load_yaml_with_lines

ENTRY_KEYS = {"term", "cause", "severity", "synonyms", "polarity", "whole_word", "note"}
INTENT_KEYS = {"term", "intent", "synonyms", "note"}
TOP_KEYS = {"entries", "intents", "praise", "description"}
INTENT_CODES = ("explicit", "risk")
POLARITIES = ("negative", "positive")


@dataclass(frozen=True)
class Entry:
    term: str
    surfaces: tuple[str, ...]  # normalised term and synonyms
    cause: str
    severity: int
    polarity: str = "negative"
    whole_word: bool = False
    line: int | None = None


@dataclass(frozen=True)
class IntentEntry:
    term: str
    surfaces: tuple[str, ...]
    intent: str
    line: int | None = None


@dataclass
class Lexicon:
    entries: list[Entry]
    intents: list[IntentEntry]
    praise: list[str]
    version: str
    source: str
    warnings: list[SourceError] = field(default_factory=list)


class LexiconError(ValueError):
    """Every problem of a lexicon file, each with file, line and field."""

    def __init__(self, errors: list[SourceError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def _norm(term: str) -> str:
    return normalize(term).text.strip()


def _surface_list(raw: dict, path: tuple, lines: LineMap, errors: list[SourceError]) -> list[tuple[str, tuple]]:
    """[(normalised surface, path)] for term + synonyms, with type errors reported."""
    out = []
    term = raw.get("term")
    if not isinstance(term, str) or not term.strip():
        errors.append(lines.error(path + ("term",), "term is missing or empty"))
    else:
        out.append((_norm(term), path + ("term",)))
    syns = raw.get("synonyms", [])
    if syns is None:
        syns = []
    if not isinstance(syns, list):
        errors.append(lines.error(path + ("synonyms",), "synonyms must be a list of strings"))
        syns = []
    for j, s in enumerate(syns):
        if isinstance(s, int) and not isinstance(s, bool):
            s = str(s)  # a bare number such as 12315 is meant as text
        if not isinstance(s, str) or not s.strip():
            errors.append(lines.error(path + ("synonyms", j), "synonym must be a non-empty string"))
        else:
            out.append((_norm(s), path + ("synonyms", j)))
    return out


def parse_lexicon(text: str, file: str = "<string>") -> Lexicon:
    data, lines = load_yaml_with_lines(text, file)
    return _build(data, lines, text, file)


def load_lexicon(path: str | Path) -> Lexicon:
    data, lines, raw = load_yaml_file(path)
    return _build(data, lines, raw, str(path))


def _build(data, lines: LineMap, raw: str, file: str) -> Lexicon:
    errors: list[SourceError] = []
    if not isinstance(data, dict):
        raise LexiconError([lines.error((), "the file must be a mapping with an 'entries' list")])
    for key in data:
        if key not in TOP_KEYS:
            errors.append(lines.error((key,), f"unknown section; expected one of {', '.join(sorted(TOP_KEYS))}"))
    seen: dict[str, tuple[str, tuple]] = {}  # surface -> (meaning, path)

    def claim(surface: str, meaning: str, path: tuple) -> None:
        if not surface:
            errors.append(lines.error(path, "term is empty after normalisation"))
            return
        if surface in seen:
            prev_meaning, prev_path = seen[surface]
            where = f"line {lines.line(prev_path)}"
            if prev_meaning == meaning:
                errors.append(lines.error(path, f"duplicate term {surface!r} (already at {where})"))
            else:
                errors.append(lines.error(path, f"contradiction: {surface!r} means {meaning} here but {prev_meaning} at {where}"))
            return
        seen[surface] = (meaning, path)

    entries: list[Entry] = []
    raw_entries = data.get("entries", [])
    if not isinstance(raw_entries, list):
        errors.append(lines.error(("entries",), "entries must be a list"))
        raw_entries = []
    for i, e in enumerate(raw_entries):
        path = ("entries", i)
        if not isinstance(e, dict):
            errors.append(lines.error(path, "each entry must be a mapping with term, cause, severity"))
            continue
        for k in e:
            if k not in ENTRY_KEYS:
                errors.append(lines.error(path + (k,), f"unknown field; expected one of {', '.join(sorted(ENTRY_KEYS))}"))
        cause = e.get("cause")
        if cause not in CAUSE_CODES:
            errors.append(lines.error(path + ("cause",), f"unknown cause code {cause!r}; expected one of {', '.join(CAUSE_CODES)}"))
        severity = e.get("severity")
        if not isinstance(severity, int) or isinstance(severity, bool) or not 1 <= severity <= 3:
            errors.append(lines.error(path + ("severity",), f"severity must be an integer 1–3, got {severity!r}"))
        polarity = e.get("polarity", "negative")
        if polarity not in POLARITIES:
            errors.append(lines.error(path + ("polarity",), f"polarity must be negative or positive, got {polarity!r}"))
        whole_word = e.get("whole_word", False)
        if not isinstance(whole_word, bool):
            errors.append(lines.error(path + ("whole_word",), "whole_word must be true or false"))
        surfaces = _surface_list(e, path, lines, errors)
        for s, p in surfaces:
            claim(s, f"{cause}/{polarity}", p)
        if surfaces and cause in CAUSE_CODES and isinstance(severity, int) and polarity in POLARITIES:
            entries.append(Entry(
                term=surfaces[0][0], surfaces=tuple(s for s, _ in surfaces), cause=cause, severity=severity,
                polarity=polarity, whole_word=bool(whole_word), line=lines.line(path),
            ))

    intents: list[IntentEntry] = []
    raw_intents = data.get("intents", []) or []
    if not isinstance(raw_intents, list):
        errors.append(lines.error(("intents",), "intents must be a list"))
        raw_intents = []
    for i, e in enumerate(raw_intents):
        path = ("intents", i)
        if not isinstance(e, dict):
            errors.append(lines.error(path, "each intent must be a mapping with term and intent"))
            continue
        for k in e:
            if k not in INTENT_KEYS:
                errors.append(lines.error(path + (k,), f"unknown field; expected one of {', '.join(sorted(INTENT_KEYS))}"))
        intent = e.get("intent")
        if intent not in INTENT_CODES:
            errors.append(lines.error(path + ("intent",), f"intent must be explicit or risk, got {intent!r}"))
        surfaces = _surface_list(e, path, lines, errors)
        for s, p in surfaces:
            claim(s, f"intent:{intent}", p)
        if surfaces and intent in INTENT_CODES:
            intents.append(IntentEntry(term=surfaces[0][0], surfaces=tuple(s for s, _ in surfaces), intent=intent, line=lines.line(path)))

    praise: list[str] = []
    raw_praise = data.get("praise", []) or []
    if not isinstance(raw_praise, list):
        errors.append(lines.error(("praise",), "praise must be a list of strings"))
        raw_praise = []
    for i, w in enumerate(raw_praise):
        if not isinstance(w, str) or not w.strip():
            errors.append(lines.error(("praise", i), "praise word must be a non-empty string"))
            continue
        s = _norm(w)
        if s in seen and seen[s][0].endswith("/positive"):
            continue  # a positive-polarity keyword is praise already
        claim(s, "praise", ("praise", i))
        praise.append(s)

    if errors:
        raise LexiconError(errors)
    version = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:12]
    return Lexicon(entries=entries, intents=intents, praise=praise, version=version, source=file)
