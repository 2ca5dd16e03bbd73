"""Whole-word masking (as in Chinese-BERT-wwm) with jieba word boundaries, and sequence packing.

Encoding: every corpus line is segmented with ``feedback_nlp.text.segment.segment`` and tokenised
with the BERT tokenizer; each token gets the index of the jieba word its first character belongs
to. Lines are packed into sequences of ``seq_len`` tokens (``[CLS] line [SEP] line [SEP] ...``), so
short reviews waste no compute on padding; special tokens and padding get word id -1.

Masking (:func:`mask_batch`) happens per batch from a ``torch.Generator``, so every epoch sees new
masks (dynamic masking). A word is chosen with probability ``mlm_probability``; all of its tokens
are then masked together and share one 80/10/10 decision ([MASK] / random token / unchanged).
A sequence where no word was drawn gets one word chosen at random, so no row is loss-free.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import torch

from feedback_nlp.text.segment import segment

IGNORE_INDEX = -100


def line_word_ids(line: str, offsets: list[tuple[int, int]]) -> list[int]:
    """Index of the jieba word containing each token's first character."""
    char_word = [0] * (len(line) + 1)
    for i, tok in enumerate(segment(line)):
        for c in range(tok.start, tok.end):
            char_word[c] = i
    return [char_word[s] for s, _ in offsets]


def encode_lines(lines: Iterable[str], tokenizer, seq_len: int = 128, batch: int = 512) -> Iterator[tuple[list[int], list[int]]]:
    """Packed ``(input_ids, word_ids)`` sequences of exactly ``seq_len`` tokens (the last padded)."""
    cls_id, sep_id, pad_id = tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id
    room = seq_len - 1  # [CLS] first; each line ends with [SEP]
    ids: list[int] = [cls_id]
    wids: list[int] = [-1]
    next_word = 0

    def flush():
        nonlocal ids, wids, next_word
        pad = seq_len - len(ids)
        out = (ids + [pad_id] * pad, wids + [-1] * pad)
        ids, wids, next_word = [cls_id], [-1], 0
        return out

    buf: list[str] = []

    def process(chunk: list[str]):
        nonlocal ids, wids, next_word
        enc = tokenizer(chunk, add_special_tokens=False, return_offsets_mapping=True)
        for line, tok_ids, offs in zip(chunk, enc["input_ids"], enc["offset_mapping"]):
            if not tok_ids:
                continue
            words = line_word_ids(line, offs)
            pos = 0
            while pos < len(tok_ids):
                free = room - len(ids)  # keep one slot for [SEP]
                if free < 2 or (free < 16 and len(tok_ids) - pos > free):
                    # too little room left for a useful piece: start a new sequence
                    yield flush()
                    continue
                take = min(free - 1, len(tok_ids) - pos)
                base = next_word - words[pos]
                ids.extend(tok_ids[pos : pos + take])
                wids.extend(w + base for w in words[pos : pos + take])
                ids.append(sep_id)
                wids.append(-1)
                next_word = wids[-2] + 1
                pos += take

    for line in lines:
        buf.append(line)
        if len(buf) >= batch:
            yield from process(buf)
            buf = []
    if buf:
        yield from process(buf)
    if len(ids) > 1:
        yield flush()


def encode_to_arrays(lines: Iterable[str], tokenizer, seq_len: int = 128) -> tuple[np.ndarray, np.ndarray]:
    ids, wids = [], []
    for a, b in encode_lines(lines, tokenizer, seq_len):
        ids.append(a)
        wids.append(b)
    if not ids:
        return np.zeros((0, seq_len), np.int32), np.zeros((0, seq_len), np.int32)
    return np.asarray(ids, dtype=np.int32), np.asarray(wids, dtype=np.int32)


def mask_batch(
    input_ids: torch.Tensor,
    word_ids: torch.Tensor,
    *,
    mask_token_id: int,
    vocab_size: int,
    first_regular_id: int,
    generator: torch.Generator,
    mlm_probability: float = 0.15,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(masked_input_ids, labels)`` with whole words masked; labels are -100 off the masked tokens."""
    input_ids = input_ids.long()
    word_ids = word_ids.long()
    bsz = input_ids.shape[0]
    n_words = int(word_ids.max().item()) + 1 if word_ids.numel() else 0
    n_words = max(n_words, 1)
    real = word_ids >= 0
    wid = torch.where(real, word_ids, torch.full_like(word_ids, n_words))  # n_words = "no word" slot
    present = torch.zeros(bsz, n_words + 1, dtype=torch.bool)
    present.scatter_(1, wid, real)
    present[:, n_words] = False
    chosen = (torch.rand(bsz, n_words + 1, generator=generator) < mlm_probability) & present
    # Rows with words but none drawn: pick one word at random.
    empty = (~chosen.any(1)) & present.any(1)
    if empty.any():
        scores = torch.rand(bsz, n_words + 1, generator=generator).masked_fill(~present, -1.0)
        pick = scores.argmax(1)
        chosen[empty, pick[empty]] = True
    action = torch.rand(bsz, n_words + 1, generator=generator)
    tok_chosen = chosen.gather(1, wid) & real
    tok_action = action.gather(1, wid)
    labels = torch.where(tok_chosen, input_ids, torch.full_like(input_ids, IGNORE_INDEX))
    out = input_ids.clone()
    out[tok_chosen & (tok_action < 0.8)] = mask_token_id
    rand_pos = tok_chosen & (tok_action >= 0.8) & (tok_action < 0.9)
    random_ids = torch.randint(first_regular_id, vocab_size, input_ids.shape, generator=generator)
    out[rand_pos] = random_ids[rand_pos]
    return out, labels
