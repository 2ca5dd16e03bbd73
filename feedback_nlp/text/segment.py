"""jieba segmentation through one private ``jieba.Tokenizer`` (no global jieba state).

The tokenizer is built once per user-dictionary path and cached; building it loads jieba's main
dictionary (about a second), so everything shares :func:`get_tokenizer`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import jieba

from feedback_nlp.paths import user_dict_path

jieba.setLogLevel(logging.WARNING)

_lock = threading.Lock()
_cache: dict[str, jieba.Tokenizer] = {}


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # offsets in the text that was segmented (the normalised text)
    end: int


def get_tokenizer(user_dict: str | Path | None = None) -> jieba.Tokenizer:
    path = Path(user_dict) if user_dict is not None else user_dict_path()
    key = str(path)
    tok = _cache.get(key)
    if tok is None:
        with _lock:
            tok = _cache.get(key)
            if tok is None:
                tok = jieba.Tokenizer()
                tok.initialize()
                if path.is_file():
                    tok.load_userdict(str(path))
                _cache[key] = tok
    return tok


def segment(text: str, user_dict: str | Path | None = None) -> list[Token]:
    """Tokens with their offsets (jieba's accurate mode, HMM on for unknown words)."""
    return [Token(w, s, e) for w, s, e in get_tokenizer(user_dict).tokenize(text)]


def words(text: str, user_dict: str | Path | None = None) -> list[str]:
    return get_tokenizer(user_dict).lcut(text)
