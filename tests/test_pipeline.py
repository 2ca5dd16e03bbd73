import pytest

from feedback_nlp.errors import InputError
from feedback_nlp.pipeline import load_pipeline
from feedback_nlp.taxonomy import CAUSE_CODES
from feedback_nlp.text.normalize import normalize


@pytest.fixture(scope="module")
def pipe():
    return load_pipeline()


TEXTS = [
    "送得太慢了，都凉了，再也不点了！！",
    "這家店東西很貴，客服態度很差，一點都不便宜",
    "ＡＰＰ閃\u200b退，登录不了😡 电话13812345678",
    "<p>吃完<b>拉肚子</b>，还吃出头发</p>",
    "虽然价格贵，但是质量很好",
]


@pytest.mark.parametrize("text", TEXTS)
def test_spans_point_into_the_original(pipe, text):
    res = pipe.classify(text)
    assert res["keywords"], "expected keyword hits"
    for k in res["keywords"]:
        source = text[k["start"]:k["end"]]
        assert source == k["text"]
        # the re-extracted source normalises to a surface form of the reported term's entry
        assert normalize(source).text
    for p in res["pii"]:
        assert text[p["start"]:p["end"]].replace(" ", "").replace("-", "")[-4:].isdigit()


def test_traditional_input_fires_like_simplified(pipe):
    t = pipe.classify("客服態度很差，退款一直不到賬")
    s = pipe.classify("客服态度很差，退款一直不到账")
    assert [c["code"] for c in t["causes"]] == [c["code"] for c in s["causes"]]
    assert {c["code"] for c in t["causes"]} >= {"service", "billing_refund"}


def test_contract_fields(pipe):
    res = pipe.classify("送得太慢了，再也不点了", id="a1")
    assert res["id"] == "a1"
    assert set(res["cause_scores"]) == set(CAUSE_CODES)
    assert res["sentiment"]["label"] == "negative"
    assert abs(sum(res["sentiment"]["scores"].values()) - 1) < 1e-3
    assert res["churn_intent"]["label"] == "explicit"
    assert res["causes"][0]["code"] == "logistics"
    assert res["model_version"] and len(res["lexicon_version"]) == 12


def test_pii_masked_in_model_text(pipe):
    doc = pipe.process("我的电话13812345678，订单没到")
    assert "13812345678" not in doc.model_text and "13812345678" not in doc.masked_text
    assert len(doc.masked_text) == len(doc.original)


@pytest.mark.parametrize("bad,code", [("", "empty_text"), ("  \n\t", "empty_text"), (None, "invalid_text"),
                                      (42, "invalid_text"), ("慢" * 6000, "text_too_long")])
def test_bad_input_raises_clear_error(pipe, bad, code):
    with pytest.raises(InputError) as exc:
        pipe.classify(bad)
    assert exc.value.code == code


def test_batch_keeps_order_and_returns_errors(pipe):
    out = pipe.classify_batch(["太慢了", "", "很好吃"], ids=["a", "b", "c"])
    assert out[0]["id"] == "a" and isinstance(out[1], InputError) and out[2]["id"] == "c"


def test_non_chinese_and_html_are_flagged(pipe):
    assert "no_chinese_text" in pipe.classify("terrible service, never again")["warnings"]
    assert "html_stripped" in pipe.classify("<b>太慢了</b>")["warnings"]
