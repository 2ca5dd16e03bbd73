"""Which tokens of a long text a BERT model reads.

A text longer than ``max_len`` tokens keeps its first ``head`` tokens and its last
``max_len - head - 2`` (plus ``[CLS]`` and ``[SEP]``). Long reviews and e-mails tend to end with
the verdict ("以后不会再住了", "总体来说不推荐"), which plain truncation cuts off; keeping head and
tail is the best of the strategies compared by Sun et al. (2019, "How to Fine-Tune BERT for Text
Classification?"). ``head = max_len - 2`` is plain truncation (the first tokens only), the default
of models whose manifest names no ``truncation_head``.

Training (``training/finetune.py``) and the ONNX scorer both call :func:`keep_head_and_tail`, so a
model reads the same tokens in training and in service.
"""

from __future__ import annotations


def plain_head(max_len: int) -> int:
    """The ``head`` that makes :func:`keep_head_and_tail` plain truncation."""
    return max_len - 2


def head_or_plain(max_len: int, head: int | None) -> int:
    """``head``, or plain truncation's when it is ``None``."""
    return plain_head(max_len) if head is None else head


def head_of(manifest: dict) -> int:
    """The ``head`` a model's ``model.json`` names (``truncation_head``), plain truncation when none."""
    return int(head_or_plain(int(manifest.get("max_len", 128)), manifest.get("truncation_head")))


def check(max_len: int, head: int) -> None:
    if max_len < 3:
        raise ValueError(f"max_len must be ≥ 3, got {max_len}")
    if not 0 <= head <= max_len - 2:
        raise ValueError(f"truncation head must be between 0 and max_len - 2 = {max_len - 2}, got {head}")


def keep_head_and_tail(ids: list[int], max_len: int, head: int) -> list[int]:
    """``ids`` (starting with ``[CLS]`` and ending with ``[SEP]``) cut to at most ``max_len``."""
    if len(ids) <= max_len:
        return list(ids)
    tail = max_len - head - 1  # the last content tokens and [SEP]
    return list(ids[:head + 1]) + list(ids[len(ids) - tail:])
