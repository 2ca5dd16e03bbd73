"""Text normalisation with an offset map back to the original text.

Steps, in order, each keeping track of where every output character came from:

1. zero-width, format and control characters are dropped (they are used to dodge keyword filters);
2. full-width ASCII (U+FF01–U+FF5E) and the ideographic space become half-width;
3. Traditional Chinese becomes Simplified (OpenCC ``t2s``);
4. Latin letters are case-folded;
5. whitespace runs become one space, whitespace between two CJK characters is dropped
   ("速 度 慢" → "速度慢"), runs of the same punctuation mark collapse to one ("！！！" → "!").

Emoji are kept: they carry sentiment. Every span found in the normalised text maps back to the
original with :meth:`NormalizedText.to_original`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

_WS = frozenset(" \t\n\r\x0b\x0c\u3000\u00a0\u2002\u2003\u2009\u202f\u205f")
# Punctuation whose repetition carries no extra meaning for classification.
_COLLAPSIBLE = frozenset("!?.,;:~-_=*#。，、；：？！…—·~")


_HTML = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|<!--.*?-->|</?[a-zA-Z][^<>]{0,500}>|&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,10});", re.S | re.I)


def looks_like_html(text: str) -> bool:
    return ("<" in text or "&" in text) and _HTML.search(text) is not None


@dataclass(frozen=True)
class NormalizedText:
    original: str
    text: str
    # offsets[i] is the index in ``original`` of normalised character i; len(offsets) == len(text).
    offsets: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalised text to a half-open span of the original."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span ({start}, {end}) outside normalised text of length {len(self.text)}")
        if start == end:
            pos = self.offsets[start] if start < len(self.offsets) else len(self.original)
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2FA1F or 0xF900 <= o <= 0xFAFF


def _drop(ch: str) -> bool:
    if ch in _WS:
        return False
    cat = unicodedata.category(ch)
    # Cf: zero-width space/joiners, bidi marks, soft hyphen; Cc: control; Co/Cn: private/unassigned.
    return cat in ("Cf", "Cc", "Co", "Cn")


def _width(ch: str) -> str:
    o = ord(ch)
    if 0xFF01 <= o <= 0xFF5E:
        return chr(o - 0xFEE0)
    if ch in _WS:
        return " "
    return ch


def _fold(ch: str) -> str:
    low = ch.lower()
    return low if len(low) == 1 else ch


def _build_tables() -> tuple[dict[int, str], re.Pattern]:
    """One translate table for width + case (BMP) and one pattern for the characters to drop."""
    table: dict[int, str] = {}
    drop: list[str] = []
    for o in list(range(0x10000)) + list(range(0xE0000, 0xE0080)):
        ch = chr(o)
        if _drop(ch):
            if 0xD800 <= o <= 0xDFFF:
                continue  # surrogates never appear in a decoded str
            drop.append(ch)
            continue
        mapped = _fold(_width(ch))
        if mapped != ch:
            table[o] = mapped
    cls = "".join(re.escape(c) for c in drop)
    return table, re.compile(f"[{cls}]")


_TABLE, _DROP_RE = _build_tables()
_NEEDS_COLLAPSE = re.compile(
    r"[ ]{2}|^ | $|([" + re.escape("".join(sorted(_COLLAPSIBLE))) + r"])\1|[\u3400-\u9fff\uf900-\ufaff] (?=[\u3400-\u9fff\uf900-\ufaff])"
)


def _to_simplified(chars: list[str]) -> list[str]:
    """OpenCC over the whole string (phrase-aware); per character where lengths would change."""
    joined = "".join(chars)
    if not any(ord(c) >= 0x3400 for c in joined):
        return chars
    converted = _t2s().convert(joined)
    if len(converted) == len(joined):
        return list(converted)
    conv = _t2s().convert
    return [c if ord(c) < 0x3400 else (conv(c) if len(conv(c)) == 1 else c) for c in chars]


def _unhtml(original: str) -> list[tuple[int, str]]:
    """(original index, character) with tags dropped and entities decoded (mapped to the entity start)."""
    out: list[tuple[int, str]] = []
    pos = 0
    for m in _HTML.finditer(original):
        out.extend(enumerate(original[pos:m.start()], pos))
        token = m.group()
        if token.startswith("&"):
            out.extend((m.start(), c) for c in html.unescape(token))
        elif token[:2].lower() in ("<b", "<p", "<d", "<l", "<t", "<h") and token[:3].lower() in ("<br", "<p>", "<p ", "<di", "<li", "<tr", "<h1", "<h2", "<h3"):
            out.append((m.start(), " "))  # block-level tags separate words
        pos = m.end()
    out.extend(enumerate(original[pos:], pos))
    return out


def _collapse(chars: list[str], idx: list[int]) -> tuple[list[str], list[int]]:
    out: list[str] = []
    out_idx: list[int] = []
    n = len(chars)
    for k, ch in enumerate(chars):
        if ch == " ":
            if not out or out[-1] == " ":
                continue
            j = k + 1  # look ahead to the next non-space character
            while j < n and chars[j] == " ":
                j += 1
            if j == n:
                continue
            if is_cjk(out[-1]) and is_cjk(chars[j]):
                continue
        elif ch in _COLLAPSIBLE and out and out[-1] == ch:
            continue
        out.append(ch)
        out_idx.append(idx[k])
    return out, out_idx


def normalize(original: str, strip_html: bool = True) -> NormalizedText:
    if strip_html and looks_like_html(original):
        pairs = _unhtml(original)
        source = "".join(c for _, c in pairs)
        base = [i for i, _ in pairs]
    else:
        source, base = original, None
    if _DROP_RE.search(source):
        keep = [k for k, ch in enumerate(source) if not _DROP_RE.match(ch)]
        source = "".join(source[k] for k in keep)
        base = [base[k] for k in keep] if base is not None else keep
    text = source.translate(_TABLE)
    if any(ord(c) > 0xFFFF for c in text):  # astral letters (rare): fold one by one
        text = "".join(_fold(_width(c)) for c in text)
    chars = _to_simplified(list(text))
    idx = base if base is not None else range(len(chars))
    if _NEEDS_COLLAPSE.search("".join(chars)):
        chars, idx = _collapse(chars, list(idx))
    return NormalizedText(original=original, text="".join(chars), offsets=tuple(idx))
