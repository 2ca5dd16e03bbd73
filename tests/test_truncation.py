"""Head-and-tail truncation of token ids (feedback_nlp.models.truncation)."""

from __future__ import annotations

import pytest

from feedback_nlp.models.truncation import check, keep_head_and_tail, plain_head

CLS, SEP = 101, 102


def ids_of(n: int) -> list[int]:
    """[CLS] 1..n [SEP]"""
    return [CLS, *range(1, n + 1), SEP]


def test_short_input_is_kept_whole():
    assert keep_head_and_tail(ids_of(5), 16, 4) == ids_of(5)
    assert keep_head_and_tail(ids_of(14), 16, 4) == ids_of(14)  # exactly max_len


def test_long_input_keeps_head_and_tail_and_both_markers():
    got = keep_head_and_tail(ids_of(100), 16, 4)
    assert len(got) == 16
    assert got == [CLS, 1, 2, 3, 4, *range(91, 101), SEP]  # 4 head and 10 tail tokens


def test_plain_head_is_ordinary_truncation():
    got = keep_head_and_tail(ids_of(100), 16, plain_head(16))
    assert got == [CLS, *range(1, 15), SEP]


def test_tail_only():
    assert keep_head_and_tail(ids_of(100), 8, 0) == [CLS, *range(95, 101), SEP]


@pytest.mark.parametrize("max_len,head", [(16, -1), (16, 15), (2, 0)])
def test_bad_settings_are_refused(max_len, head):
    with pytest.raises(ValueError):
        check(max_len, head)
