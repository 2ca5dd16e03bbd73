"""PII detection and length-preserving masking.

Masks mainland mobile numbers, landline numbers, 18-digit resident ID numbers (GB 11643 checksum
and a valid birth date), bank card numbers (Luhn) and e-mail addresses. Masking replaces every
character of a span with ``*`` so that offsets computed on the masked text stay valid for the
original; it runs before anything is stored or logged.

Detection runs on half-width text: call it on ``normalize(text).text`` (full-width digits become
ASCII there) and map spans back, or use :func:`mask_original`, which does both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MASK = "*"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# Digits not glued to other digits/letters on either side.
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
_ID18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![0-9])(?:\d[ -]?){15,18}\d(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(?:\(0\d{2,3}\)|0\d{2,3})[ -]?[2-9]\d{6,7}(?:-\d{1,5})?(?![0-9])")


@dataclass(frozen=True)
class PiiSpan:
    type: str  # mobile | landline | id_number | bank_card | email
    start: int
    end: int

    def as_dict(self) -> dict:
        return {"type": self.type, "start": self.start, "end": self.end}


def valid_id_number(s: str) -> bool:
    """GB 11643-1999 check digit plus a real birth date (YYYYMMDD at positions 7–14)."""
    if len(s) != 18 or not s[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(s[:17], _ID_WEIGHTS))
    if _ID_CHECK[total % 11] != s[17].upper():
        return False
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2100


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find_pii(text: str) -> list[PiiSpan]:
    """Non-overlapping PII spans in ``text``, earliest first; stronger evidence wins overlaps."""
    found: list[PiiSpan] = []

    def free(s: int, e: int) -> bool:
        return all(e <= f.start or s >= f.end for f in found)

    for m in _EMAIL.finditer(text):
        found.append(PiiSpan("email", m.start(), m.end()))
    for m in _ID18.finditer(text):
        if valid_id_number(m.group()) and free(m.start(), m.end()):
            found.append(PiiSpan("id_number", m.start(), m.end()))
    for m in _CARD.finditer(text):
        digits = re.sub(r"[ -]", "", m.group())
        if 16 <= len(digits) <= 19 and luhn_valid(digits) and free(m.start(), m.end()):
            found.append(PiiSpan("bank_card", m.start(), m.end()))
    for m in _MOBILE.finditer(text):
        if free(m.start(), m.end()):
            found.append(PiiSpan("mobile", m.start(), m.end()))
    for m in _LANDLINE.finditer(text):
        if free(m.start(), m.end()):
            found.append(PiiSpan("landline", m.start(), m.end()))
    return sorted(found, key=lambda p: p.start)


def apply_mask(text: str, spans: list[PiiSpan]) -> str:
    if not spans:
        return text
    chars = list(text)
    for sp in spans:
        for i in range(sp.start, sp.end):
            if not chars[i].isspace():
                chars[i] = MASK
    return "".join(chars)


def mask_pii(text: str) -> tuple[str, list[PiiSpan]]:
    spans = find_pii(text)
    return apply_mask(text, spans), spans
