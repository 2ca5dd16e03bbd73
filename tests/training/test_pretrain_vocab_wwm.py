"""Vocabulary format round trip through BertTokenizerFast, and whole-word masking over jieba words."""

import pytest
import torch

from feedback_nlp.text.segment import segment
from training.vocab import SPECIAL_TOKENS, build_vocab, load_tokenizer, write_vocab
from training.wwm import encode_to_arrays, mask_batch

LINES = [
    "这个手机的wifi信号很差,送货速度太慢了",
    "客服态度非常好,下次还会购买iphone配件",
    "价格1299元有点贵,但是质量不错",
    "酒店房间干净整洁,早餐种类丰富",
    "外卖送到的时候已经凉了,味道一般",
    "wifi wifi wifi password settings network",
] * 3


@pytest.fixture(scope="module")
def tok(tmp_path_factory):
    out = tmp_path_factory.mktemp("vocab")
    tokens = build_vocab(LINES, min_cjk_freq=1, wordpiece_size=120, wordpiece_min_freq=1)
    write_vocab(tokens, out)
    return load_tokenizer(out / "vocab.txt"), out


def test_vocab_file_format(tok):
    _, out = tok
    tokens = (out / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert tokens[:5] == SPECIAL_TOKENS
    assert len(tokens) == len(set(tokens))
    assert "质" in tokens and "##质" not in tokens  # CJK only as single characters
    assert any(t.startswith("##") for t in tokens)  # WordPiece continuations for Latin/digits
    assert all(len(t) == 1 for t in tokens if any("\u4e00" <= c <= "\u9fff" for c in t))


def test_round_trip_cjk_per_character_latin_wordpiece(tok):
    tokenizer, out = tok
    pieces = tokenizer.tokenize("质量很好iphone299")
    assert pieces[:4] == ["质", "量", "很", "好"]
    latin = pieces[4:]
    assert "[UNK]" not in latin
    assert len(latin) >= 2 and all(p.startswith("##") for p in latin[1:])
    assert "".join(p.removeprefix("##") for p in latin) == "iphone299"
    ids = tokenizer("质量很好")["input_ids"]
    assert tokenizer.convert_ids_to_tokens(ids) == ["[CLS]", "质", "量", "很", "好", "[SEP]"]
    assert tokenizer.decode(ids, skip_special_tokens=True).replace(" ", "") == "质量很好"

    from transformers import AutoTokenizer

    saved = AutoTokenizer.from_pretrained(str(out))
    assert saved.tokenize("送货速度wifi") == tokenizer.tokenize("送货速度wifi")


def test_emoji_and_full_width_punctuation_are_not_unknown(tok):
    tokenizer, _ = tok
    assert "[UNK]" not in tokenizer.tokenize("质量很好👍👍,速度😊！")


def test_word_ids_follow_jieba_words(tok):
    tokenizer, _ = tok
    line = "送货速度太慢了"
    ids, wids = encode_to_arrays([line], tokenizer, seq_len=32)
    toks = tokenizer.convert_ids_to_tokens(ids[0].tolist())
    assert toks[0] == "[CLS]" and wids[0][0] == -1
    chars = [(t, w) for t, w in zip(toks, wids[0].tolist()) if w >= 0]
    words = [t.text for t in segment(line)]
    rebuilt: dict[int, str] = {}
    for t, w in chars:
        rebuilt[w] = rebuilt.get(w, "") + t
    assert [rebuilt[k] for k in sorted(rebuilt)] == words


def test_packing_fills_sequences_and_keeps_words_distinct(tok):
    tokenizer, _ = tok
    ids, wids = encode_to_arrays(LINES * 4, tokenizer, seq_len=128)
    assert ids.shape[1] == 128 and len(ids) >= 3
    assert (ids[:, 0] == tokenizer.cls_token_id).all()
    real = ids[:-1] != tokenizer.pad_token_id  # all but the last sequence are packed (nearly) full
    assert real.mean() > 0.85
    assert (ids == tokenizer.sep_token_id).sum() == len(LINES) * 4  # one [SEP] after every line
    for row in wids:  # word ids increase along a sequence: lines never share a word id
        w = row[row >= 0]
        assert (w[1:] >= w[:-1]).all()


def test_whole_word_masking_never_splits_a_word(tok):
    tokenizer, _ = tok
    ids, wids = encode_to_arrays(LINES, tokenizer, seq_len=64)
    ids_t, wids_t = torch.from_numpy(ids), torch.from_numpy(wids)
    masked_any = 0
    for seed in range(8):
        gen = torch.Generator().manual_seed(seed)
        inputs, labels = mask_batch(ids_t, wids_t, mask_token_id=tokenizer.mask_token_id, vocab_size=len(tokenizer), first_regular_id=5, generator=gen, mlm_probability=0.3)
        is_masked = labels != -100
        masked_any += int(is_masked.sum())
        assert not is_masked[wids_t < 0].any()  # [CLS], [SEP], [PAD] never masked
        assert (labels[is_masked] == ids_t.long()[is_masked]).all()
        for r in range(ids.shape[0]):
            for w in wids_t[r].unique().tolist():
                if w < 0:
                    continue
                states = is_masked[r][wids_t[r] == w]
                assert states.all() or not states.any(), f"word {w} of row {r} partly masked"
        # unchanged where not masked
        assert (inputs[~is_masked] == ids_t.long()[~is_masked]).all()
    assert masked_any > 0


def test_masks_are_dynamic_and_every_row_gets_one(tok):
    tokenizer, _ = tok
    ids, wids = encode_to_arrays(LINES, tokenizer, seq_len=64)
    ids_t, wids_t = torch.from_numpy(ids), torch.from_numpy(wids)
    gen = torch.Generator().manual_seed(0)
    kw = dict(mask_token_id=tokenizer.mask_token_id, vocab_size=len(tokenizer), first_regular_id=5, generator=gen, mlm_probability=0.01)
    _, first = mask_batch(ids_t, wids_t, **kw)
    _, second = mask_batch(ids_t, wids_t, **kw)
    assert not torch.equal(first != -100, second != -100)
    assert ((first != -100).sum(1) > 0).all()  # even at 1 %, no row without a masked word
