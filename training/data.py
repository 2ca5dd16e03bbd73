"""Packed, pre-segmented pre-training data cached as ``.npz`` (input ids + jieba word ids)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from training.vocab import read_lines
from training.wwm import encode_to_arrays


def vocab_digest(tokenizer) -> str:
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda kv: kv[1])
    return hashlib.sha1("\n".join(t for t, _ in vocab).encode("utf-8")).hexdigest()[:12]


def load_or_encode(text_file: Path, tokenizer, seq_len: int, cache_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(input_ids, word_ids)`` for a corpus file, encoded once per (file, vocabulary, seq_len)."""
    text_file = Path(text_file)
    st = text_file.stat()
    key = f"{text_file.stem}-{vocab_digest(tokenizer)}-{seq_len}-{st.st_size}"
    cache = Path(cache_dir) / f"{key}.npz"
    if cache.is_file():
        data = np.load(cache)
        return data["input_ids"], data["word_ids"]
    ids, wids = encode_to_arrays(read_lines(text_file), tokenizer, seq_len)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp.npz")
    np.savez(tmp, input_ids=ids.astype(np.int32), word_ids=wids.astype(np.int32))
    tmp.replace(cache)
    return ids, wids
