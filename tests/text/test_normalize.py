import pytest

from feedback_nlp.text.normalize import normalize


def test_traditional_to_simplified():
    assert normalize("這個東西質量很差，客服態度惡劣").text == "这个东西质量很差,客服态度恶劣"


def test_full_width_and_case_folding():
    assert normalize("ＡＰＰ閃退１２３ Hello").text == "app闪退123 hello"


@pytest.mark.parametrize("hidden", ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\x00", "\x07", "\u00ad"])
def test_hidden_characters_removed(hidden):
    assert normalize(f"速{hidden}度{hidden}慢").text == "速度慢"


def test_spaces_between_cjk_removed_but_kept_between_latin():
    assert normalize("速 度  慢 good   job").text == "速度慢 good job"


def test_repeated_punctuation_collapsed_and_emoji_kept():
    assert normalize("太慢了！！！？？？😡😡").text == "太慢了!?😡😡"


def test_html_tags_dropped_entities_decoded():
    n = normalize("<p>送得&amp;太<b>慢</b></p><script>alert(1)</script>")
    assert n.text == "送得&太慢"


@pytest.mark.parametrize("text", [
    "這家店ＡＢＣ速\u200b度　慢！！！<b>再也</b>不來了😡",
    "  前后空格  ",
    "mixed English 和 中文 ，ｏｋ？",
    "<div>a&lt;b</div>",
])
def test_offset_map_points_into_original(text):
    n = normalize(text)
    assert len(n.offsets) == len(n.text)
    assert list(n.offsets) == sorted(n.offsets)
    for i, ch in enumerate(n.text):
        src = text[n.offsets[i]]
        # the source character normalises to this one (or is the start of an entity / tag boundary)
        assert normalize(src).text in (ch, "") or src in "&<"
    s, e = n.to_original(0, len(n.text))
    assert 0 <= s <= e <= len(text)


def test_to_original_rejects_out_of_range_span():
    with pytest.raises(ValueError):
        normalize("abc").to_original(1, 9)
